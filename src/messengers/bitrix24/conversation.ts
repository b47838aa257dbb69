/**
 * Bitrix24 chat side of the chat router: turns the bot's events (button presses, commands, texts) into
 * Interactions, so a press in Bitrix24 chat goes through the same authorization, re-read, act and edit path as
 * a Telegram press. The event names the Bitrix24 user, so no linking is needed; an inactive user is refused.
 * Answers always go to the person's private dialog with the bot; only the pressed message is edited in place.
 */

import type { Redis } from 'ioredis';
import { conversationKey, type Interaction } from '../../capabilities/chat.js';
import type { ChatAdapter } from '../../chat/adapter.js';
import type { ChatMessage } from '../../chat/message.js';
import type { ChatRouter } from '../../conversation/router.js';
import { type Locale, t } from '../../i18n/index.js';
import type { Directory } from '../../identity/directory.js';
import type { IdentityStore } from '../../identity/store.js';
import type { Logger } from '../../infra/log.js';
import type { BitrixChatEvent, BitrixChatEventHandler } from './events.js';

export interface BitrixChatHandlerDeps {
  router: ChatRouter;
  /** The Bitrix24 chat adapter (channel `bitrix24`). */
  adapter: ChatAdapter;
  directory: Directory;
  store: IdentityStore;
  log: Logger;
  /**
   * Per-person flood limit shared through Redis (like Telegram's): each press costs CRM reads from the portal's
   * shared budget, so scripted presses must not starve the outbox and the scans. Off when absent.
   */
  flood?: { redis: Redis; keyPrefix: string; limit: number; windowMs: number };
}

const isGroupChat = (chatId: string) => chatId.startsWith('chat');

export function createBitrixChatHandler(deps: BitrixChatHandlerDeps): BitrixChatEventHandler {
  const { router, adapter, directory, store, log, flood } = deps;

  /** false when the person is over the limit; they are told once per window. */
  async function withinFloodLimit(userId: number, locale: Locale, reply: (text: string) => Promise<unknown>): Promise<boolean> {
    if (!flood) return true;
    const key = `${flood.keyPrefix}imbot:flood:${userId}`;
    // SET NX PX starts the window on the first event (Redis 6.2 has no PEXPIRE NX); INCR counts within it.
    const results = await flood.redis.multi().set(key, 0, 'PX', flood.windowMs, 'NX').incr(key).exec();
    const count = Number(results?.[1]?.[1] ?? 0);
    if (count <= flood.limit) return true;
    if (count === flood.limit + 1) await reply(t(locale, 'errors.too_many'));
    return false;
  }

  return async (event: BitrixChatEvent) => {
    // In a group chat the bot sees everyone's messages: texts there are not for it, and whatever it answers to a
    // command or a press goes to the person's private dialog (a report must not be read by the whole group).
    if (event.kind === 'text' && isGroupChat(event.chatId)) return;
    const privateDialog = String(event.userId);
    const user = await directory.user(event.userId);
    const prefs = await store.getPreferences(event.userId);
    const locale = prefs.locale;
    const say = (text: string) => adapter.send(privateDialog, { text });
    if (!user?.active) {
      log.warn({ userId: event.userId, kind: event.kind }, 'bitrix24 chat: refused an event of an unknown or inactive user');
      // Someone outside the company may have no dialog the bot can write to: the refusal is best effort.
      await say(t(locale, 'errors.not_allowed')).catch(() => undefined);
      return;
    }
    if (!(await withinFloodLimit(user.id, locale, say))) return;
    // Bitrix24 chat has no toast: a notice becomes a message when it is an alert or nothing else answered.
    let notice: { text: string; alert: boolean } | null = null;
    let answered = false;
    const pressed = event.kind === 'button' ? event.message : null;
    const press: Interaction = {
      channel: 'bitrix24',
      // One conversation per person: an awaited answer is theirs alone, whichever dialog the question came from.
      conversation: conversationKey('bitrix24', privateDialog),
      actor: { b24UserId: user.id, name: user.name },
      locale,
      pressed,
      async notify(text, options) {
        if (text && !notice) notice = { text, alert: options?.alert === true };
      },
      async edit(message: ChatMessage) {
        answered = true;
        if (pressed) await adapter.edit(pressed, message);
        else await adapter.send(privateDialog, message);
      },
      async reply(message: ChatMessage) {
        answered = true;
        await adapter.send(privateDialog, message);
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
    } else if (event.text.trim() !== '' && !(await router.text(event.text, press))) {
      // Not an answer the bot was waiting for: say what it understands.
      await press.reply({ text: t(locale, 'errors.unknown_command') });
    }
    const pending = notice as { text: string; alert: boolean } | null;
    if (pending && (pending.alert || !answered)) await say(pending.text);
  };
}
