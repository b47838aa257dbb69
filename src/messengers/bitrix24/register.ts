/**
 * `dealpilot b24-register`: puts the DealPilot bot into the portal's chat with the `imbot.v2` API and registers
 * its commands. Fetch mode by default (no public URL needed); with a `webhookUrl`, webhook mode (the portal
 * POSTs events to that URL, see src/messengers/bitrix24/push.ts). Safe to run again: an existing bot with the same
 * code is found through `imbot.v2.Bot.list` and reused, never registered a second time; if its delivery mode
 * differs it is switched with `imbot.v2.Bot.update` (Bot.register would return it unchanged).
 */
import { CrmError, type CrmGateway } from '../../crm/index.js';
import { registerSecret } from '../../infra/secrets.js';
import { positiveId } from '../../infra/values.js';
import { BUTTON_COMMAND } from './render.js';

export interface BotCommandSpec {
  /** Without the "/". */
  command: string;
  /** Per language (`ru`, `en`); required for visible commands. */
  title?: Record<string, string>;
  hidden?: boolean;
}

export interface BitrixBotRegistration {
  /** Unique code of the bot in the portal (e.g. `dealpilot`). */
  code: string;
  /** Display name in the chat list. */
  name: string;
  /** Secret chosen by us, ≤ 40 characters; every later imbot.v2 call over the webhook needs it. */
  botToken: string;
  workPosition?: string;
  /**
   * Absolute http(s) URL of our push endpoint (`<PUBLIC_URL>/b24/bot`): the bot is put in webhook mode.
   * Without it, fetch mode.
   */
  webhookUrl?: string;
  /** Chat commands besides the hidden button command; default: /help, /report, /settings. */
  commands?: BotCommandSpec[];
}

export interface RegisteredBitrixBot {
  botId: number;
  code: string;
  /** false when an existing registration was found. */
  created: boolean;
  /** The delivery mode the bot is in now. */
  eventMode: BitrixBotEventMode;
  /** true when an existing bot was switched between modes or given the webhook URL again (Bot.update). */
  updated: boolean;
  /** command name → portal command id */
  commands: Record<string, number>;
}

export const DEFAULT_BOT_COMMANDS: readonly BotCommandSpec[] = [
  { command: 'help', title: { ru: 'Справка', en: 'Help' } },
  { command: 'app', title: { ru: 'Мой день', en: 'My day' } },
  { command: 'report', title: { ru: 'Отчёт', en: 'Report' } },
  { command: 'settings', title: { ru: 'Настройки', en: 'Settings' } },
];

export const MAX_BOT_TOKEN_LENGTH = 40;

export type BitrixBotEventMode = 'fetch' | 'webhook';

const LIST_PAGE = 50;
const MAX_LIST_PAGES = 20;

interface BotRow { id?: unknown; code?: unknown; eventMode?: unknown }

/** A bot of ours as Bot.list shows it (the list does not show the webhook URL). */
export interface FoundBitrixBot {
  botId: number;
  eventMode: BitrixBotEventMode;
}

function unexpected(method: string, description: string): CrmError {
  return new CrmError({ code: 'UNEXPECTED_ANSWER', status: 200, method, description });
}


/** The bot with this code among those owned by `botToken`, or undefined. */
export async function findBitrixBot(crm: Pick<CrmGateway, 'call'>, botToken: string, code: string): Promise<number | undefined> {
  return (await findBitrixBotWithMode(crm, botToken, code))?.botId;
}

/** Like findBitrixBot, with the bot's delivery mode. */
export async function findBitrixBotWithMode(
  crm: Pick<CrmGateway, 'call'>, botToken: string, code: string,
): Promise<FoundBitrixBot | undefined> {
  for (let page = 0; page < MAX_LIST_PAGES; page += 1) {
    const result = await crm.call<{ bots?: BotRow[]; hasNextPage?: boolean }>('imbot.v2.Bot.list', {
      botToken, limit: LIST_PAGE, offset: page * LIST_PAGE,
    });
    if (!result || !Array.isArray(result.bots)) throw unexpected('imbot.v2.Bot.list', 'no bots array in the answer');
    const found = result.bots.find((b) => b.code === code);
    if (found) {
      const id = positiveId(found.id);
      if (id === undefined) throw unexpected('imbot.v2.Bot.list', `bot ${code} has no id`);
      return { botId: id, eventMode: found.eventMode === 'webhook' ? 'webhook' : 'fetch' };
    }
    if (!result.hasNextPage) return undefined;
  }
  return undefined;
}

export async function registerBitrixBot(crm: Pick<CrmGateway, 'call'>, options: BitrixBotRegistration): Promise<RegisteredBitrixBot> {
  const { code, name, botToken } = options;
  if (botToken.length === 0 || botToken.length > MAX_BOT_TOKEN_LENGTH) {
    throw new RangeError(`the bot token must be 1–${MAX_BOT_TOKEN_LENGTH} characters`);
  }
  registerSecret(botToken);
  const webhookUrl = options.webhookUrl === undefined ? undefined : handlerUrl(options.webhookUrl);
  const eventMode: BitrixBotEventMode = webhookUrl === undefined ? 'fetch' : 'webhook';
  const delivery = { eventMode, ...(webhookUrl !== undefined ? { webhookUrl } : {}) };

  const found = await findBitrixBotWithMode(crm, botToken, code);
  const created = found === undefined;
  // The list shows the mode but not the URL, so a webhook-mode bot is always given the current URL again.
  const updated = found !== undefined && (found.eventMode !== eventMode || eventMode === 'webhook');
  let botId: number;
  if (found === undefined) {
    const result = await crm.call<{ bot?: BotRow }>('imbot.v2.Bot.register', {
      // The current docs read botToken from `fields`; older revisions from the top level. Send both.
      botToken,
      fields: {
        code, botToken, type: 'bot', ...delivery,
        properties: { name, ...(options.workPosition ? { workPosition: options.workPosition } : {}) },
      },
    }, { idempotent: true }); // the portal returns the existing bot for a repeated code, so a retry is safe
    const id = positiveId(result?.bot?.id);
    if (id === undefined) throw unexpected('imbot.v2.Bot.register', 'no bot id in the answer');
    botId = id;
  } else {
    botId = found.botId;
    if (updated) {
      const result = await crm.call<{ bot?: BotRow }>('imbot.v2.Bot.update', {
        botId, botToken, fields: delivery,
      }, { idempotent: true }); // setting the same mode and URL twice leaves the same state
      if (positiveId(result?.bot?.id) !== botId) throw unexpected('imbot.v2.Bot.update', 'not the bot asked for in the answer');
    }
  }

  const commands: Record<string, number> = {};
  const specs: BotCommandSpec[] = [
    { command: BUTTON_COMMAND, hidden: true },
    ...(options.commands ?? DEFAULT_BOT_COMMANDS),
  ];
  for (const spec of specs) {
    // Command.register is idempotent per bot and command (it returns the existing one).
    const result = await crm.call<{ command?: { id?: unknown } }>('imbot.v2.Command.register', {
      botId, botToken,
      fields: {
        command: spec.command, hidden: spec.hidden ?? false, common: false, extranetSupport: false,
        ...(spec.title ? { title: spec.title } : {}),
      },
    }, { idempotent: true });
    const id = positiveId(result?.command?.id);
    if (id === undefined) throw unexpected('imbot.v2.Command.register', `no command id for ${spec.command}`);
    commands[spec.command] = id;
  }
  return { botId, code, created, eventMode, updated, commands };
}

/** The push endpoint's URL as the portal needs it: absolute http(s). */
function handlerUrl(raw: string): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new RangeError('the bot webhook URL must be an absolute http(s) URL');
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new RangeError('the bot webhook URL must be an absolute http(s) URL');
  return url.toString();
}
