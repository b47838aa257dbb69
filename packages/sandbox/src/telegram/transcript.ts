import type { MessageEntity } from '@grammyjs/types';
import { isInlineKeyboard, isReplyKeyboard, type ReplyMarkup } from './markup.js';
import type { StoredMessage, StoredPress } from './world.js';

/** One line of a chat as a person sees it; bot messages show their latest state (after edits). */
export interface TranscriptEntry {
  direction: 'bot' | 'user';
  kind: 'text' | 'photo' | 'contact' | 'button';
  messageId?: number;
  /** Plain text (entities stripped); caption for photos; for a button press, the button's text. */
  text: string;
  entities?: MessageEntity[];
  replyMarkup?: ReplyMarkup;
  /** For a button press: the callback_data sent; for a contact: the phone number. */
  data?: string;
  /** How many times the message was edited; absent when never. */
  edited?: number;
  deleted?: boolean;
  /** Epoch milliseconds. */
  at: number;
}

/** A serialisable predicate for waitForMessage (usable over the HTTP control API). */
export interface MessageMatcher {
  textIncludes?: string;
  /** Regular expression source, tested against the text. */
  textMatches?: string;
  /** A button (inline or reply keyboard) with this text or callback_data must be present. */
  hasButton?: string;
  /** Only messages sent after this message id. */
  afterMessageId?: number;
}

export type MessagePredicate = (entry: TranscriptEntry) => boolean;

export function toTranscriptEntry(item: StoredMessage | StoredPress): TranscriptEntry {
  if ('queryId' in item) {
    return { direction: 'user', kind: 'button', messageId: item.messageId, text: item.buttonText, data: item.data, at: item.at };
  }
  return {
    direction: item.direction,
    kind: item.kind,
    messageId: item.messageId,
    text: item.kind === 'contact' ? `${item.contact?.first_name ?? ''} ${item.contact?.phone_number ?? ''}`.trim() : item.text,
    ...(item.entities.length ? { entities: item.entities } : {}),
    ...(item.replyMarkup ? { replyMarkup: item.replyMarkup } : {}),
    ...(item.kind === 'contact' && item.contact ? { data: item.contact.phone_number } : {}),
    ...(item.editCount > 0 ? { edited: item.editCount } : {}),
    ...(item.deleted ? { deleted: true } : {}),
    at: item.at,
  };
}

function buttonLabels(markup: ReplyMarkup | undefined): string[] {
  if (isInlineKeyboard(markup)) {
    return markup.inline_keyboard.flat().flatMap((b) => {
      const data = (b as { callback_data?: string }).callback_data;
      if (data === undefined) return [b.text];
      // A bot that signs its payloads (`<payload>~<8-character MAC>`) is matched by the payload too.
      const signed = /^(.*)~[A-Za-z0-9_-]{8}$/.exec(data);
      return signed ? [b.text, data, signed[1]!] : [b.text, data];
    });
  }
  if (isReplyKeyboard(markup)) return markup.keyboard.flat().map((b) => (typeof b === 'string' ? b : b.text));
  return [];
}

export function matcherToPredicate(matcher: MessageMatcher): MessagePredicate {
  const pattern = matcher.textMatches !== undefined ? new RegExp(matcher.textMatches) : undefined;
  return (entry) =>
    (matcher.textIncludes === undefined || entry.text.includes(matcher.textIncludes))
    && (pattern === undefined || pattern.test(entry.text))
    && (matcher.hasButton === undefined || buttonLabels(entry.replyMarkup).includes(matcher.hasButton))
    && (matcher.afterMessageId === undefined || (entry.messageId ?? 0) > matcher.afterMessageId);
}

function clock(at: number): string {
  const d = new Date(at);
  return [d.getHours(), d.getMinutes(), d.getSeconds()].map((v) => String(v).padStart(2, '0')).join(':');
}

function keyboardLines(markup: ReplyMarkup | undefined): string[] {
  if (isInlineKeyboard(markup)) {
    return markup.inline_keyboard.map((row) =>
      row.map((b) => ('url' in b && b.url ? `[${b.text} ↗]` : `[${b.text}]`)).join(' '));
  }
  if (isReplyKeyboard(markup)) {
    return markup.keyboard.map((row) =>
      row.map((b) => (typeof b === 'string' ? `‹${b}›` : `‹${b.text}${'request_contact' in b && b.request_contact ? ' ☎' : ''}›`)).join(' '));
  }
  return [];
}

/** A readable rendering of a chat for a terminal: who said what, buttons as [Text], edits and deletions. */
export function formatTranscript(title: string, entries: TranscriptEntry[]): string {
  const lines = [`── ${title} ──`];
  const pad = ' '.repeat(11);
  for (const entry of entries) {
    const time = clock(entry.at);
    if (entry.kind === 'button') {
      lines.push(`${time}  you pressed [${entry.text}] on #${entry.messageId ?? '?'}`);
      continue;
    }
    const who = entry.direction === 'bot' ? `bot #${entry.messageId}` : `you #${entry.messageId}`;
    const marks = [
      entry.kind === 'photo' ? 'photo' : undefined,
      entry.kind === 'contact' ? 'contact' : undefined,
      entry.edited ? `edited ×${entry.edited}` : undefined,
      entry.deleted ? 'deleted' : undefined,
    ].filter(Boolean);
    const [first = '', ...rest] = entry.text.split('\n');
    lines.push(`${time}  ${who}${marks.length ? ` (${marks.join(', ')})` : ''}: ${entry.deleted ? `~~${first}~~` : first}`);
    for (const line of rest) lines.push(`${pad}${line}`);
    for (const line of keyboardLines(entry.replyMarkup)) lines.push(`${pad}${line}`);
  }
  return lines.join('\n');
}
