import type { ChatMessage } from '../chat/message.js';

/**
 * The message as plain text for channels without our markup or buttons (Bitrix24 system notifications):
 * markup markers removed, URL buttons kept as "text: url" lines, action buttons dropped (they need the bot).
 */
export function toPlainText(message: ChatMessage): string {
  const text = message.text
    .replace(/```([\s\S]*?)```/g, '$1')
    .replace(/`([^`\n]+)`/g, '$1')
    .replace(/\*\*([\s\S]+?)\*\*/g, '$1')
    .replace(/(^|[\s(])_([^_\n]+)_(?=$|[\s).,!?:;])/gm, '$1$2');
  const links = (message.buttons ?? []).flat().flatMap((b) => (b.kind === 'url' ? [`${b.text}: ${b.url}`] : []));
  return links.length > 0 ? `${text}\n${links.join('\n')}` : text;
}
