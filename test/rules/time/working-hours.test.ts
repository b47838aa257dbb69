import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  addWorkingHours, type DeliveryWindow, isDeliveryAllowed, nextDeliveryTime, parseHhmm,
} from '../../../src/rules/time/working-hours.js';

const at = (iso: string) => new Date(iso);
const moscow: DeliveryWindow = {
  timezone: 'Europe/Moscow', quietStart: '20:00', quietEnd: '09:00', workingDays: [1, 2, 3, 4, 5], holidays: [],
};
const berlin: DeliveryWindow = { ...moscow, timezone: 'Europe/Berlin' };

/** Wall clock of an instant in a zone, read with Intl: an oracle independent of the code under test. */
const formatters = new Map<string, Intl.DateTimeFormat>();
function wallClock(instant: Date, timeZone: string): { iso: string; weekday: number; minute: number } {
  let formatter = formatters.get(timeZone);
  if (!formatter) {
    formatter = new Intl.DateTimeFormat('en-US', {
      timeZone, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', weekday: 'short',
      hourCycle: 'h23',
    });
    formatters.set(timeZone, formatter);
  }
  const parts = Object.fromEntries(formatter.formatToParts(instant).map((p) => [p.type, p.value]));
  const weekday = ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'].indexOf(parts.weekday ?? '') + 1;
  return { iso: `${parts.year}-${parts.month}-${parts.day}`, weekday, minute: Number(parts.hour) * 60 + Number(parts.minute) };
}

function allowedByOracle(instant: Date, window: DeliveryWindow): boolean {
  const { iso, weekday, minute } = wallClock(instant, window.timezone);
  if (!window.workingDays.includes(weekday) || window.holidays.includes(iso)) return false;
  const qs = parseHhmm(window.quietStart);
  const qe = parseHhmm(window.quietEnd);
  if (qs === qe) return true;
  const quiet = qs < qe ? minute >= qs && minute < qe : minute >= qs || minute < qe;
  return !quiet;
}

describe('parseHhmm', () => {
  it('reads HH:MM and rejects anything else', () => {
    expect(parseHhmm('09:30')).toBe(570);
    expect(parseHhmm('0:05')).toBe(5);
    expect(parseHhmm('24:00')).toBe(1440);
    for (const bad of ['24:01', '9', '09:60', 'ab:cd', '']) expect(() => parseHhmm(bad), bad).toThrow(RangeError);
  });
});

describe('nextDeliveryTime', () => {
  it('delivers now inside the allowed window, boundaries included at the start', () => {
    const noon = at('2026-11-25T09:00:00Z'); // Wed 12:00 MSK
    expect(nextDeliveryTime(noon, moscow)).toBe(noon);
    expect(isDeliveryAllowed(noon, moscow)).toBe(true);
    const opening = at('2026-11-25T06:00:00Z'); // 09:00 MSK
    expect(nextDeliveryTime(opening, moscow)).toBe(opening);
    const lastSecond = at('2026-11-25T16:59:59Z'); // 19:59:59 MSK
    expect(nextDeliveryTime(lastSecond, moscow)).toBe(lastSecond);
  });

  it('waits until the morning across midnight', () => {
    expect(nextDeliveryTime(at('2026-11-25T17:00:00Z'), moscow)).toEqual(at('2026-11-26T06:00:00Z')); // Wed 20:00 → Thu 09:00
    expect(nextDeliveryTime(at('2026-11-25T18:00:00Z'), moscow)).toEqual(at('2026-11-26T06:00:00Z')); // Wed 21:00
    expect(nextDeliveryTime(at('2026-11-25T23:00:00Z'), moscow)).toEqual(at('2026-11-26T06:00:00Z')); // Thu 02:00
    expect(isDeliveryAllowed(at('2026-11-25T23:00:00Z'), moscow)).toBe(false);
  });

  it('skips weekends and holidays', () => {
    expect(nextDeliveryTime(at('2026-11-27T17:30:00Z'), moscow)).toEqual(at('2026-11-30T06:00:00Z')); // Fri 20:30 → Mon 09:00
    expect(nextDeliveryTime(at('2026-11-28T09:00:00Z'), moscow)).toEqual(at('2026-11-30T06:00:00Z')); // Sat noon → Mon
    const withHoliday = { ...moscow, holidays: ['2026-11-30', '2026-12-01'] };
    expect(nextDeliveryTime(at('2026-11-28T09:00:00Z'), withHoliday)).toEqual(at('2026-12-02T06:00:00Z'));
  });

  it('handles quiet hours within one day', () => {
    const lunch = { ...moscow, quietStart: '13:00', quietEnd: '14:00' };
    expect(nextDeliveryTime(at('2026-11-25T10:30:00Z'), lunch)).toEqual(at('2026-11-25T11:00:00Z')); // 13:30 → 14:00
    expect(nextDeliveryTime(at('2026-11-25T20:30:00Z'), lunch)).toEqual(at('2026-11-25T20:30:00Z')); // 23:30 allowed
  });

  it('treats equal quiet bounds as no quiet hours, but still keeps weekends', () => {
    const noQuiet = { ...moscow, quietStart: '00:00', quietEnd: '00:00' };
    expect(nextDeliveryTime(at('2026-11-25T23:00:00Z'), noQuiet)).toEqual(at('2026-11-25T23:00:00Z'));
    expect(nextDeliveryTime(at('2026-11-28T09:00:00Z'), noQuiet)).toEqual(at('2026-11-29T21:00:00Z')); // Mon 00:00 MSK
  });

  it('uses the recipient zone wall clock on both sides of a DST change (Europe/Berlin)', () => {
    const everyDay = { ...berlin, workingDays: [1, 2, 3, 4, 5, 6, 7] };
    // Sat 28 Mar 21:00 CET → Sun 29 Mar 09:00 CEST (07:00 UTC): the night is an hour shorter.
    expect(nextDeliveryTime(at('2026-03-28T20:00:00Z'), everyDay)).toEqual(at('2026-03-29T07:00:00Z'));
    // Sat 24 Oct 21:00 CEST → Sun 25 Oct 09:00 CET (08:00 UTC): the night is an hour longer.
    expect(nextDeliveryTime(at('2026-10-24T19:00:00Z'), everyDay)).toEqual(at('2026-10-25T08:00:00Z'));
    // Fri 23 Oct 21:00 CEST, weekend off → Mon 26 Oct 09:00 CET.
    expect(nextDeliveryTime(at('2026-10-23T19:00:00Z'), berlin)).toEqual(at('2026-10-26T08:00:00Z'));
    // The same UTC hour is quiet in winter and allowed in summer: 07:30 UTC = 08:30 CET / 09:30 CEST.
    expect(isDeliveryAllowed(at('2026-03-27T07:30:00Z'), berlin)).toBe(false);
    expect(isDeliveryAllowed(at('2026-03-30T07:30:00Z'), berlin)).toBe(true);
  });

  it('rejects a configuration with no delivery day', () => {
    expect(() => nextDeliveryTime(at('2026-11-25T09:00:00Z'), { ...moscow, workingDays: [] })).toThrow(RangeError);
  });

  it('returns the first allowed moment: allowed itself, nothing allowed before it', () => {
    const zones = fc.constantFrom('Europe/Moscow', 'Europe/Berlin', 'America/New_York', 'Asia/Kolkata', 'UTC');
    const quarterHour = fc.integer({ min: 0, max: 95 }).map((q) => `${String(Math.floor(q / 4)).padStart(2, '0')}:${String((q % 4) * 15).padStart(2, '0')}`);
    const windows = fc.record({
      timezone: zones, quietStart: quarterHour, quietEnd: quarterHour,
      workingDays: fc.uniqueArray(fc.integer({ min: 1, max: 7 }), { minLength: 1, maxLength: 7 }),
      holidays: fc.array(fc.integer({ min: 0, max: 30 }).map((n) => new Date(Date.UTC(2026, 2, 20 + n)).toISOString().slice(0, 10)), { maxLength: 4 }),
    });
    // Instants around both 2026 European DST changes.
    const instants = fc.oneof(
      fc.integer({ min: Date.UTC(2026, 2, 20), max: Date.UTC(2026, 3, 5) }),
      fc.integer({ min: Date.UTC(2026, 9, 18), max: Date.UTC(2026, 10, 2) }),
    ).map((ms) => new Date(ms));
    fc.assert(fc.property(instants, windows, (now, window) => {
      const next = nextDeliveryTime(now, window);
      expect(next.getTime()).toBeGreaterThanOrEqual(now.getTime());
      expect(allowedByOracle(next, window)).toBe(true);
      if (allowedByOracle(now, window)) expect(next).toBe(now);
      // Bounds sit on quarter hours and every zone here is offset by whole half hours, so probing the wait on a
      // 15-minute grid finds any allowed stretch before `next`.
      const firstProbe = Math.ceil((now.getTime() + 1) / 900_000) * 900_000;
      for (let t = firstProbe; t < next.getTime(); t += 900_000) {
        expect(allowedByOracle(new Date(t), window), new Date(t).toISOString()).toBe(false);
      }
    }), { numRuns: 200 });
  });

  it('delivers at the first occurrence of a wall time that repeats when the clocks go back', () => {
    // Found by the property above: New York falls back on 2026-11-01, so 01:00–01:15 happens twice;
    // a window that opens at 01:00 opens at the first 01:00 (EDT), not the second (EST).
    const window = { timezone: 'America/New_York', quietStart: '01:15', quietEnd: '01:00', workingDays: [7], holidays: [] };
    const next = nextDeliveryTime(new Date('2026-10-25T05:15:00.000Z'), window);
    expect(next.toISOString()).toBe('2026-11-01T05:00:00.000Z');
  });
});

describe('addWorkingHours', () => {
  const hours = { timezone: 'Europe/Moscow', start: '09:00', end: '18:00', days: [1, 2, 3, 4, 5], holidays: [] as string[] };

  it.each([
    ['inside the day', '2026-11-25T07:00:00Z', 2, '2026-11-25T09:00:00Z'], // Wed 10:00 → 12:00
    ['over the evening', '2026-11-25T14:00:00Z', 2, '2026-11-26T07:00:00Z'], // Wed 17:00 → Thu 10:00
    ['filling the day exactly', '2026-11-25T13:00:00Z', 2, '2026-11-25T15:00:00Z'], // Wed 16:00 → 18:00
    ['before opening', '2026-11-25T04:00:00Z', 2, '2026-11-25T08:00:00Z'], // Wed 07:00 → 11:00
    ['after closing', '2026-11-25T17:00:00Z', 2, '2026-11-26T08:00:00Z'], // Wed 20:00 → Thu 11:00
    ['over the weekend', '2026-11-27T14:30:00Z', 2, '2026-11-30T07:30:00Z'], // Fri 17:30 → Mon 10:30
    ['from the weekend', '2026-11-28T09:00:00Z', 2, '2026-11-30T08:00:00Z'], // Sat → Mon 11:00
    ['over several days', '2026-11-23T06:00:00Z', 20, '2026-11-25T08:00:00Z'], // Mon 09:00 + 9 + 9 + 2 → Wed 11:00
    ['with fractions', '2026-11-25T06:00:00Z', 0.5, '2026-11-25T06:30:00Z'],
    ['zero inside', '2026-11-25T07:00:00Z', 0, '2026-11-25T07:00:00Z'],
    ['zero outside', '2026-11-25T17:00:00Z', 0, '2026-11-26T06:00:00Z'],
  ])('%s', (_name, from, h, expected) => {
    expect(addWorkingHours(at(from), h, hours)).toEqual(at(expected));
  });

  it('skips holidays', () => {
    expect(addWorkingHours(at('2026-11-25T14:00:00Z'), 2, { ...hours, holidays: ['2026-11-26'] }))
      .toEqual(at('2026-11-27T07:00:00Z'));
  });

  it('follows the wall clock across DST (Europe/Berlin)', () => {
    const berlinHours = { ...hours, timezone: 'Europe/Berlin' };
    // Fri 27 Mar 17:00 CET + 2h → Mon 30 Mar 10:00 CEST.
    expect(addWorkingHours(at('2026-03-27T16:00:00Z'), 2, berlinHours)).toEqual(at('2026-03-30T08:00:00Z'));
    // Fri 23 Oct 17:00 CEST + 2h → Mon 26 Oct 10:00 CET.
    expect(addWorkingHours(at('2026-10-23T15:00:00Z'), 2, berlinHours)).toEqual(at('2026-10-26T09:00:00Z'));
    // A round-the-clock day is 23 hours long on the spring-forward Sunday: 24 working hours end at 01:00 CEST Monday.
    const roundTheClock = { ...berlinHours, start: '00:00', end: '24:00', days: [1, 2, 3, 4, 5, 6, 7] };
    expect(addWorkingHours(at('2026-03-28T23:00:00Z'), 24, roundTheClock)).toEqual(at('2026-03-29T23:00:00Z'));
  });

  it('rejects bad input', () => {
    expect(() => addWorkingHours(at('2026-11-25T07:00:00Z'), -1, hours)).toThrow(RangeError);
    expect(() => addWorkingHours(at('2026-11-25T07:00:00Z'), Number.NaN, hours)).toThrow(RangeError);
    expect(() => addWorkingHours(at('2026-11-25T07:00:00Z'), 1, { ...hours, start: '18:00', end: '09:00' })).toThrow(RangeError);
    expect(() => addWorkingHours(at('2026-11-25T07:00:00Z'), 1, { ...hours, days: [] })).toThrow(RangeError);
  });
});
