import { encodeCallback } from '../../chat/callback-codec.js';
import type { Button, ChatMessage } from '../../chat/message.js';

/**
 * The hidden bot command every action button carries; its COMMAND_PARAMS is the callback codec string.
 * `registerBitrixBot` registers it (the portal routes a keyboard COMMAND only to a registered command).
 */
export const BUTTON_COMMAND = 'act';

const ZERO_WIDTH_SPACE = '\u200B';

/**
 * Makes text inert for the BB-code parser: a zero-width space after every "[" stops tags such as [URL=…] or
 * [SEND=…] from CRM data (names, comments) turning into links or one-click commands, and one inside a leading
 * ">>" stops a quote. The text reads the same.
 */
export function escapeBbCode(text: string): string {
  return text.replace(/\[/g, `[${ZERO_WIDTH_SPACE}`).replace(/^>>/gm, `>${ZERO_WIDTH_SPACE}>`);
}

/** Renders the neutral markup subset to Bitrix24 BB-code; everything else is made inert. */
export function renderBitrixBbCode(text: string): string {
  const parts = text.split(/(```[\s\S]*?```)/g);
  return parts
    .map((part) => {
      if (part.startsWith('```') && part.endsWith('```') && part.length >= 6) {
        return `[CODE]${escapeBbCode(part.slice(3, -3).replace(/^\n/, ''))}[/CODE]`;
      }
      return escapeBbCode(part)
        .replace(/\*\*([^*\n]+)\*\*/g, '[B]$1[/B]')
        .replace(/(^|[\s(])_([^_\n]+)_(?=[\s).,!?:;]|$)/g, '$1[I]$2[/I]')
        .replace(/`([^`\n]+)`/g, '[CODE]$1[/CODE]');
    })
    .join('');
}

/** One keyboard button as `imbot.v2` takes it (field names upper-case). */
export type BitrixKeyboardButton =
  | { TYPE: 'NEWLINE' }
  | { TEXT: string; LINK: string; DISPLAY: 'LINE' }
  | { TEXT: string; COMMAND: string; COMMAND_PARAMS: string; BLOCK: 'Y'; DISPLAY: 'LINE' };

export interface BitrixKeyboard {
  /** The docs ask for BOT_ID next to BUTTONS so a command routes to the right bot after an update. */
  BOT_ID: number;
  BUTTONS: BitrixKeyboardButton[];
}

function renderButton(button: Button): BitrixKeyboardButton {
  if (button.kind === 'url') return { TEXT: button.text, LINK: button.url, DISPLAY: 'LINE' };
  // A desk link must carry a fresh single-use sign-in: the press asks for one (answered with a link button).
  if (button.kind === 'app') return { TEXT: button.text, COMMAND: BUTTON_COMMAND, COMMAND_PARAMS: encodeCallback('desk.open', button.dealId), BLOCK: 'Y', DISPLAY: 'LINE' };
  // BLOCK: the button disables after one press, so a double click does not send the command twice.
  return { TEXT: button.text, COMMAND: BUTTON_COMMAND, COMMAND_PARAMS: button.data, BLOCK: 'Y', DISPLAY: 'LINE' };
}

/** Rows become runs of buttons separated by NEWLINE markers; undefined when the message has no buttons. */
export function renderBitrixKeyboard(message: ChatMessage, botId: number): BitrixKeyboard | undefined {
  const rows = (message.buttons ?? []).filter((row) => row.length > 0);
  if (rows.length === 0) return undefined;
  const buttons: BitrixKeyboardButton[] = [];
  rows.forEach((row, i) => {
    if (i > 0) buttons.push({ TYPE: 'NEWLINE' });
    buttons.push(...row.map(renderButton));
  });
  return { BOT_ID: botId, BUTTONS: buttons };
}

/** What a person reads from BB-code we rendered: the tags and the zero-width spaces of `escapeBbCode` removed. */
export function bbCodeToPlainText(text: string): string {
  return text.replace(/\[\/?(?:B|I|U|S|CODE)\]/g, '').replace(/\[\u200B/g, '[').replace(/>\u200B>/g, '>>');
}
