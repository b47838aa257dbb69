/**
 * The messenger-neutral message model. Triggers, rules and the outbox speak this; only the chat adapters
 * (Telegram, Bitrix24 chat) turn it into a wire format.
 */

/** A button that carries an action (encoded by the callback codec, ≤ 64 bytes) or opens a URL. */
export type Button =
  | { kind: 'action'; text: string; data: string }
  | { kind: 'url'; text: string; url: string }
  /**
   * Opens the deal desk (Mini App) at `url`: a web_app button in Telegram private chats (a URL button elsewhere); in
   * Bitrix24 chat a press that answers with a fresh single-use link (`dealId` 0 = My day).
   */
  | { kind: 'app'; text: string; url: string; dealId: number };

export interface ChatMessage {
  /**
   * Text with a small, safe subset of markup: **bold**, _italic_, `code`, and ```pre``` blocks. Adapters render
   * it (HTML for Telegram, BB-code for Bitrix24) and escape everything else.
   */
  text: string;
  /** Rows of buttons. */
  buttons?: Button[][];
}

/** Where a sent message lives, so a later action can edit it instead of sending a new one. */
export interface MessageRef {
  channel: 'telegram' | 'bitrix24';
  chatId: string;
  messageId: string;
}

export function actionButton(text: string, data: string): Button {
  return { kind: 'action', text, data };
}

export function urlButton(text: string, url: string): Button {
  return { kind: 'url', text, url };
}

export function appButton(text: string, url: string, dealId = 0): Button {
  return { kind: 'app', text, url, dealId };
}

/** Telegram limit for one text message; adapters split longer texts only at line boundaries. */
export const MAX_TEXT_LENGTH = 4096;

/** Splits text into chunks of at most `limit` characters, cutting only at line boundaries where possible. */
export function splitOnLines(text: string, limit = MAX_TEXT_LENGTH): string[] {
  if (text.length <= limit) return [text];
  const chunks: string[] = [];
  let current = '';
  for (const line of text.split('\n')) {
    const candidate = current === '' ? line : `${current}\n${line}`;
    if (candidate.length <= limit) {
      current = candidate;
      continue;
    }
    if (current !== '') chunks.push(current);
    // A single line longer than the limit is cut hard; there is no better boundary.
    let rest = line;
    while (rest.length > limit) {
      chunks.push(rest.slice(0, limit));
      rest = rest.slice(limit);
    }
    current = rest;
  }
  if (current !== '') chunks.push(current);
  return chunks;
}
