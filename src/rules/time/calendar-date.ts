/**
 * A calendar date with no time and no zone ("14 May 2019"), and the few helpers every rule needs.
 * Arithmetic runs on day numbers (days since 1970-01-01 on the proleptic Gregorian calendar), so it never
 * depends on the process's time zone or on DST.
 */
import type { Dayjs } from './dayjs.js';

export interface CalendarDate {
  readonly year: number;
  /** 1 … 12 */
  readonly month: number;
  /** 1 … 31 */
  readonly day: number;
}

const MS_PER_DAY = 86_400_000;

export function isLeapYear(year: number): boolean {
  return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
}

export function daysInMonth(year: number, month: number): number {
  if (month === 2) return isLeapYear(year) ? 29 : 28;
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}

/** True when year/month/day name a real day (31.02 and 29.02 of a non-leap year do not). */
export function isValidCalendarDate(date: { year: number; month: number; day: number }): boolean {
  const { year, month, day } = date;
  return Number.isInteger(year) && Number.isInteger(month) && Number.isInteger(day)
    && year >= 1 && year <= 9999 && month >= 1 && month <= 12 && day >= 1 && day <= daysInMonth(year, month);
}

export function calendarDate(year: number, month: number, day: number): CalendarDate {
  const date = { year, month, day };
  if (!isValidCalendarDate(date)) throw new RangeError(`not a calendar date: ${year}-${month}-${day}`);
  return date;
}

/** Days since 1970-01-01 (negative before). */
export function toDayNumber(date: CalendarDate): number {
  // Date.UTC maps years 0…99 to 1900…1999; setUTCFullYear does not.
  const d = new Date(0);
  d.setUTCFullYear(date.year, date.month - 1, date.day);
  return Math.round(d.getTime() / MS_PER_DAY);
}

export function fromDayNumber(dayNumber: number): CalendarDate {
  const d = new Date(dayNumber * MS_PER_DAY);
  return { year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate() };
}

/** Negative when a is earlier, 0 when the same day, positive when later. */
export function compareDates(a: CalendarDate, b: CalendarDate): number {
  return a.year - b.year || a.month - b.month || a.day - b.day;
}

export function sameDate(a: CalendarDate, b: CalendarDate): boolean {
  return compareDates(a, b) === 0;
}

export function addDays(date: CalendarDate, days: number): CalendarDate {
  return fromDayNumber(toDayNumber(date) + days);
}

/** Whole days from `from` to `to` (negative when `to` is earlier). */
export function daysBetween(from: CalendarDate, to: CalendarDate): number {
  return toDayNumber(to) - toDayNumber(from);
}

/** ISO weekday: 1 = Monday … 7 = Sunday. */
export function isoWeekday(date: CalendarDate): number {
  // 1970-01-01 was a Thursday (ISO 4).
  return ((((toDayNumber(date) + 3) % 7) + 7) % 7) + 1;
}

/** "2019-05-14" (year padded to 4 digits). */
export function toIso(date: CalendarDate): string {
  return `${String(date.year).padStart(4, '0')}-${String(date.month).padStart(2, '0')}-${String(date.day).padStart(2, '0')}`;
}

/** Parses exactly "YYYY-MM-DD"; null for anything else or an impossible date. */
export function parseIsoDate(text: string): CalendarDate | null {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text);
  if (!match) return null;
  const date = { year: Number(match[1]), month: Number(match[2]), day: Number(match[3]) };
  return isValidCalendarDate(date) ? date : null;
}

/** The calendar date a dayjs value shows (in whatever zone/offset it carries). */
export function fromDayjs(value: Dayjs): CalendarDate {
  return { year: value.year(), month: value.month() + 1, day: value.date() };
}

/**
 * The calendar date of an instant as seen in a time zone. One formatter per zone: dayjs' tz() cost ~200 µs a call, which a list of 200 deals ("days in stage" each) felt
 * as 40 ms; a cached Intl formatter answers in a few µs. An unknown zone throws a RangeError, as before.
 */
const dateFormatters = new Map<string, Intl.DateTimeFormat>();

export function calendarDateAt(instant: Date, timeZone: string): CalendarDate {
  let formatter = dateFormatters.get(timeZone);
  if (!formatter) {
    formatter = new Intl.DateTimeFormat('en-US', { timeZone, year: 'numeric', month: 'numeric', day: 'numeric', calendar: 'iso8601', numberingSystem: 'latn' });
    if (dateFormatters.size < 512) dateFormatters.set(timeZone, formatter);
  }
  let year = 0;
  let month = 0;
  let day = 0;
  for (const part of formatter.formatToParts(instant)) {
    if (part.type === 'year') year = Number(part.value);
    else if (part.type === 'month') month = Number(part.value);
    else if (part.type === 'day') day = Number(part.value);
  }
  return { year, month, day };
}

/**
 * The instant when the wall clock in `timeZone` shows `minuteOfDay` on `date`. A wall time that DST skips
 * maps to the instant just after the gap; a repeated one to its first occurrence, so a window that opens
 * then is never missed.
 */
export function instantAt(date: CalendarDate, minuteOfDay: number, timeZone: string): Date {
  if (minuteOfDay >= 24 * 60) return instantAt(addDays(date, Math.floor(minuteOfDay / 1440)), minuteOfDay % 1440, timeZone);
  const wallMs = Date.UTC(date.year, date.month - 1, date.day, Math.floor(minuteOfDay / 60), minuteOfDay % 60);
  // The offsets in force around that wall time (two at a DST change); keep those that really produce it.
  const before = offsetMinutesAt(wallMs - 12 * HOUR_MS, timeZone);
  const after = offsetMinutesAt(wallMs + 12 * HOUR_MS, timeZone);
  const valid = [...new Set([before, after])]
    .map((offset) => wallMs - offset * 60_000)
    .filter((instant) => offsetMinutesAt(instant, timeZone) * 60_000 === wallMs - instant);
  return new Date(valid.length > 0 ? Math.min(...valid) : wallMs - before * 60_000);
}

const HOUR_MS = 3_600_000;
const offsetFormatters = new Map<string, Intl.DateTimeFormat>();

/** Minutes the zone's wall clock is ahead of UTC at an instant. */
function offsetMinutesAt(instantMs: number, timeZone: string): number {
  let format = offsetFormatters.get(timeZone);
  if (!format) {
    format = new Intl.DateTimeFormat('en-US', { timeZone, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric',
      hour: 'numeric', minute: 'numeric', second: 'numeric' });
    offsetFormatters.set(timeZone, format);
  }
  const parts = Object.fromEntries(format.formatToParts(new Date(instantMs)).map((p) => [p.type, p.value]));
  const wall = Date.UTC(Number(parts.year), Number(parts.month) - 1, Number(parts.day), Number(parts.hour), Number(parts.minute), Number(parts.second));
  return Math.round((wall - Math.floor(instantMs / 1000) * 1000) / 60_000);
}
