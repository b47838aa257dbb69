/**
 * Turns a Bitrix24 "date" field value into a calendar date. The portal stores a date as midnight UTC and
 * renders it in the server's zone ("2025-04-29T03:00:00+03:00", or "2025-04-28T19:00:00-05:00" on a
 * server west of Greenwich), so neither the written date nor the portal zone's date of the instant is safe.
 * The rule (bitrix24-rest.md §4): take the instant and round it to the nearest UTC midnight.
 */

import { type CalendarDate, isValidCalendarDate, parseIsoDate } from './calendar-date.js';
import { dayjs } from './dayjs.js';

const HALF_DAY_MS = 12 * 3_600_000;
const DATETIME_WITH_OFFSET = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?(Z|[+-]\d{2}:?\d{2})$/i;
const DATETIME_WITHOUT_OFFSET = /^(\d{4}-\d{2}-\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?$/;
/** The short format of a ru portal, which writes also accept. */
const RU_SHORT_DATE = /^(\d{2})\.(\d{2})\.(\d{4})$/;

function nearestUtcMidnight(instantMs: number): CalendarDate {
  const d = new Date(instantMs + HALF_DAY_MS);
  return { year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate() };
}

function offsetMinutes(offset: string): number {
  if (/^z$/i.test(offset)) return 0;
  const digits = offset.replace(':', '');
  const sign = digits.startsWith('-') ? -1 : 1;
  return sign * (Number(digits.slice(1, 3)) * 60 + Number(digits.slice(3, 5)));
}

/**
 * The calendar date held by a Bitrix24 date field; null for an empty value ("" from legacy methods, null
 * from crm.item) or one that is not a date. A value with no offset is read as wall time in
 * `portalTimeZone` before rounding.
 */
export function dateFieldToCalendarDate(value: string | null | undefined, portalTimeZone: string): CalendarDate | null {
  const text = typeof value === 'string' ? value.trim() : '';
  if (text === '') return null;

  const plain = parseIsoDate(text);
  if (plain) return plain;

  const ruShort = RU_SHORT_DATE.exec(text);
  if (ruShort) {
    const date = { year: Number(ruShort[3]), month: Number(ruShort[2]), day: Number(ruShort[1]) };
    return isValidCalendarDate(date) ? date : null;
  }

  const withOffset = DATETIME_WITH_OFFSET.exec(text);
  if (withOffset) {
    const [, y, mo, d, h, mi, s, offset] = withOffset;
    const written = { year: Number(y), month: Number(mo), day: Number(d) };
    if (!isValidCalendarDate(written) || Number(h) > 23 || Number(mi) > 59 || Number(s ?? 0) > 59) return null;
    // Build the instant by hand: Date.parse is lenient in ways that differ between engines.
    const wallClock = new Date(0);
    // setUTCFullYear, unlike Date.UTC, does not move years 0…99 into the 1900s.
    wallClock.setUTCFullYear(written.year, written.month - 1, written.day);
    wallClock.setUTCHours(Number(h), Number(mi), Number(s ?? 0));
    const wallClockAsUtc = wallClock.getTime();
    return nearestUtcMidnight(wallClockAsUtc - offsetMinutes(offset ?? 'Z') * 60_000);
  }

  const withoutOffset = DATETIME_WITHOUT_OFFSET.exec(text);
  if (withoutOffset) {
    const [, datePart, h, mi, s] = withoutOffset;
    const written = parseIsoDate(datePart ?? '');
    if (!written || Number(h) > 23 || Number(mi) > 59 || Number(s ?? 0) > 59) return null;
    const instant = dayjs.tz(`${datePart}T${h}:${mi}:${s ?? '00'}`, portalTimeZone);
    return instant.isValid() ? nearestUtcMidnight(instant.valueOf()) : null;
  }
  return null;
}
