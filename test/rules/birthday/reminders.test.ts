import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ageOn, birthdayInYear, nextBirthday } from '../../../src/rules/birthday/birth-date.js';
import { birthdayCheckWindow, birthdaysDue } from '../../../src/rules/birthday/reminders.js';
import { addDays, daysBetween, fromDayNumber, toDayNumber, toIso } from '../../../src/rules/time/calendar-date.js';

const d = (iso: string) => {
  const [year, month, day] = iso.split('-').map(Number);
  return { year: year!, month: month!, day: day! };
};

describe('nextBirthday', () => {
  it('is today when the birthday is today, otherwise the next occurrence', () => {
    expect(nextBirthday({ month: 5, day: 14 }, d('2026-05-14'))).toEqual(d('2026-05-14'));
    expect(nextBirthday({ month: 5, day: 14 }, d('2026-05-15'))).toEqual(d('2027-05-14'));
    expect(nextBirthday({ year: 2019, month: 1, day: 5 }, d('2026-12-08'))).toEqual(d('2027-01-05'));
  });

  it('moves 29 February to 28 February in non-leap years', () => {
    const leapling = { year: 2020, month: 2, day: 29 };
    expect(nextBirthday(leapling, d('2026-01-10'))).toEqual(d('2026-02-28'));
    expect(nextBirthday(leapling, d('2027-03-01'))).toEqual(d('2028-02-29'));
    expect(nextBirthday(leapling, d('2028-02-29'))).toEqual(d('2028-02-29'));
  });

  it('is never before today and never a year or more ahead', () => {
    const anyDay = fc.integer({ min: 0, max: 60_000 }).map(fromDayNumber);
    fc.assert(fc.property(anyDay, anyDay, (birth, today) => {
      const next = nextBirthday(birth, today);
      expect(daysBetween(today, next)).toBeGreaterThanOrEqual(0);
      expect(daysBetween(today, next)).toBeLessThan(366);
    }), { numRuns: 2_000 });
  });
});

describe('ageOn', () => {
  it('counts full years', () => {
    const birth = d('2019-05-14');
    expect(ageOn(birth, d('2026-05-13'))).toBe(6);
    expect(ageOn(birth, d('2026-05-14'))).toBe(7);
    expect(ageOn(birth, d('2019-05-14'))).toBe(0);
    expect(ageOn(birth, d('2019-05-13'))).toBe(-1);
  });

  it('has a 29 February child turn a year older on 28 February in non-leap years', () => {
    expect(ageOn(d('2020-02-29'), d('2023-02-27'))).toBe(2);
    expect(ageOn(d('2020-02-29'), d('2023-02-28'))).toBe(3);
    expect(ageOn(d('2020-02-29'), d('2024-02-28'))).toBe(3);
    expect(ageOn(d('2020-02-29'), d('2024-02-29'))).toBe(4);
  });
});

describe('birthdayCheckWindow', () => {
  it('checks only today on the first run and when today already ran', () => {
    expect(birthdayCheckWindow(d('2026-12-08'), null)).toEqual({ from: d('2026-12-08'), to: d('2026-12-08'), droppedDays: 0 });
    expect(birthdayCheckWindow(d('2026-12-08'), d('2026-12-08')).from).toEqual(d('2026-12-08'));
  });

  it('caps the catch-up and says how many days it dropped', () => {
    const window = birthdayCheckWindow(d('2026-12-08'), d('2026-10-01'), 31);
    expect(window).toEqual({ from: addDays(d('2026-12-08'), -30), to: d('2026-12-08'), droppedDays: 68 - 31 });
  });
});

describe('birthdaysDue', () => {
  const children = [
    { key: 'deal:1', birth: { year: 2019, month: 1, day: 5 } },
    { key: 'deal:2', birth: { month: 1, day: 6 } },
    { key: 'deal:3', birth: { year: 2020, month: 2, day: 29 } },
    { key: 'deal:4', birth: { year: 2018, month: 7, day: 1 } },
  ];

  it('finds a 5 January birthday on 8 December, across the year boundary', () => {
    expect(birthdaysDue({ children, today: d('2026-12-08'), leadDays: 28, lastRunDay: d('2026-12-07') })).toEqual([{
      key: 'deal:1', birthday: d('2027-01-05'), ageTurning: 8, dueOn: d('2026-12-08'), dedupeKey: 'birthday:deal:1:2027',
    }]);
  });

  it('leaves out the age when the year is unknown', () => {
    const due = birthdaysDue({ children, today: d('2026-12-09'), leadDays: 28, lastRunDay: d('2026-12-08') });
    expect(due).toEqual([{ key: 'deal:2', birthday: d('2027-01-06'), dueOn: d('2026-12-09'), dedupeKey: 'birthday:deal:2:2027' }]);
  });

  it('finds a 29 February child on 28 February in a non-leap year and on 29 February in a leap year', () => {
    // 2027-02-28 minus 28 days is 2027-01-31.
    expect(birthdaysDue({ children, today: d('2027-01-31'), leadDays: 28, lastRunDay: null })).toEqual([{
      key: 'deal:3', birthday: d('2027-02-28'), ageTurning: 7, dueOn: d('2027-01-31'), dedupeKey: 'birthday:deal:3:2027',
    }]);
    // 2028-02-29 minus 28 days is 2028-02-01.
    expect(birthdaysDue({ children, today: d('2028-02-01'), leadDays: 28, lastRunDay: null })).toEqual([{
      key: 'deal:3', birthday: d('2028-02-29'), ageTurning: 8, dueOn: d('2028-02-01'), dedupeKey: 'birthday:deal:3:2028',
    }]);
    expect(birthdaysDue({ children, today: d('2028-01-31'), leadDays: 28, lastRunDay: null })).toEqual([]);
  });

  it('catches up after two missed days instead of skipping them', () => {
    // Last run 6 Dec; 7 and 8 Dec were missed; 9 Dec is today: 5 Jan (due 8 Dec) and 6 Jan (due 9 Dec).
    const due = birthdaysDue({ children, today: d('2026-12-09'), leadDays: 28, lastRunDay: d('2026-12-06') });
    expect(due.map((x) => [x.key, toIso(x.dueOn), x.dedupeKey])).toEqual([
      ['deal:1', '2026-12-08', 'birthday:deal:1:2027'],
      ['deal:2', '2026-12-09', 'birthday:deal:2:2027'],
    ]);
  });

  it('gives the same keys when run twice the same day, whether or not the first run was recorded', () => {
    const first = birthdaysDue({ children, today: d('2026-12-08'), leadDays: 28, lastRunDay: d('2026-12-07') });
    const again = birthdaysDue({ children, today: d('2026-12-08'), leadDays: 28, lastRunDay: d('2026-12-07') });
    const afterRecording = birthdaysDue({ children, today: d('2026-12-08'), leadDays: 28, lastRunDay: d('2026-12-08') });
    expect(first.map((x) => x.dedupeKey)).toEqual(['birthday:deal:1:2027']);
    expect(again).toEqual(first);
    expect(afterRecording).toEqual(first);
  });

  it('does not catch up beyond the cap', () => {
    // 5 Jan was due on 8 Dec; with a 3-day cap a run on 20 Dec checks only 18–20 Dec.
    expect(birthdaysDue({ children, today: d('2026-12-20'), lastRunDay: d('2026-11-01'), maxCatchUpDays: 3 })).toEqual([]);
    expect(birthdaysDue({ children, today: d('2026-12-20'), lastRunDay: d('2026-11-01') }).map((x) => x.key))
      .toEqual(['deal:1', 'deal:2']);
  });

  it('does not remind about the day of birth itself', () => {
    const newborn = [{ key: 'deal:9', birth: { year: 2027, month: 1, day: 5 } }];
    expect(birthdaysDue({ children: newborn, today: d('2026-12-08'), lastRunDay: null })).toEqual([]);
    expect(birthdaysDue({ children: newborn, today: d('2027-12-08'), lastRunDay: null }).map((x) => x.ageTurning)).toEqual([1]);
  });

  it('reminds about every birthday exactly once when run every day', () => {
    const anyBirth = fc.integer({ min: toDayNumber(d('2010-01-01')), max: toDayNumber(d('2026-12-31')) }).map(fromDayNumber);
    fc.assert(fc.property(anyBirth, fc.integer({ min: 1, max: 60 }), (birth, leadDays) => {
      const child = [{ key: 'c', birth }];
      const firstDay = d('2027-01-01');
      const days = 365 * 3;
      const keys: string[] = [];
      let lastRunDay = addDays(firstDay, -1);
      for (let i = 0; i < days; i++) {
        const today = addDays(lastRunDay, 1);
        keys.push(...birthdaysDue({ children: child, today, leadDays, lastRunDay }).map((x) => x.dedupeKey));
        lastRunDay = today;
      }
      // Birthdays whose reminder day falls in the run: celebrated day minus the lead is within it.
      const expected: string[] = [];
      for (let year = 2027; year <= 2031; year++) {
        const offset = daysBetween(firstDay, addDays(birthdayInYear(birth, year), -leadDays));
        if (offset >= 0 && offset < days && year > birth.year) expected.push(`birthday:c:${year}`);
      }
      expect(keys).toEqual(expected);
    }), { numRuns: 200 });
  });
});
