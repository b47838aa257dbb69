import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { addDays, fromDayNumber, isoWeekday, toDayNumber, toIso } from '../../../src/rules/time/calendar-date.js';
import { calendarDaysBetween, isWorkingDay, workingDaysBetween } from '../../../src/rules/time/working-days.js';

const weekdays = { timezone: 'Europe/Moscow', days: [1, 2, 3, 4, 5], holidays: [] as string[] };
const mon = { year: 2026, month: 11, day: 23 };
const wed = { year: 2026, month: 11, day: 25 };
const fri = { year: 2026, month: 11, day: 27 };
const nextMon = { year: 2026, month: 11, day: 30 };

describe('calendarDaysBetween / workingDaysBetween', () => {
  it('counts the days after the start day up to the end day', () => {
    expect(calendarDaysBetween(mon, wed, weekdays)).toBe(2);
    expect(workingDaysBetween(mon, wed, weekdays)).toBe(2);
    expect(calendarDaysBetween(mon, mon, weekdays)).toBe(0);
    expect(workingDaysBetween(mon, mon, weekdays)).toBe(0);
  });

  it('skips the weekend', () => {
    expect(calendarDaysBetween(fri, nextMon, weekdays)).toBe(3);
    expect(workingDaysBetween(fri, nextMon, weekdays)).toBe(1);
    expect(workingDaysBetween(mon, addDays(mon, 14), weekdays)).toBe(10);
    expect(workingDaysBetween(mon, addDays(mon, 15), weekdays)).toBe(11);
  });

  it('skips holidays on working days only, and not the start day', () => {
    const withHolidays = { ...weekdays, holidays: ['2026-11-24', '2026-11-28', '2026-11-23', 'junk'] };
    expect(workingDaysBetween(mon, nextMon, withHolidays)).toBe(4); // Tue is off; Sat already was; Mon is the start
    expect(isWorkingDay({ year: 2026, month: 11, day: 24 }, withHolidays)).toBe(false);
    expect(isWorkingDay(wed, withHolidays)).toBe(true);
  });

  it('is negative when the end is earlier', () => {
    expect(calendarDaysBetween(wed, mon, weekdays)).toBe(-2);
    expect(workingDaysBetween(nextMon, fri, weekdays)).toBe(-1);
  });

  it('reads instants in the time zone', () => {
    const lateEvening = new Date('2026-11-24T20:59:00Z'); // 23:59 in Moscow
    const justAfterMidnight = new Date('2026-11-24T21:01:00Z'); // 00:01 next day in Moscow
    expect(calendarDaysBetween(lateEvening, justAfterMidnight, { timezone: 'Europe/Moscow' })).toBe(1);
    expect(calendarDaysBetween(lateEvening, justAfterMidnight, { timezone: 'UTC' })).toBe(0);
    expect(workingDaysBetween(lateEvening, justAfterMidnight, weekdays)).toBe(1);
  });

  it('counts whole days across a DST change', () => {
    const berlin = { timezone: 'Europe/Berlin' };
    // Noon Saturday to noon Monday around the spring-forward night: 47 hours, still 2 days.
    expect(calendarDaysBetween(new Date('2026-03-28T11:00:00Z'), new Date('2026-03-30T10:00:00Z'), berlin)).toBe(2);
    expect(calendarDaysBetween(new Date('2026-10-24T10:00:00Z'), new Date('2026-10-26T11:00:00Z'), berlin)).toBe(2);
  });

  it('agrees with counting day by day', () => {
    const day = fc.integer({ min: toDayNumber(mon) - 400, max: toDayNumber(mon) + 400 }).map(fromDayNumber);
    const workingSet = fc.uniqueArray(fc.integer({ min: 1, max: 7 }), { maxLength: 7 });
    const holidays = fc.array(day.map(toIso), { maxLength: 20 });
    fc.assert(fc.property(day, day, workingSet, holidays, (from, to, days, hols) => {
      const calendar = { timezone: 'UTC', days, holidays: hols };
      const [lo, hi, sign] = toDayNumber(from) <= toDayNumber(to) ? [from, to, 1] : [to, from, -1];
      let expected = 0;
      for (let d = addDays(lo, 1); toDayNumber(d) <= toDayNumber(hi); d = addDays(d, 1)) {
        if (days.includes(isoWeekday(d)) && !hols.includes(toIso(d))) expected++;
      }
      expect(workingDaysBetween(from, to, calendar)).toBe(expected === 0 ? 0 : sign * expected);
      if (days.length === 7 && hols.length === 0) {
        expect(workingDaysBetween(from, to, calendar)).toBe(calendarDaysBetween(from, to, calendar));
      }
    }), { numRuns: 1_000 });
  });
});
