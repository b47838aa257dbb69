import type { Actor, Interaction } from '../capabilities/chat.js';
import type { Button, ChatMessage, MessageRef } from '../chat/message.js';
import type { Locale } from '../i18n/index.js';
import type { OutcomeResponse } from './schema.js';

type DeskButton = Exclude<Button, { kind: 'app' }>;

/** A message's buttons as the desk shows them: a button that opens the desk has no use inside it. */
export function deskButtons(rows: readonly Button[][] | undefined): DeskButton[][] {
  return (rows ?? []).map((row) => row.filter((b): b is DeskButton => b.kind !== 'app')).filter((row) => row.length > 0);
}

const deskMessage = (message: ChatMessage) => ({ text: message.text, ...(message.buttons ? { buttons: deskButtons(message.buttons) } : {}) });

/**
 * A press or a typed answer made on the deal desk, as the action registry and the chat features see it: the same
 * Interaction the messengers build, except that what the features answer is collected and returned to the page.
 */
export function deskInteraction(options: { actor: Actor; locale: Locale; channel: MessageRef['channel'] }): { press: Interaction; outcome: OutcomeResponse } {
  const outcome: OutcomeResponse = { notices: [], edited: null, replies: [], awaitingAnswer: null };
  const press: Interaction = {
    channel: options.channel,
    // Its own conversation: an answer awaited on the desk never catches a message typed in a chat, nor the reverse.
    conversation: `desk:${options.actor.b24UserId}`,
    actor: options.actor,
    locale: options.locale,
    // No chat message stands behind a desk press: what the features would edit comes back to the page instead.
    pressed: null,
    async notify(text, notifyOptions) {
      if (text) outcome.notices.push({ text, alert: notifyOptions?.alert === true });
    },
    async edit(message: ChatMessage) {
      outcome.edited = deskMessage(message);
    },
    async reply(message: ChatMessage, replyOptions) {
      outcome.replies.push({ message: deskMessage(message), expectReply: replyOptions?.expectReply === true });
    },
    async working() {},
  };
  return { press, outcome };
}
