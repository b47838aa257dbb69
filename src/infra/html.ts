/** Escapes text for Telegram's HTML parse mode (the only three characters it requires). No grammY here, so pure code may use it. */
export function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}
