import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  addDays, calendarDate, calendarDateAt, compareDates, daysBetween, daysInMonth, fromDayjs, fromDayNumber, instantAt,
  isoWeekday, isValidCalendarDate, parseIsoDate, sameDate, toDayNumber, toIso,
} from '../../../src/rules/time/calendar-date.js';
import { dayjs } from '../../../src/rules/time/dayjs.js';

describe('CalendarDate helpers', () => {
  it('knows month lengths and leap years', () => {
    expect(daysInMonth(2024, 2)).toBe(29);
    expect(daysInMonth(2023, 2)).toBe(28);
    expect(daysInMonth(1900, 2)).toBe(28);
    expect(daysInMonth(2000, 2)).toBe(29);
    expect(daysInMonth(2026, 4)).toBe(30);
    expect(daysInMonth(2026, 12)).toBe(31);
    expect(isValidCalendarDate({ year: 2023, month: 2, day: 29 })).toBe(false);
    expect(isValidCalendarDate({ year: 2026, month: 0, day: 1 })).toBe(false);
    expect(isValidCalendarDate({ year: 2026, month: 1, day: 1.5 })).toBe(false);
    expect(() => calendarDate(2026, 2, 30)).toThrow(RangeError);
  });

  it('adds days across month, year and leap-day boundaries', () => {
    expect(addDays({ year: 2026, month: 12, day: 31 }, 1)).toEqual({ year: 2027, month: 1, day: 1 });
    expect(addDays({ year: 2024, month: 2, day: 28 }, 1)).toEqual({ year: 2024, month: 2, day: 29 });
    expect(addDays({ year: 2023, month: 2, day: 28 }, 1)).toEqual({ year: 2023, month: 3, day: 1 });
    expect(addDays({ year: 2027, month: 1, day: 5 }, -28)).toEqual({ year: 2026, month: 12, day: 8 });
    expect(daysBetween({ year: 2026, month: 12, day: 8 }, { year: 2027, month: 1, day: 5 })).toBe(28);
  });

  it('compares and formats', () => {
    const a = { year: 2026, month: 5, day: 14 };
    expect(compareDates(a, { year: 2026, month: 5, day: 15 })).toBeLessThan(0);
    expect(compareDates(a, { year: 2025, month: 12, day: 31 })).toBeGreaterThan(0);
    expect(sameDate(a, { year: 2026, month: 5, day: 14 })).toBe(true);
    expect(toIso({ year: 2019, month: 5, day: 4 })).toBe('2019-05-04');
    expect(parseIsoDate('2019-05-04')).toEqual({ year: 2019, month: 5, day: 4 });
    expect(parseIsoDate('2019-02-29')).toBeNull();
    expect(parseIsoDate('2019-5-4')).toBeNull();
  });

  it('gives ISO weekdays', () => {
    expect(isoWeekday({ year: 2026, month: 11, day: 23 })).toBe(1); // Monday
    expect(isoWeekday({ year: 2026, month: 11, day: 29 })).toBe(7); // Sunday
    expect(isoWeekday({ year: 1970, month: 1, day: 1 })).toBe(4); // Thursday
    expect(isoWeekday({ year: 1969, month: 12, day: 28 })).toBe(7);
  });

  it('round-trips day numbers and agrees with the JS calendar', () => {
    fc.assert(fc.property(fc.integer({ min: -200_000, max: 200_000 }), (n) => {
      const date = fromDayNumber(n);
      expect(isValidCalendarDate(date)).toBe(true);
      expect(toDayNumber(date)).toBe(n);
      expect(addDays(date, 1)).toEqual(fromDayNumber(n + 1));
      expect(isoWeekday(date)).toBe(((new Date(n * 86_400_000).getUTCDay() + 6) % 7) + 1);
    }), { numRuns: 2_000 });
  });

  it('reads the date of an instant in a time zone', () => {
    const instant = new Date('2026-11-24T21:30:00Z');
    expect(calendarDateAt(instant, 'Europe/Moscow')).toEqual({ year: 2026, month: 11, day: 25 });
    expect(calendarDateAt(instant, 'UTC')).toEqual({ year: 2026, month: 11, day: 24 });
    expect(calendarDateAt(instant, 'America/Los_Angeles')).toEqual({ year: 2026, month: 11, day: 24 });
    expect(fromDayjs(dayjs.tz('2026-03-29T01:00:00', 'Asia/Tokyo'))).toEqual({ year: 2026, month: 3, day: 29 });
  });

  it('finds the instant of a wall time, across DST changes', () => {
    expect(instantAt({ year: 2026, month: 3, day: 28 }, 9 * 60, 'Europe/Berlin').toISOString()).toBe('2026-03-28T08:00:00.000Z');
    expect(instantAt({ year: 2026, month: 3, day: 29 }, 9 * 60, 'Europe/Berlin').toISOString()).toBe('2026-03-29T07:00:00.000Z');
    expect(instantAt({ year: 2026, month: 10, day: 25 }, 9 * 60, 'Europe/Berlin').toISOString()).toBe('2026-10-25T08:00:00.000Z');
    expect(instantAt({ year: 2026, month: 11, day: 23 }, 24 * 60, 'Europe/Moscow').toISOString()).toBe('2026-11-23T21:00:00.000Z');
    // 02:30 does not exist on the spring-forward day: the instant just after the gap (03:30 CEST).
    expect(instantAt({ year: 2026, month: 3, day: 29 }, 150, 'Europe/Berlin').toISOString()).toBe('2026-03-29T01:30:00.000Z');
  });
});

describe('calendarDateAt (cached Intl formatter) agrees with dayjs tz', () => {
  it('for any instant in zones east and west of UTC, with DST and with a 45-minute offset', () => {
    const zones = ['Europe/Moscow', 'Asia/Kamchatka', 'America/New_York', 'Europe/Berlin', 'Asia/Kathmandu', 'Pacific/Chatham', 'UTC'];
    fc.assert(fc.property(fc.integer({ min: Date.UTC(1990, 0, 1), max: Date.UTC(2060, 0, 1) }), fc.constantFrom(...zones), (ms, zone) => {
      const viaDayjs = dayjs(new Date(ms)).tz(zone);
      expect(calendarDateAt(new Date(ms), zone)).toEqual({ year: viaDayjs.year(), month: viaDayjs.month() + 1, day: viaDayjs.date() });
    }), { numRuns: 2000 });
  });

  it('an unknown zone is still a RangeError', () => {
    expect(() => calendarDateAt(new Date(), 'Mars/Olympus')).toThrow(RangeError);
  });
});
