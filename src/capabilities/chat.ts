import type { ChatMessage, MessageRef } from '../chat/message.js';
import type { Locale } from '../i18n/index.js';

/** The Bitrix24 user behind a message or a press: from a Telegram link, or named by the Bitrix24 chat event. */
export interface Actor {
  b24UserId: number;
  name: string;
}

/**
 * One thing a person did in a messenger (a press, a command, a text), as the features see it. The Telegram and
 * Bitrix24 chat glue build it; features answer through it and never touch a messenger's API, so every command
 * and button behaves the same in both messengers.
 */
export interface Interaction {
  readonly channel: MessageRef['channel'];
  /**
   * Where an awaited free-text answer is keyed (`telegram:<chat>`, `bitrix24:<dialog>`): the same person in two
   * messengers has two conversations, and one messenger's ids never collide with the other's.
   */
  readonly conversation: string;
  readonly actor: Actor;
  readonly locale: Locale;
  /** The bot message whose button was pressed; null for commands and texts. */
  readonly pressed: MessageRef | null;
  /**
   * Short feedback on a press. Telegram shows it as a toast (an alert box when `alert`); Bitrix24 chat has no
   * toast, so there it becomes a message when it is an alert or when nothing else answered the press.
   */
  notify(text?: string, options?: { alert?: boolean }): Promise<void>;
  /** Replaces the pressed message's text and buttons ("not modified" counts as done). */
  edit(message: ChatMessage): Promise<void>;
  /** A new message in this conversation; `expectReply` asks the messenger to open the reply field. */
  reply(message: ChatMessage, options?: { expectReply?: boolean }): Promise<void>;
  /** Shows that a slower answer is on its way (Telegram "typing…"); best effort. */
  working(): Promise<void>;
}

export function conversationKey(channel: MessageRef['channel'], chatId: string): string {
  return `${channel}:${chatId}`;
}
