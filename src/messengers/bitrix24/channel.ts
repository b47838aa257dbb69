/**
 * The Bitrix24 chat channel of a running DealPilot: the bot registered by `dealpilot b24-register`, found by
 * its code (so registering while the app runs, or re-registering, needs no restart), the chat adapter the
 * outbox sends through, and the scheduled job that pulls the bot's events (fetch mode).
 */

import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import type { Capability } from '../../capabilities/capability.js';
import type { ChatAdapter } from '../../chat/adapter.js';
import { ChatRejectedError, ChatUnreachableError } from '../../chat/adapter.js';
import { type Config, ConfigError } from '../../config/load.js';
import type { CrmGateway } from '../../crm/index.js';
import { CrmError, createCrmGateway } from '../../crm/index.js';
import { t } from '../../i18n/index.js';
import type { IdentityStore } from '../../identity/store.js';
import type { Logger } from '../../infra/log.js';
import { extendLock, releaseLock } from '../../infra/lua.js';
import { sleep } from '../../infra/timing.js';
import { createBitrixChatAdapter } from './adapter.js';
import { type BitrixChatEvent, type BitrixChatEventHandler, type PullSummary, pullBitrixChatEvents, type RefusalNotice, type RefusedEvent } from './events.js';
import { B24_BOT_EVENTS_PATH } from './push.js';
import { findBitrixBot, type RegisteredBitrixBot, registerBitrixBot } from './register.js';

export const BITRIX_CHAT_QUEUE = 'bitrix-chat';
/** How long "no bot registered" is believed before asking the portal again. */
const MISSING_BOT_RECHECK_MS = 60_000;
/** One poller at a time across processes: overlapping polls would hand events out of order. */
const POLL_LOCK_MS = 60_000;
/** Portal answers meaning our bot id or token no longer holds. */
const BOT_GONE_CODES = new Set(['BOT_NOT_FOUND', 'BOT_OWNERSHIP_ERROR', 'BOT_TOKEN_NOT_SPECIFIED']);

export interface BitrixChatChannel extends Capability {
  /** Sends and edits in the bot's dialogs; "no bot registered" is reported as unreachable (the outbox falls back). */
  adapter: ChatAdapter;
  /** The registered bot's id, or null while none is registered. */
  botId(): Promise<number | null>;
  /**
   * Pulls and handles the waiting events now (the scheduled job calls this). While another process polls, the
   * job skips its tick; `wait: true` waits for that poll to end and then polls, so every event raised before the
   * call has been handled when it resolves.
   */
  poll(options?: { wait?: boolean }): Promise<PullSummary | null>;
  /** The event handler must exist before polling; the app sets it once the chat router is built. */
  setHandler(handle: BitrixChatEventHandler): void;
  /** Tells the person behind an event that it could not be handled (push mode calls it too). */
  tellFailure(event: BitrixChatEvent): Promise<void>;
  tellRefusal: RefusalNotice;
}

export function createBitrixChatChannel(deps: {
  crm: CrmGateway;
  redis: Redis;
  prefix: string;
  log: Logger;
  botToken: string;
  code: string;
  /** Preferences (language) of the person told about a failed event. */
  store: Pick<IdentityStore, 'getPreferences'>;
  /** Seconds between polls (1–59); null in push mode (the portal posts events; no poll job). */
  pollSeconds: number | null;
  clock?: () => number;
  /** Messages per `batch` request at most (default 50). */
  maxBatch?: number;
}): BitrixChatChannel {
  const { crm, redis, log, botToken, code } = deps;
  const now = deps.clock ?? Date.now;
  let known: number | null = null;
  let missingSince: number | null = null;
  let pending: Promise<number | null> | null = null;
  let adapter: ChatAdapter | null = null;
  let handler: BitrixChatEventHandler | null = null;

  async function botId(): Promise<number | null> {
    if (known !== null) return known;
    if (missingSince !== null && now() - missingSince < MISSING_BOT_RECHECK_MS) return null;
    pending ??= findBitrixBot(crm, botToken, code).then((id) => {
      if (id === undefined) {
        if (missingSince === null) log.warn({ code }, 'bitrix24 chat: no bot registered with this code; run `dealpilot b24-register`');
        missingSince = now();
        return null;
      }
      known = id;
      missingSince = null;
      return id;
    }).finally(() => { pending = null; });
    return pending;
  }

  /** The bot was deleted or registered anew (another id): look it up again instead of failing until a restart. */
  function forgetBotOn(error: unknown): void {
    const code = error instanceof ChatRejectedError || error instanceof CrmError ? error.code : undefined;
    if (code === undefined || !BOT_GONE_CODES.has(code) || known === null) return;
    log.warn({ code, botId: known }, 'bitrix24 chat: the bot is gone from the portal; looking it up again');
    known = null;
    adapter = null;
  }

  async function withAdapter<T>(chatId: string, use: (chat: ChatAdapter) => Promise<T>): Promise<T> {
    const id = await botId();
    if (id === null) throw new ChatUnreachableError(chatId, 'no Bitrix24 chat bot is registered');
    adapter ??= createBitrixChatAdapter(crm, { botId: id, botToken, ...(deps.maxBatch ? { maxBatch: deps.maxBatch } : {}) });
    try {
      return await use(adapter);
    } catch (error) {
      forgetBotOn(error);
      throw error;
    }
  }

  const lockKey = `${deps.prefix}:imbot:poll-lock`;
  async function poll(options: { wait?: boolean } = {}): Promise<PullSummary | null> {
    if (!handler) throw new Error('bitrix24 chat: no event handler set');
    const id = await botId();
    if (id === null) return null;
    const token = randomUUID();
    while ((await redis.set(lockKey, token, 'PX', POLL_LOCK_MS, 'NX')) !== 'OK') {
      if (!options.wait) return null;
      await sleep(50);
    }
    try {
      return await pullBitrixChatEvents(crm, id, handler, {
        redis, keyPrefix: `${deps.prefix}:`, botToken, log,
        // A long round (many presses at 2 REST requests/s) keeps its lock instead of overlapping the next poller.
        keepAlive: () => extendLock(redis, lockKey, token, POLL_LOCK_MS),
        onGiveUp: (event) => tellFailure(event),
        onRefused: tellRefusal,
      });
    } catch (error) {
      forgetBotOn(error);
      throw error;
    } finally {
      await releaseLock(redis, lockKey, token);
    }
  }

  const chatChannel: ChatAdapter = {
    channel: 'bitrix24',
    send: (chatId, message) => withAdapter(chatId, (chat) => chat.send(chatId, message)),
    edit: (ref, message) => withAdapter(ref.chatId, (chat) => chat.edit(ref, message)),
  };

  /** An event given up after failing: the person hears that something went wrong instead of silence. */
  async function tellFailure(event: BitrixChatEvent): Promise<void> {
    const prefs = await deps.store.getPreferences(event.userId);
    await chatChannel.send(String(event.userId), { text: t(prefs.locale, 'errors.generic') });
  }

  /** A typed button command is an unknown command to the person; a broken button an outdated one. */
  async function tellRefusal(userId: number, reason: RefusedEvent['reason']): Promise<void> {
    const prefs = await deps.store.getPreferences(userId);
    const text = t(prefs.locale, reason === 'not_keyboard' ? 'errors.unknown_command' : 'errors.outdated_button');
    await chatChannel.send(String(userId), { text });
  }

  const seconds = deps.pollSeconds === null ? null : Math.min(59, Math.max(1, Math.round(deps.pollSeconds)));
  return {
    name: 'bitrixChat',
    adapter: chatChannel,
    botId,
    poll,
    setHandler(handle) {
      handler = handle;
    },
    tellFailure,
    tellRefusal,
    jobs: seconds === null ? [] : [{
      queue: BITRIX_CHAT_QUEUE,
      name: 'poll',
      schedule: `*/${seconds} * * * * *`,
      // A missed tick is simply the next one; no retries piling up behind the schedule.
      options: { attempts: 1, removeOnComplete: { count: 100 }, removeOnFail: { count: 100 } },
      process: async () => poll(),
    }],
  };
}

/** `dealpilot b24-register`: registers (or finds) the bot named by the configuration. */
export async function registerConfiguredBot(config: Config, log: Logger): Promise<RegisteredBitrixBot> {
  const { B24_WEBHOOK_URL: webhookUrl, B24_BOT_TOKEN: botToken, B24_BOT_CODE: code } = config.env;
  if (!webhookUrl || !botToken) {
    throw new ConfigError([
      ...(!webhookUrl ? [{ path: 'env.B24_WEBHOOK_URL', message: 'required to register the bot' }] : []),
      ...(!botToken ? [{ path: 'env.B24_BOT_TOKEN', message: 'required: a token of your choice (16–40 characters) that identifies the bot' }] : []),
    ]);
  }
  const redis = new Redis(config.env.REDIS_URL, { maxRetriesPerRequest: 3 });
  try {
    const crm = createCrmGateway({ webhookUrl, redis, log, timezone: config.rules.portal.timezone,
      rate: { perSecond: config.env.B24_RATE_PER_SECOND, burst: config.env.B24_RATE_BURST, keyPrefix: config.env.REDIS_PREFIX } });
    const pushUrl = config.env.B24_BOT_EVENT_MODE === 'webhook' && config.env.PUBLIC_URL
      ? `${config.env.PUBLIC_URL.replace(/\/+$/, '')}${B24_BOT_EVENTS_PATH}`
      : undefined;
    return await registerBitrixBot(crm, { code, name: 'DealPilot', botToken, ...(pushUrl ? { webhookUrl: pushUrl } : {}) });
  } finally {
    redis.disconnect();
  }
}
