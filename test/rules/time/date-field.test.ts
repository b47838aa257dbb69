import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fromDayNumber, toDayNumber, toIso } from '../../../src/rules/time/calendar-date.js';
import { dateFieldToCalendarDate } from '../../../src/rules/time/date-field.js';

describe('dateFieldToCalendarDate', () => {
  it.each([
    // What a Moscow portal returns for 29 April (the time is technical: 00:00 UTC in the server zone).
    ['2025-04-29T03:00:00+03:00', 'Europe/Moscow', '2025-04-29'],
    // The same date from a server west of Greenwich: the written date is the day before.
    ['2025-04-28T19:00:00-05:00', 'America/New_York', '2025-04-29'],
    ['2025-04-28T20:00:00-04:00', 'America/New_York', '2025-04-29'],
    // Midnight in the server zone also lands on the right day.
    ['2025-04-29T00:00:00+03:00', 'Europe/Moscow', '2025-04-29'],
    ['2025-04-29T00:00:00-05:00', 'America/Chicago', '2025-04-29'],
    ['2025-04-29T12:00:00+14:00', 'Pacific/Kiritimati', '2025-04-29'],
    ['2018-07-14T00:00:00+00:00', 'Europe/Moscow', '2018-07-14'],
    ['2025-04-29T00:00:00Z', 'Europe/Moscow', '2025-04-29'],
    ['2025-04-29T03:00:00+0300', 'Europe/Moscow', '2025-04-29'],
    ['2024-02-29T03:00:00+03:00', 'Europe/Moscow', '2024-02-29'],
    ['2024-12-31T19:00:00-05:00', 'America/New_York', '2025-01-01'],
    ['2025-04-29', 'America/New_York', '2025-04-29'],
    ['29.04.2025', 'Europe/Moscow', '2025-04-29'],
    // No offset: wall time in the portal's zone.
    ['2025-04-28T19:00:00', 'America/New_York', '2025-04-29'],
    ['2025-04-29T03:00:00', 'Europe/Moscow', '2025-04-29'],
  ])('%s (%s) → %s', (value, zone, expected) => {
    const date = dateFieldToCalendarDate(value, zone);
    expect(date && toIso(date)).toBe(expected);
  });

  it.each([[''], ['   '], [null], [undefined], ['not a date'], ['2025-02-30'], ['2025-02-30T03:00:00+03:00'],
    ['31.02.2025'], ['2025-04-29T25:00:00+03:00'], ['04/29/2025']])('%j → null', (value) => {
    expect(dateFieldToCalendarDate(value, 'Europe/Moscow')).toBeNull();
  });

  it('never shifts a day, whatever offset the server renders midnight UTC in', () => {
    const dates = fc.integer({ min: toDayNumber({ year: 1950, month: 1, day: 1 }), max: toDayNumber({ year: 2100, month: 1, day: 1 }) });
    // Real offsets run from -12:00 to +14:00, in quarter hours.
    const offsets = fc.integer({ min: -48, max: 56 }).map((q) => q * 15);
    fc.assert(fc.property(dates, offsets, (dayNumber, offsetMinutes) => {
      const rendered = new Date(dayNumber * 86_400_000 + offsetMinutes * 60_000).toISOString().slice(0, 19);
      const sign = offsetMinutes < 0 ? '-' : '+';
      const abs = Math.abs(offsetMinutes);
      const value = `${rendered}${sign}${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`;
      expect(dateFieldToCalendarDate(value, 'UTC')).toEqual(fromDayNumber(dayNumber));
    }), { numRuns: 2_000 });
  });
});
