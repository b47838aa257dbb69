/**
 * Bitrix24 chat side of the chat router: turns the bot's events (button presses, commands, texts) into
 * Interactions, so a press in Bitrix24 chat goes through the same authorization, re-read, act and edit path as
 * a Telegram press. The event names the Bitrix24 user, so no linking is needed; an inactive user is refused.
 */
import type { ChatAdapter } from '../../chat/adapter.js';
import type { ChatMessage } from '../../chat/message.js';
import { t } from '../../i18n/index.js';
import type { Directory } from '../../identity/directory.js';
import type { IdentityStore } from '../../identity/store.js';
import type { Logger } from '../../log.js';
import { conversationKey, type Interaction } from '../../conversation/interaction.js';
import type { ChatRouter } from '../../conversation/router.js';
import type { BitrixChatEvent, BitrixChatEventHandler } from './events.js';

export interface BitrixChatHandlerDeps {
  router: ChatRouter;
  /** The Bitrix24 chat adapter (channel `bitrix24`). */
  adapter: ChatAdapter;
  directory: Directory;
  store: IdentityStore;
  log: Logger;
}

export function createBitrixChatHandler(deps: BitrixChatHandlerDeps): BitrixChatEventHandler {
  const { router, adapter, directory, store, log } = deps;

  return async (event: BitrixChatEvent) => {
    const user = await directory.user(event.userId);
    const prefs = await store.getPreferences(event.userId);
    const locale = prefs.locale;
    if (!user?.active) {
      log.warn({ userId: event.userId, kind: event.kind }, 'bitrix24 chat: refused an event of an unknown or inactive user');
      await adapter.send(event.chatId, { text: t(locale, 'errors.not_allowed') });
      return;
    }
    // Bitrix24 chat has no toast: a notice becomes a message when it is an alert or nothing else answered.
    let notice: { text: string; alert: boolean } | null = null;
    let answered = false;
    const pressed = event.kind === 'button' ? event.message : null;
    const press: Interaction = {
      channel: 'bitrix24',
      conversation: conversationKey('bitrix24', event.chatId),
      actor: { b24UserId: user.id, name: user.name },
      locale,
      pressed,
      async notify(text, options) {
        if (text && !notice) notice = { text, alert: options?.alert === true };
      },
      async edit(message: ChatMessage) {
        answered = true;
        if (pressed) await adapter.edit(pressed, message);
        else await adapter.send(event.chatId, message);
      },
      async reply(message: ChatMessage) {
        answered = true;
        await adapter.send(event.chatId, message);
      },
      async working() {
        // The portal shows no "typing" for bots over REST worth a call per command.
      },
    };

    if (event.kind === 'button') {
      await router.actions.dispatchDecoded(event.callback, press);
    } else if (event.kind === 'command') {
      if (!(await router.command(event.command, event.params, press))) {
        await press.reply({ text: t(locale, 'errors.unknown_command') });
      }
    } else if (event.text.trim() !== '' && !(await router.text(event.text, press)) && !event.chatId.startsWith('chat')) {
      // Not an answer the bot was waiting for: say what it understands (in a private dialog only; in a group
      // chat the bot sees everyone's messages and must not answer each).
      await press.reply({ text: t(locale, 'errors.unknown_command') });
    }
    const pending = notice as { text: string; alert: boolean } | null;
    if (pending && (pending.alert || !answered)) await adapter.send(event.chatId, { text: pending.text });
  };
}
