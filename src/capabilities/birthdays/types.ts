import type { ChatMessage } from '../../chat/message.js';
import type { Locale } from '../../i18n/index.js';
import type { BirthDate } from '../../rules/birthday/index.js';
import type { CalendarDate } from '../../rules/time/calendar-date.js';
import type { Capability } from '../capability.js';
import type { Actor } from '../chat.js';
import type { ChildEntity } from './records.js';

export const BIRTHDAYS_QUEUE = 'birthdays';
export const CHECK_KIND = 'birthday_check';
export const REMINDER_KIND = 'birthday_reminder';

export type NormalisationOutcome = 'none' | 'write_date' | 'clear_text' | 'manual_check' | 'check_already_open' | 'check_unconfigured';

export interface NormalisationScanResult {
  scanned: number;
  outcomes: Record<NormalisationOutcome, number>;
}

export interface ReminderRunResult {
  today: string;
  due: number;
  created: number;
  /** Due children whose party deal already existed (a second run, or a retry). */
  duplicates: number;
  /** Deal ids created, in order. */
  dealIds: number[];
}

/** The result of a button press or a typed reply, as a messenger-neutral message in the actor's language. */
export interface ActionOutcome {
  ok: boolean;
  message: ChatMessage;
}

export type CheckChoice = { kind: 'keep' } | { kind: 'use'; date: CalendarDate } | { kind: 'typed'; date: CalendarDate };

export interface BirthdaysCapability extends Capability {
  readonly enabled: boolean;
  /** Normalises one record now (events land here through the queue). */
  normaliseRecord(entity: ChildEntity, id: number): Promise<NormalisationOutcome>;
  /** Incremental scan of records with a non-empty text field (full read on the first pass, then DATE_MODIFY cursor). */
  runNormalisationScan(): Promise<NormalisationScanResult>;
  /** The daily reminder job: party deals + reminders for birthdays `leadDays` ahead, missed days caught up. */
  runReminders(): Promise<ReminderRunResult>;
  resolveCheck(checkDealId: number, choice: CheckChoice, actor: Actor, locale: Locale): Promise<ActionOutcome>;
  /**
   * "Type the date": remembers that the next text in this conversation (see Interaction.conversation) answers
   * this check; returns the prompt.
   */
  beginTypedDate(checkDealId: number, actor: Actor, locale: Locale, conversation: string): Promise<ActionOutcome>;
  /** A text in a conversation: null when no typed date is awaited there, else the outcome (and the check it answered). */
  submitTypedDate(conversation: string, actor: Actor, text: string, locale: Locale): Promise<(ActionOutcome & { checkDealId: number }) | null>;
  takePartyDeal(dealId: number, actor: Actor, locale: Locale): Promise<ActionOutcome>;
  /** "Not relevant": the reason picker (nothing changes yet). */
  notRelevantPicker(dealId: number, locale: Locale): Promise<ActionOutcome>;
  dismissPartyDeal(dealId: number, reason: string, actor: Actor, locale: Locale): Promise<ActionOutcome>;
}

export interface CheckSnapshot {
  entity: ChildEntity;
  id: number;
  /** ISO date of the date field when the check was opened, or null. */
  date: string | null;
  text: string;
  recipient: number;
}

export const CLAIM_TTL_SECONDS = 400 * 24 * 3600;
export const CHECK_TTL_SECONDS = 180 * 24 * 3600;
export const AWAIT_TTL_SECONDS = 3600;

export const EMPTY_OUTCOMES = (): Record<NormalisationOutcome, number> => ({
  none: 0, write_date: 0, clear_text: 0, manual_check: 0, check_already_open: 0, check_unconfigured: 0,
});

export function fullDate(date: BirthDate | undefined): CalendarDate | null {
  return date && date.year !== undefined ? { year: date.year, month: date.month, day: date.day } : null;
}
