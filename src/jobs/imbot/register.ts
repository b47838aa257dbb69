/**
 * `dealpilot b24-register`: puts the DealPilot bot into the portal's chat with the `imbot.v2` API in fetch mode
 * (no public URL needed) and registers its commands. Safe to run again: an existing bot with the same code is
 * found through `imbot.v2.Bot.list` and reused, never registered a second time.
 */
import { CrmError, type CrmGateway } from '../../crm/index.js';
import { registerSecret } from '../../infra/secrets.js';
import { BUTTON_COMMAND } from '../../chat/bitrix24-render.js';

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
  /** Chat commands besides the hidden button command; default: /help, /report, /settings. */
  commands?: BotCommandSpec[];
}

export interface RegisteredBitrixBot {
  botId: number;
  code: string;
  /** false when an existing registration was found. */
  created: boolean;
  /** command name → portal command id */
  commands: Record<string, number>;
}

export const DEFAULT_BOT_COMMANDS: readonly BotCommandSpec[] = [
  { command: 'help', title: { ru: 'Справка', en: 'Help' } },
  { command: 'report', title: { ru: 'Отчёт', en: 'Report' } },
  { command: 'settings', title: { ru: 'Настройки', en: 'Settings' } },
];

export const MAX_BOT_TOKEN_LENGTH = 40;

const LIST_PAGE = 50;
const MAX_LIST_PAGES = 20;

interface BotRow { id?: unknown; code?: unknown }

function unexpected(method: string, description: string): CrmError {
  return new CrmError({ code: 'UNEXPECTED_ANSWER', status: 200, method, description });
}

function positiveId(value: unknown): number | undefined {
  const n = typeof value === 'number' ? value : typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : NaN;
  return Number.isInteger(n) && n > 0 ? n : undefined;
}

/** The bot with this code among those owned by `botToken`, or undefined. */
export async function findBitrixBot(crm: Pick<CrmGateway, 'call'>, botToken: string, code: string): Promise<number | undefined> {
  for (let page = 0; page < MAX_LIST_PAGES; page += 1) {
    const result = await crm.call<{ bots?: BotRow[]; hasNextPage?: boolean }>('imbot.v2.Bot.list', {
      botToken, limit: LIST_PAGE, offset: page * LIST_PAGE,
    });
    if (!result || !Array.isArray(result.bots)) throw unexpected('imbot.v2.Bot.list', 'no bots array in the answer');
    const found = result.bots.find((b) => b.code === code);
    if (found) {
      const id = positiveId(found.id);
      if (id === undefined) throw unexpected('imbot.v2.Bot.list', `bot ${code} has no id`);
      return id;
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

  let botId = await findBitrixBot(crm, botToken, code);
  const created = botId === undefined;
  if (botId === undefined) {
    const result = await crm.call<{ bot?: BotRow }>('imbot.v2.Bot.register', {
      // The current docs read botToken from `fields`; older revisions from the top level. Send both.
      botToken,
      fields: {
        code, botToken, type: 'bot', eventMode: 'fetch',
        properties: { name, ...(options.workPosition ? { workPosition: options.workPosition } : {}) },
      },
    }, { idempotent: true }); // the portal returns the existing bot for a repeated code, so a retry is safe
    botId = positiveId(result?.bot?.id);
    if (botId === undefined) throw unexpected('imbot.v2.Bot.register', 'no bot id in the answer');
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
  return { botId, code, created, commands };
}
