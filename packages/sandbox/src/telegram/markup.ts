import type {
  ForceReply,
  InlineKeyboardButton,
  InlineKeyboardMarkup,
  KeyboardButton,
  ReplyKeyboardMarkup,
  ReplyKeyboardRemove,
} from '@grammyjs/types';
import { badRequest, Descriptions } from './errors.js';

export type ReplyMarkup = InlineKeyboardMarkup | ReplyKeyboardMarkup | ReplyKeyboardRemove | ForceReply;

/** Inline button fields that give a button its action; exactly one must be present. */
const INLINE_ACTIONS = [
  'callback_data', 'url', 'login_url', 'switch_inline_query', 'switch_inline_query_current_chat',
  'switch_inline_query_chosen_chat', 'copy_text', 'callback_game', 'pay', 'web_app',
] as const;

export function isInlineKeyboard(markup: ReplyMarkup | undefined): markup is InlineKeyboardMarkup {
  return !!markup && Array.isArray((markup as InlineKeyboardMarkup).inline_keyboard);
}

export function isReplyKeyboard(markup: ReplyMarkup | undefined): markup is ReplyKeyboardMarkup {
  return !!markup && Array.isArray((markup as ReplyKeyboardMarkup).keyboard);
}

function validUrl(value: unknown): boolean {
  if (typeof value !== 'string') return false;
  try {
    const url = new URL(value);
    return ['http:', 'https:', 'tg:'].includes(url.protocol);
  } catch {
    return false;
  }
}

/** Telegram opens Mini Apps over HTTPS only; the sandbox also takes http on loopback so a local run works. */
export function validWebAppUrl(value: unknown): boolean {
  if (typeof value !== 'string') return false;
  try {
    const url = new URL(value);
    return url.protocol === 'https:' || (url.protocol === 'http:' && ['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname));
  } catch {
    return false;
  }
}

function checkInlineButton(button: unknown, maxCallbackDataBytes: number): InlineKeyboardButton {
  if (!button || typeof button !== 'object') throw badRequest(Descriptions.replyMarkupInvalid);
  const record = button as Record<string, unknown>;
  if (typeof record.text !== 'string') throw badRequest(Descriptions.replyMarkupInvalid);
  const actions = INLINE_ACTIONS.filter((key) => record[key] !== undefined);
  if (actions.length === 0) throw badRequest(Descriptions.textButtonsInInlineKeyboard);
  if (actions.length > 1) throw badRequest(Descriptions.buttonTypeInvalid);
  if (actions[0] === 'callback_data') {
    const data = record.callback_data;
    const bytes = typeof data === 'string' ? Buffer.byteLength(data, 'utf8') : 0;
    if (bytes < 1 || bytes > maxCallbackDataBytes) throw badRequest(Descriptions.buttonDataInvalid);
  }
  if (actions[0] === 'url' && !validUrl(record.url)) throw badRequest(Descriptions.buttonUrlInvalid);
  if (actions[0] === 'web_app' && !validWebAppUrl((record.web_app as { url?: unknown } | null)?.url)) throw badRequest(Descriptions.webAppUrlInvalid);
  return record as unknown as InlineKeyboardButton;
}

function checkRows<T>(rows: unknown, check: (button: unknown) => T): T[][] {
  if (!Array.isArray(rows) || rows.some((row) => !Array.isArray(row))) {
    throw badRequest(Descriptions.replyMarkupInvalid);
  }
  return (rows as unknown[][]).map((row) => row.map(check));
}

/**
 * Validates reply_markup like the Bot API: inline keyboards (callback_data 1–64 bytes, valid URLs, one action
 * per button), reply keyboards (string buttons normalised to {text}), remove_keyboard and force_reply.
 */
export function checkReplyMarkup(raw: unknown, maxCallbackDataBytes: number): ReplyMarkup {
  if (!raw || typeof raw !== 'object') throw badRequest(Descriptions.replyMarkupInvalid);
  const record = raw as Record<string, unknown>;
  if (record.inline_keyboard !== undefined) {
    return { inline_keyboard: checkRows(record.inline_keyboard, (b) => checkInlineButton(b, maxCallbackDataBytes)) };
  }
  if (record.keyboard !== undefined) {
    const keyboard = checkRows(record.keyboard, (button): KeyboardButton => {
      if (typeof button === 'string') return { text: button };
      if (button && typeof button === 'object' && typeof (button as { text?: unknown }).text === 'string') {
        return button as KeyboardButton;
      }
      throw badRequest(Descriptions.replyMarkupInvalid);
    });
    return { ...(record as Omit<ReplyKeyboardMarkup, 'keyboard'>), keyboard };
  }
  if (record.remove_keyboard === true) return record as unknown as ReplyKeyboardRemove;
  if (record.force_reply === true) return record as unknown as ForceReply;
  throw badRequest(Descriptions.replyMarkupInvalid);
}

/** Finds an inline callback button by its callback_data or, failing that, by its visible text. */
export function findCallbackButton(
  markup: InlineKeyboardMarkup | undefined,
  dataOrText: string,
): InlineKeyboardButton.CallbackButton | undefined {
  const buttons = (markup?.inline_keyboard ?? []).flat();
  const callbacks = buttons.filter(
    (b): b is InlineKeyboardButton.CallbackButton => typeof (b as { callback_data?: unknown }).callback_data === 'string',
  );
  return callbacks.find((b) => b.callback_data === dataOrText)
    // A bot that signs its payloads (`<payload>~<8-character MAC>`): a test names the payload, not the signature.
    ?? callbacks.find((b) => b.callback_data.length === dataOrText.length + 9 && b.callback_data.startsWith(`${dataOrText}~`))
    ?? callbacks.find((b) => b.text === dataOrText);
}
