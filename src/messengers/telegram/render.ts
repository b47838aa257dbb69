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

function renderButton(button: Button): InlineKeyboardButton {
  return button.kind === 'url'
    ? { text: button.text, url: button.url }
    : { text: button.text, callback_data: button.data };
}

export function renderTelegramKeyboard(message: ChatMessage): InlineKeyboardMarkup | undefined {
  if (!message.buttons || message.buttons.length === 0) return undefined;
  return { inline_keyboard: message.buttons.map((row) => row.map(renderButton)) };
}
