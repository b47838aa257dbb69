import type { Button, ChatMessage } from '../chat/message.js';
import { MAX_TEXT_LENGTH } from '../chat/message.js';
import type { Locale } from '../i18n/index.js';
import { outboxTexts } from './texts.js';
import type { DigestItem } from './types.js';

/** Telegram: at most 100 buttons in one inline keyboard, at most 8 in a row. */
export const MAX_BUTTONS_PER_MESSAGE = 100;
const MAX_BUTTONS_PER_ROW = 8;

export interface DigestPage {
  message: ChatMessage;
  /** Ids of the items listed on this page. */
  itemIds: string[];
}

export interface DigestLimits {
  maxTextLength?: number;
  maxButtons?: number;
}

function itemRows(item: DigestItem, number: number, locale: Locale): Button[][] {
  const labelled = item.buttons[locale].map((b) => ({ ...b, text: `${number}. ${b.text}` }));
  const rows: Button[][] = [];
  for (let i = 0; i < labelled.length; i += MAX_BUTTONS_PER_ROW) rows.push(labelled.slice(i, i + MAX_BUTTONS_PER_ROW));
  return rows;
}

function clip(text: string, limit: number): string {
  return text.length <= limit ? text : `${text.slice(0, Math.max(0, limit - 1))}…`;
}

/**
 * Folds pending items into as few messages as the messenger allows: each page ≤ maxTextLength characters and
 * ≤ maxButtons buttons, items numbered across pages, each item's buttons on its own row(s) labelled with its
 * number. Pure; the order of `items` is kept.
 */
export function buildDigestPages(items: readonly DigestItem[], locale: Locale, limits: DigestLimits = {}): DigestPage[] {
  const maxText = limits.maxTextLength ?? MAX_TEXT_LENGTH;
  const maxButtons = Math.min(limits.maxButtons ?? MAX_BUTTONS_PER_MESSAGE, MAX_BUTTONS_PER_MESSAGE);
  const texts = outboxTexts[locale];
  const header = texts.digestHeader({ count: items.length });
  // Reserve room for the widest possible page suffix so the header never pushes a page over the limit.
  const reserve = header.length + texts.digestPage({ page: items.length, pages: items.length }).length + 1;
  const budget = maxText - reserve;

  interface Draft { lines: string[]; rows: Button[][]; ids: string[]; length: number; buttons: number }
  const drafts: Draft[] = [];
  let draft: Draft = { lines: [], rows: [], ids: [], length: 0, buttons: 0 };
  items.forEach((item, index) => {
    const number = index + 1;
    const line = clip(`${number}. ${item.line[locale]}`, budget);
    // Buttons of one item beyond a whole page are dropped rather than splitting the item.
    const rows = itemRows(item, number, locale);
    let buttons = rows.reduce((n, r) => n + r.length, 0);
    while (buttons > maxButtons) {
      const last = rows[rows.length - 1]!;
      last.pop();
      if (last.length === 0) rows.pop();
      buttons -= 1;
    }
    const added = (draft.lines.length > 0 ? 1 : 0) + line.length;
    if (draft.ids.length > 0 && (draft.length + added > budget || draft.buttons + buttons > maxButtons)) {
      drafts.push(draft);
      draft = { lines: [], rows: [], ids: [], length: 0, buttons: 0 };
    }
    draft.length += (draft.lines.length > 0 ? 1 : 0) + line.length;
    draft.lines.push(line);
    draft.rows.push(...rows);
    draft.ids.push(item.id);
    draft.buttons += buttons;
  });
  if (draft.ids.length > 0) drafts.push(draft);

  return drafts.map((d, i) => {
    const suffix = drafts.length > 1 ? texts.digestPage({ page: i + 1, pages: drafts.length }) : '';
    const message: ChatMessage = { text: `${header}${suffix}\n${d.lines.join('\n')}` };
    if (d.rows.length > 0) message.buttons = d.rows;
    return { message, itemIds: d.ids };
  });
}
