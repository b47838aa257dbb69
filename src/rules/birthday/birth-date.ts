/**
 * A birth date whose year may be unknown, and the two questions asked of it: when is the next birthday,
 * and how old is the person on a given day. Someone born on 29 February celebrates on 28 February in
 * years without a 29th, and turns a year older that day.
 */
import { type CalendarDate, compareDates, isLeapYear } from '../time/calendar-date.js';

export interface BirthDate {
  /** Absent when the year is unknown ("14 мая"). */
  year?: number;
  month: number;
  day: number;
}

/** The day the birthday is celebrated in `year` (29 Feb → 28 Feb in a non-leap year). */
export function birthdayInYear(birth: Pick<BirthDate, 'month' | 'day'>, year: number): CalendarDate {
  if (birth.month === 2 && birth.day === 29 && !isLeapYear(year)) return { year, month: 2, day: 28 };
  return { year, month: birth.month, day: birth.day };
}

/** The next birthday on or after `today` (today itself when the birthday is today). */
export function nextBirthday(birth: BirthDate, today: CalendarDate): CalendarDate {
  const thisYear = birthdayInYear(birth, today.year);
  return compareDates(thisYear, today) >= 0 ? thisYear : birthdayInYear(birth, today.year + 1);
}

/** Full years of age on `on`; negative before birth. */
export function ageOn(birth: CalendarDate, on: CalendarDate): number {
  const years = on.year - birth.year;
  return compareDates(on, birthdayInYear(birth, on.year)) >= 0 ? years : years - 1;
}
