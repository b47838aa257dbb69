/**
 * Date handling for Bitrix24 REST values.
 *
 * - Date-times (`DATE_MODIFY`, `MOVED_TIME`…) come as ISO 8601 with an offset and become `Date` instants.
 *   A few methods send local wall-clock text without an offset (`2024-08-29 10:30:11`, `24.08.2023 13:19:39`);
 *   those are read in the portal's time zone.
 * - Dates (`BEGINDATE`, `BIRTHDATE`, date user fields, `PERSONAL_BIRTHDAY`) are calendar days, kept as
 *   `YYYY-MM-DD` strings so no time zone can shift them. The portal renders them with a "technical" time:
 *   `2025-04-29T03:00:00+03:00` (UTC midnight shown in the server zone) or `2025-04-29T00:00:00+03:00`.
 */

/** A calendar day as the wire writes it, `YYYY-MM-DD` (rules/time's CalendarDate is the same day as an object). */
export type CalendarDate = string;

import { toIso } from '../rules/time/calendar-date.js';
import { dateFieldToCalendarDate } from '../rules/time/date-field.js';

const ISO_WITH_OFFSET = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?(Z|[+-]\d{2}:?\d{2})$/;
const ISO_LOCAL = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2}))?$/;
const RU_LOCAL = /^(\d{2})\.(\d{2})\.(\d{4})(?: (\d{2}):(\d{2})(?::(\d{2}))?)?$/;
const DATE_ONLY = /^(\d{4})-(\d{2})-(\d{2})$/;

const formatters = new Map<string, Intl.DateTimeFormat>();
function wallClockFormatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit',
    });
    formatters.set(timeZone, f);
  }
  return f;
}

interface WallClock { year: number; month: number; day: number; hour: number; minute: number; second: number }

function wallClock(date: Date, timeZone: string): WallClock {
  const parts: Record<string, number> = {};
  for (const p of wallClockFormatter(timeZone).formatToParts(date)) if (p.type !== 'literal') parts[p.type] = Number(p.value);
  return { year: parts.year ?? 0, month: parts.month ?? 1, day: parts.day ?? 1, hour: parts.hour ?? 0, minute: parts.minute ?? 0, second: parts.second ?? 0 };
}

/** Offset of `timeZone` from UTC at `date`, in minutes (Moscow: +180). */
export function zoneOffsetMinutes(date: Date, timeZone: string): number {
  const w = wallClock(date, timeZone);
  const asUtc = Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute, w.second);
  return Math.round((asUtc - Math.floor(date.getTime() / 1000) * 1000) / 60_000);
}

/** The instant at which the wall clock in `timeZone` shows the given local time. */
export function zonedTimeToDate(w: WallClock, timeZone: string): Date {
  const naive = Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute, w.second);
  let guess = naive - zoneOffsetMinutes(new Date(naive), timeZone) * 60_000;
  // A second pass settles instants near a DST switch.
  guess = naive - zoneOffsetMinutes(new Date(guess), timeZone) * 60_000;
  return new Date(guess);
}

const pad = (n: number, width = 2): string => String(Math.abs(n)).padStart(width, '0');

/** `2026-05-04T09:53:51+03:00`: the form Bitrix24 filters and writes accept for date-times. */
export function formatPortalDateTime(date: Date, timeZone: string): string {
  const w = wallClock(date, timeZone);
  const offset = zoneOffsetMinutes(date, timeZone);
  const sign = offset < 0 ? '-' : '+';
  return `${pad(w.year, 4)}-${pad(w.month)}-${pad(w.day)}T${pad(w.hour)}:${pad(w.minute)}:${pad(w.second)}${sign}${pad(Math.trunc(Math.abs(offset) / 60))}:${pad(Math.abs(offset) % 60)}`;
}

/** The calendar day an instant falls on in `timeZone`. */
export function calendarDateInZone(date: Date, timeZone: string): CalendarDate {
  const w = wallClock(date, timeZone);
  return `${pad(w.year, 4)}-${pad(w.month)}-${pad(w.day)}`;
}

function validDay(y: number, m: number, d: number): boolean {
  const dt = new Date(Date.UTC(y, m - 1, d));
  return dt.getUTCFullYear() === y && dt.getUTCMonth() === m - 1 && dt.getUTCDate() === d;
}

/**
 * Parses a date-time value. Empty values (`''`, `null`, `false`) → null; anything unreadable → undefined
 * (the caller reports it as a row problem).
 */
export function parsePortalDateTime(value: unknown, timeZone: string): Date | null | undefined {
  if (value === null || value === undefined || value === '' || value === false) return null;
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? undefined : value;
  if (typeof value !== 'string') return undefined;
  const s = value.trim();
  if (ISO_WITH_OFFSET.test(s)) {
    const d = new Date(s.replace(' ', 'T'));
    return Number.isNaN(d.getTime()) ? undefined : d;
  }
  let m = ISO_LOCAL.exec(s);
  if (m) {
    const [, y, mo, d, h, mi, se] = m;
    if (!validDay(Number(y), Number(mo), Number(d))) return undefined;
    return zonedTimeToDate({ year: Number(y), month: Number(mo), day: Number(d), hour: Number(h), minute: Number(mi), second: Number(se ?? 0) }, timeZone);
  }
  m = RU_LOCAL.exec(s);
  if (m) {
    const [, d, mo, y, h, mi, se] = m;
    if (!validDay(Number(y), Number(mo), Number(d))) return undefined;
    return zonedTimeToDate({ year: Number(y), month: Number(mo), day: Number(d), hour: Number(h ?? 0), minute: Number(mi ?? 0), second: Number(se ?? 0) }, timeZone);
  }
  m = DATE_ONLY.exec(s);
  if (m) {
    const [, y, mo, d] = m;
    if (!validDay(Number(y), Number(mo), Number(d))) return undefined;
    return zonedTimeToDate({ year: Number(y), month: Number(mo), day: Number(d), hour: 0, minute: 0, second: 0 }, timeZone);
  }
  return undefined;
}

/**
 * Parses a calendar-date value without ever shifting the day (the one rule for Bitrix24 date fields, see
 * dateFieldToCalendarDate): `YYYY-MM-DD` and `DD.MM.YYYY` as written; a date-time is UTC midnight of the day
 * rendered in the server zone, so the nearest UTC midnight is the day; offset-less times are read in the
 * portal's zone. Empty values → null; anything unreadable → undefined (the caller reports a row problem).
 */
export function parseCalendarDate(value: unknown, timeZone: string): CalendarDate | null | undefined {
  if (value === null || value === undefined || value === '' || value === false) return null;
  if (typeof value !== 'string') return undefined;
  if (value.trim() === '') return null;
  const date = dateFieldToCalendarDate(value, timeZone);
  return date ? toIso(date) : undefined;
}
