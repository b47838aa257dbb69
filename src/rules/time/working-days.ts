/**
 * Counting days between two moments in a time zone: calendar days or working days (weekdays that are not
 * holidays). Used for "days in stage", where a pipeline may count either.
 */
import {
  addDays, type CalendarDate, calendarDateAt, compareDates, daysBetween, isoWeekday, parseIsoDate, toIso,
} from './calendar-date.js';

export interface WorkingCalendar {
  /** IANA zone in which instants turn into calendar dates. */
  timezone: string;
  /** ISO weekdays that are working days: 1 = Monday … 7 = Sunday. */
  days: readonly number[];
  /** Non-working dates, "YYYY-MM-DD" in `timezone`. */
  holidays: readonly string[];
}

/** A moment (read in the zone) or a calendar date (taken as is). */
export type DayPoint = Date | CalendarDate;

function toDate(point: DayPoint, timeZone: string): CalendarDate {
  return point instanceof Date ? calendarDateAt(point, timeZone) : point;
}

/** True when `date` is one of `days` and not a holiday. */
export function isWorkingDay(date: CalendarDate, calendar: Pick<WorkingCalendar, 'days' | 'holidays'>): boolean {
  return calendar.days.includes(isoWeekday(date)) && !calendar.holidays.includes(toIso(date));
}

/**
 * Calendar days from `from` to `to`: entered on Monday, asked on Wednesday → 2. Negative when `to` is
 * earlier. Instants are read in `timezone`, so 23:59 → 00:01 of the next day counts as one day.
 */
export function calendarDaysBetween(from: DayPoint, to: DayPoint, options: { timezone: string }): number {
  return daysBetween(toDate(from, options.timezone), toDate(to, options.timezone));
}

/**
 * Working days in the half-open span (from, to]: the days after the start day up to and including the end
 * day that are working days. Entered on Friday, asked on Monday → 1 (Saturday and Sunday do not count).
 * Agrees with calendarDaysBetween when every day is a working day. Negative when `to` is earlier.
 */
export function workingDaysBetween(from: DayPoint, to: DayPoint, calendar: WorkingCalendar): number {
  const start = toDate(from, calendar.timezone);
  const end = toDate(to, calendar.timezone);
  const span = daysBetween(start, end);
  if (span < 0) {
    const backwards = workingDaysBetween(end, start, calendar);
    return backwards === 0 ? 0 : -backwards; // never -0
  }
  const workingWeekdays = new Set(calendar.days.filter((d) => d >= 1 && d <= 7));
  // Whole weeks contribute a fixed count; only the remainder and the holidays need a closer look.
  const wholeWeeks = Math.floor(span / 7);
  let count = wholeWeeks * workingWeekdays.size;
  for (let offset = wholeWeeks * 7 + 1; offset <= span; offset++) {
    if (workingWeekdays.has(isoWeekday(addDays(start, offset)))) count++;
  }
  for (const holiday of new Set(calendar.holidays)) {
    const date = parseIsoDate(holiday);
    // A holiday on a day off was never counted, so it takes nothing away.
    if (date && compareDates(date, start) > 0 && compareDates(date, end) <= 0
      && workingWeekdays.has(isoWeekday(date))) count--;
  }
  return count;
}

/** How a rules file counts "days in a stage or status" (thresholds.dayCounting). */
export type DayCounting = 'calendar' | 'working';

/** Days from `from` to `to`, counted as the rules file says: calendar days, or working days of `calendar`. */
export function daysElapsed(from: DayPoint, to: DayPoint, counting: DayCounting, calendar: WorkingCalendar): number {
  return counting === 'working' ? workingDaysBetween(from, to, calendar) : calendarDaysBetween(from, to, calendar);
}
