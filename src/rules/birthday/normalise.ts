/**
 * What to do with a deal's two birthday fields: the date field (machine-readable) and the free-text field
 * managers fill in. The text is moved into the date field when that is safe, cleared when it only repeats
 * the date, and sent to a person whenever the two cannot be reconciled automatically.
 */
import type { CalendarDate } from '../time/calendar-date.js';
import type { BirthDate } from './birth-date.js';
import { type ParseFailureReason, parseBirthdayText } from './parse.js';

export type ManualCheckReason =
  | Exclude<ParseFailureReason, 'empty'>
  /** The text names a different date than the date field. */
  | 'mismatch'
  /** The text has no year, and this pipeline needs one. */
  | 'no_year';

export type NormalisationDecision =
  /** Nothing to do: both fields empty, only the date set, or a yearless text where no year is needed. */
  | { action: 'none' }
  /** The date field is empty and the text holds a full date: write it to the date field. */
  | { action: 'write_date'; date: CalendarDate }
  /** The text repeats the date field: clear the text. */
  | { action: 'clear_text' }
  | { action: 'manual_check'; reason: ManualCheckReason; dateField: CalendarDate | null; parsed?: BirthDate; maxAgeYears?: number };

export interface NormalisationInput {
  dateField: CalendarDate | null;
  text: string | null | undefined;
  /** Today in the portal's time zone. */
  today: CalendarDate;
  /** Whether a birth date without a year is a problem for this pipeline. */
  needYear: boolean;
  /** Passed to the parser (default 18). */
  maxAgeYears?: number;
}

export function decideBirthdayNormalisation(input: NormalisationInput): NormalisationDecision {
  const { dateField, today, needYear } = input;
  const parsed = parseBirthdayText(input.text, {
    today, ...(input.maxAgeYears !== undefined ? { maxAgeYears: input.maxAgeYears } : {}),
  });
  if (!parsed.ok) {
    if (parsed.reason === 'empty') return { action: 'none' };
    return {
      action: 'manual_check', reason: parsed.reason, dateField,
      ...(parsed.maxAgeYears !== undefined ? { maxAgeYears: parsed.maxAgeYears } : {}),
    };
  }

  const text = parsed.date;
  if (dateField) {
    const agrees = text.month === dateField.month && text.day === dateField.day
      && (text.year === undefined || text.year === dateField.year);
    // A yearless text that matches the date's day and month adds nothing the date does not already say.
    return agrees ? { action: 'clear_text' } : { action: 'manual_check', reason: 'mismatch', dateField, parsed: text };
  }
  if (text.year === undefined) {
    // A date field cannot hold a date without a year, so the text stays as it is.
    return needYear ? { action: 'manual_check', reason: 'no_year', dateField, parsed: text } : { action: 'none' };
  }
  const date: CalendarDate = { year: text.year, month: text.month, day: text.day };
  return { action: 'write_date', date };
}
