import type { InlineKeyboardButton, InlineKeyboardMarkup } from 'grammy/types';
import type { Button, ChatMessage } from '../../chat/message.js';
import { escapeHtml } from '../../infra/html.js';

export { escapeHtml };

/** Renders the neutral markup subset to Telegram HTML (parse_mode: HTML); everything else is escaped. */
export function renderTelegramHtml(text: string): string {
  const parts = text.split(/(```[\s\S]*?```)/g);
  return parts
    .map((part) => {
      if (part.startsWith('```') && part.endsWith('```') && part.length >= 6) {
        return `<pre>${escapeHtml(part.slice(3, -3).replace(/^\n/, ''))}</pre>`;
      }
      return escapeHtml(part)
        .replace(/\*\*([^*\n]+)\*\*/g, '<b>$1</b>')
        .replace(/(^|[\s(])_([^_\n]+)_(?=[\s).,!?:;]|$)/g, '$1<i>$2</i>')
        .replace(/`([^`\n]+)`/g, '<code>$1</code>');
    })
    .join('');
}

function renderButton(button: Button, privateChat: boolean, sign: (data: string) => string): InlineKeyboardButton {
  if (button.kind === 'url') return { text: button.text, url: button.url };
  // web_app buttons work only in private chats; a group gets a plain link (the page then asks to sign in).
  if (button.kind === 'app') return privateChat ? { text: button.text, web_app: { url: button.url } } : { text: button.text, url: button.url };
  return { text: button.text, callback_data: sign(button.data) };
}

/** `privateChat`: the message goes to a person's own chat with the bot (positive chat id). */
export function renderTelegramKeyboard(message: ChatMessage, options: { privateChat?: boolean; sign?: ((data: string) => string) | undefined } = {}): InlineKeyboardMarkup | undefined {
  if (!message.buttons || message.buttons.length === 0) return undefined;
  const sign = options.sign ?? ((data: string) => data);
  return { inline_keyboard: message.buttons.map((row) => row.map((b) => renderButton(b, options.privateChat ?? true, sign))) };
}
