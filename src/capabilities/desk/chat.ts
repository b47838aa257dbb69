import { appButton, type ChatMessage, urlButton } from '../../chat/message.js';
import { t } from '../../i18n/index.js';
import type { ChatFeature, Interaction } from '../chat.js';

/** What the chat side needs from the deal desk: where it is served, and single-use sign-in links for Bitrix24 chat. */
export interface DeskLinks {
  /** The desk's address (…/desk/), or null when no public address is configured. */
  url(): string | null;
  /** A ≤ 15-minute single-use token that signs this Bitrix24 user in. */
  linkToken(b24UserId: number): Promise<string>;
}

/**
 * `/app` and the "open card" buttons. Telegram opens the Mini App itself (a web_app button; Telegram signs who the
 * person is). Bitrix24 chat has no such signature, so a press there answers with a link that carries a fresh
 * single-use token for the person who pressed.
 */
export function deskFeature(links: DeskLinks): ChatFeature {
  async function open(press: Interaction, dealId: number): Promise<void> {
    const base = links.url();
    if (!base) return press.reply({ text: t(press.locale, 'desk.unavailable') });
    const target = dealId > 0 ? `deal/${dealId}` : '';
    let message: ChatMessage;
    if (press.channel === 'telegram') {
      const url = target ? `${base}?open=${target}` : base;
      message = { text: t(press.locale, 'desk.title'), buttons: [[appButton(t(press.locale, dealId > 0 ? 'desk.open_card' : 'desk.open_app'), url, dealId)]] };
    } else {
      const token = await links.linkToken(press.actor.b24UserId);
      const url = `${base}#link=${token}${target ? `&open=${target}` : ''}`;
      message = { text: t(press.locale, 'desk.link_ready'), buttons: [[urlButton(t(press.locale, dealId > 0 ? 'desk.open_card' : 'desk.open_app'), url)]] };
    }
    await press.reply(message);
    await press.notify();
  }
  return {
    commands: { app: (press) => open(press, 0) },
    actions(registry) {
      // The card itself checks who may see the deal when it opens; the link only signs the presser in.
      registry.on('desk.open', { handle: ({ press, args }) => open(press, args[0]) });
    },
  };
}
