import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  calendarDateInZone, formatPortalDateTime, parseCalendarDate, parsePortalDateTime, zoneOffsetMinutes,
} from '../../src/crm/dates.js';

const ZONES = ['Europe/Moscow', 'America/New_York', 'UTC', 'Asia/Kamchatka', 'Pacific/Pago_Pago', 'Asia/Kolkata'];

describe('calendar dates', () => {
  it('reads the technical time part the portal adds to date fields without shifting the day', () => {
    expect(parseCalendarDate('2025-04-29T03:00:00+03:00', 'Europe/Moscow')).toBe('2025-04-29');
    expect(parseCalendarDate('2025-04-29T00:00:00+03:00', 'Europe/Moscow')).toBe('2025-04-29');
    expect(parseCalendarDate('2018-07-14T00:00:00+00:00', 'America/New_York')).toBe('2018-07-14');
    // UTC midnight of 30 April rendered on a server west of Greenwich
    expect(parseCalendarDate('2025-04-29T20:00:00-04:00', 'America/New_York')).toBe('2025-04-30');
    expect(parseCalendarDate('2024-08-30T02:00:00+02:00', 'Europe/Berlin')).toBe('2024-08-30');
  });

  it('takes plain and ru short dates as written and reports empty and broken values apart', () => {
    expect(parseCalendarDate('2019-05-14', 'Europe/Moscow')).toBe('2019-05-14');
    expect(parseCalendarDate('14.05.2019', 'Europe/Moscow')).toBe('2019-05-14');
    expect(parseCalendarDate('', 'Europe/Moscow')).toBeNull();
    expect(parseCalendarDate(null, 'Europe/Moscow')).toBeNull();
    expect(parseCalendarDate('31.02.2019', 'Europe/Moscow')).toBeUndefined();
    expect(parseCalendarDate('soon', 'Europe/Moscow')).toBeUndefined();
  });

  it('round-trips every day through the portal rendering in every zone (property)', () => {
    fc.assert(fc.property(
      fc.integer({ min: Date.UTC(1950, 0, 1) / 86_400_000, max: Date.UTC(2060, 0, 1) / 86_400_000 }),
      fc.constantFrom(...ZONES),
      (dayNumber, zone) => {
        const day = new Date(dayNumber * 86_400_000).toISOString().slice(0, 10);
        const technical = formatPortalDateTime(new Date(dayNumber * 86_400_000), zone);
        expect(parseCalendarDate(technical, zone)).toBe(day);
        expect(parseCalendarDate(`${day}T00:00:00+03:00`, zone)).toBe(day);
      },
    ), { numRuns: 300 });
  });
});

describe('date-times', () => {
  it('formats an instant in the portal zone with its offset, and reads it back to the same instant', () => {
    const instant = new Date('2026-01-15T09:30:05Z');
    expect(formatPortalDateTime(instant, 'Europe/Moscow')).toBe('2026-01-15T12:30:05+03:00');
    expect(formatPortalDateTime(instant, 'America/New_York')).toBe('2026-01-15T04:30:05-05:00');
    expect(formatPortalDateTime(instant, 'Asia/Kolkata')).toBe('2026-01-15T15:00:05+05:30');
    expect(parsePortalDateTime('2026-01-15T12:30:05+03:00', 'UTC')?.getTime()).toBe(instant.getTime());
  });

  it('reads offset-less local text in the portal zone, across a DST switch', () => {
    expect(parsePortalDateTime('2024-08-29 10:30:11', 'Europe/Moscow')?.toISOString()).toBe('2024-08-29T07:30:11.000Z');
    expect(parsePortalDateTime('24.08.2023 13:19:39', 'Europe/Moscow')?.toISOString()).toBe('2023-08-24T10:19:39.000Z');
    expect(parsePortalDateTime('2024-07-01 12:00:00', 'America/New_York')?.toISOString()).toBe('2024-07-01T16:00:00.000Z');
    expect(parsePortalDateTime('2024-12-01 12:00:00', 'America/New_York')?.toISOString()).toBe('2024-12-01T17:00:00.000Z');
    expect(parsePortalDateTime('', 'UTC')).toBeNull();
    expect(parsePortalDateTime('yesterday', 'UTC')).toBeUndefined();
  });

  it('knows zone offsets and the calendar day of an instant', () => {
    expect(zoneOffsetMinutes(new Date('2024-07-01T00:00:00Z'), 'America/New_York')).toBe(-240);
    expect(calendarDateInZone(new Date('2024-07-01T22:30:00Z'), 'Europe/Moscow')).toBe('2024-07-02');
  });
});
