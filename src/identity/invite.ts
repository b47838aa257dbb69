import type { Redis } from 'ioredis';
import { type CrmGateway, CrmNotFoundError } from '../crm/index.js';
import { t } from '../i18n/index.js';
import { createIdentityStore, LINK_CODE_TTL_SECONDS } from './store.js';

/** The one thing an invitation needs from the Telegram bot: its @username (grammY's Api has this shape). */
export interface BotProfile {
  getMe(): Promise<{ username: string }>;
}

export class InviteError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InviteError';
  }
}

/**
 * A single-use deep link `https://t.me/<bot>?start=<code>` (valid 15 minutes) that links whoever opens it to
 * the Bitrix24 user — for people whose profile has no phone. Optionally sent to them as a Bitrix24 notification.
 */
export async function createInvite(deps: { redis: Redis; prefix: string; crm: CrmGateway; telegram: BotProfile },
  b24UserId: number, options: { notify?: boolean } = {}): Promise<{ url: string; expiresInSeconds: number; notified: boolean }> {
  let active = false;
  try {
    active = (await deps.crm.getUser(b24UserId)).active === true;
  } catch (error) {
    if (!(error instanceof CrmNotFoundError)) throw error;
  }
  if (!active) throw new InviteError(`Bitrix24 user ${b24UserId} does not exist or is not active`);
  const me = await deps.telegram.getMe();
  const code = await createIdentityStore(deps.redis, deps.prefix).createLinkCode(b24UserId);
  const url = `https://t.me/${me.username}?start=${code}`;
  if (options.notify) await deps.crm.notify({ userId: b24UserId, message: t('ru', 'link.invite_notification', { url }) });
  return { url, expiresInSeconds: LINK_CODE_TTL_SECONDS, notified: options.notify === true };
}
