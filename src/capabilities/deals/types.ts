import type { ChatMessage, MessageRef } from '../../chat/message.js';
import type { Locale } from '../../i18n/index.js';
import type { Capability } from '../capability.js';
import type { Actor } from '../chat.js';
import type { DealDesk } from './desk.js';
import type { DealsState } from './state.js';

/** What a press produces, in the actor's language: a short answer and, when it changed, the new message. */
export interface ActionOutcome {
  toast: string;
  alert?: boolean;
  /** Replaces the pressed message; absent = leave it as it is. */
  message?: ChatMessage;
}

/** The answer to a free-text message: null when the chat was not waiting for one (let others handle it). */
export type TextOutcome = { reply: ChatMessage } | null;

export interface ScanSummary {
  nudges: number;
  escalations: number;
  payments: number;
  unpaidResults: number;
  approvalsSent: number;
}

export interface DealsCapability extends Capability {
  /** One pass of every deal trigger (stuck, payment, unpaid results, contract approval). */
  scan(options?: { now?: Date }): Promise<ScanSummary>;
  move(dealId: number, target: string, actor: Actor, locale: Locale, conversation: string): Promise<ActionOutcome>;
  chooseField(dealId: number, target: string, optionId: string, actor: Actor, locale: Locale, conversation: string): Promise<ActionOutcome>;
  reject(dealId: number, actor: Actor, locale: Locale): Promise<ActionOutcome>;
  reason(dealId: number, statusId: string, reasonId: string, actor: Actor, locale: Locale): Promise<ActionOutcome>;
  snooze(dealId: number, days: number, actor: Actor, locale: Locale): Promise<ActionOutcome>;
  expect(dealId: number, date: string, actor: Actor, locale: Locale): Promise<ActionOutcome>;
  paid(dealId: number, actor: Actor, locale: Locale, conversation: string): Promise<ActionOutcome>;
  sendForApproval(dealId: number, actor: Actor, locale: Locale): Promise<ActionOutcome>;
  approve(dealId: number, round: number, actor: Actor, locale: Locale): Promise<ActionOutcome>;
  /** `pressed`: the approval message, edited once the comment arrives. */
  decline(dealId: number, round: number, actor: Actor, locale: Locale, conversation: string, pressed: MessageRef | null): Promise<ActionOutcome>;
  /** A free-text message in a chat: a decline comment or a required field value, when one is awaited. */
  answerText(conversation: string, actor: Actor, text: string, locale: Locale): Promise<TextOutcome>;
  readonly state: DealsState;
  /** The deal desk's read side: My day rows, cards, search. */
  readonly desk: DealDesk;
}
