import type { CallbackAction, CallbackArgs } from '../chat/callback-codec.js';
import type { ChatMessage, MessageRef } from '../chat/message.js';
import type { CrmRowRef } from '../crm/entity-ref.js';
import type { Locale } from '../i18n/index.js';
import type { ActorRole } from '../identity/org.js';

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

export interface ActionContext<A extends CallbackAction> {
  press: Interaction;
  actor: Actor;
  args: CallbackArgs<A>;
  /** How the actor relates to the entity (absent for actions on no entity, e.g. settings). */
  role?: ActorRole;
  entity?: CrmRowRef;
}

export interface ActionHandler<A extends CallbackAction> {
  /** The entity the press acts on; authorization checks the actor against its responsible manager. */
  entity?: (args: CallbackArgs<A>) => CrmRowRef;
  /** Narrow further (e.g. only supervisors approve). */
  allow?: (role: ActorRole) => boolean;
  handle(action: ActionContext<A>): Promise<void>;
}

/** Where a capability registers its button handlers (the conversation layer's action registry). */
export interface ActionRegistrar {
  on<A extends CallbackAction>(action: A, handler: ActionHandler<A>): void;
}

export type CommandHandler = (press: Interaction, args: string) => Promise<void>;

/** A capability's chat side: its buttons, its commands, and the free-text answers it waits for. */
export interface ChatFeature {
  actions?(registry: ActionRegistrar): void;
  /** Commands without the "/" (e.g. `report`). */
  commands?: Record<string, CommandHandler>;
  /** A free-text message; resolves true when this feature took it (an answer it was waiting for). */
  text?(press: Interaction, text: string): Promise<boolean>;
}
