/**
 * Which children's birthdays to act on today: those whose next birthday is exactly `leadDays` ahead. A
 * scan that did not run for a few days catches up on the days it missed (up to a cap), so a birthday is
 * never skipped because the worker was down; the dedupe key keeps a re-run from acting twice.
 */
import { addDays, type CalendarDate, compareDates, daysBetween, sameDate } from '../time/calendar-date.js';
import { type BirthDate, nextBirthday } from './birth-date.js';

/** How many days back a catch-up reaches, today included. */
export const DEFAULT_MAX_CATCH_UP_DAYS = 31;
export const DEFAULT_BIRTHDAY_LEAD_DAYS = 28;

export interface ChildBirthday {
  /** Stable id of the child's record, e.g. "deal:42" or "contact:9". */
  key: string;
  birth: BirthDate;
}

export interface DueBirthday {
  key: string;
  /** The birthday itself (29 Feb falls on 28 Feb in non-leap years). */
  birthday: CalendarDate;
  /** Age the child turns that day; absent when the birth year is unknown. */
  ageTurning?: number;
  /** The day the reminder was due: today, or a missed day being caught up. */
  dueOn: CalendarDate;
  /** `birthday:<key>:<birthday year>`: one reminder per child per birthday. */
  dedupeKey: string;
}

export interface CheckWindow {
  from: CalendarDate;
  to: CalendarDate;
  /** Missed days older than the cap, which are not caught up. */
  droppedDays: number;
}

/**
 * The days to check: from the day after `lastRunDay` to `today`, at most `maxCatchUpDays` of them. Today
 * is always checked, even when it already ran, so a second run the same day yields the same decisions.
 */
export function birthdayCheckWindow(
  today: CalendarDate, lastRunDay: CalendarDate | null, maxCatchUpDays = DEFAULT_MAX_CATCH_UP_DAYS,
): CheckWindow {
  const cap = Math.max(1, Math.floor(maxCatchUpDays));
  if (!lastRunDay || compareDates(lastRunDay, today) >= 0) return { from: today, to: today, droppedDays: 0 };
  const missed = daysBetween(lastRunDay, today); // includes today
  const checked = Math.min(missed, cap);
  return { from: addDays(today, 1 - checked), to: today, droppedDays: missed - checked };
}

export interface BirthdaysDueInput {
  children: readonly ChildBirthday[];
  today: CalendarDate;
  leadDays?: number;
  /** The last day a scan completed, or null on the first run. */
  lastRunDay: CalendarDate | null;
  maxCatchUpDays?: number;
}

/** Children whose next birthday was exactly `leadDays` ahead on some day of the check window. */
export function birthdaysDue(input: BirthdaysDueInput): DueBirthday[] {
  const leadDays = input.leadDays ?? DEFAULT_BIRTHDAY_LEAD_DAYS;
  const window = birthdayCheckWindow(input.today, input.lastRunDay, input.maxCatchUpDays);
  const due: DueBirthday[] = [];
  const seen = new Set<string>();
  for (let day = window.from; compareDates(day, window.to) <= 0; day = addDays(day, 1)) {
    const target = addDays(day, leadDays);
    for (const child of input.children) {
      const { birth } = child;
      if (!sameDate(nextBirthday(birth, day), target)) continue;
      // The day of birth itself is not a birthday to celebrate.
      if (birth.year !== undefined && target.year <= birth.year) continue;
      const dedupeKey = `birthday:${child.key}:${target.year}`;
      if (seen.has(dedupeKey)) continue;
      seen.add(dedupeKey);
      due.push({
        key: child.key, birthday: target, dueOn: day, dedupeKey,
        ...(birth.year !== undefined ? { ageTurning: target.year - birth.year } : {}),
      });
    }
  }
  return due;
}
