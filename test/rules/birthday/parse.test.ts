import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ageOn } from '../../../src/rules/birthday/birth-date.js';
import {
  BIRTHDAY_FORMATS, type BirthdayFormat, DEFAULT_MAX_CHILD_AGE_YEARS, formatBirthday, type ParseFailureReason,
  parseBirthdayText, YEARLESS_FORMATS,
} from '../../../src/rules/birthday/parse.js';
import {
  type CalendarDate, compareDates, fromDayNumber, isValidCalendarDate, toDayNumber,
} from '../../../src/rules/time/calendar-date.js';

const today: CalendarDate = { year: 2026, month: 11, day: 23 };

type Row = [text: string, year: number | undefined, month: number, day: number, format: BirthdayFormat];

const parsedRows: Row[] = [
  ['14.05.2019', 2019, 5, 14, 'dmy-dot'],
  ['3.5.2019', 2019, 5, 3, 'dmy-dot'],
  ['03.05.2019', 2019, 5, 3, 'dmy-dot'],
  ['3.5.19', 2019, 5, 3, 'dmy-dot-yy'],
  ['14.05.19', 2019, 5, 14, 'dmy-dot-yy'],
  ['14/05/2019', 2019, 5, 14, 'dmy-slash'],
  ['1/2/2020', 2020, 2, 1, 'dmy-slash'],
  ['14/05/19', 2019, 5, 14, 'dmy-slash-yy'],
  ['14-05-2019', 2019, 5, 14, 'dmy-dash'],
  ['14-05-19', 2019, 5, 14, 'dmy-dash-yy'],
  ['2019-05-14', 2019, 5, 14, 'iso-date'],
  ['2019-5-4', 2019, 5, 4, 'iso-date'],
  ['2019-05-14T03:00:00+03:00', 2019, 5, 14, 'iso-datetime'],
  // The calendar date as written, even where the instant falls on another day in UTC.
  ['2019-05-14T23:30:00-05:00', 2019, 5, 14, 'iso-datetime'],
  ['2019-05-14T00:00:00Z', 2019, 5, 14, 'iso-datetime'],
  ['2019-05-14 10:00', 2019, 5, 14, 'iso-datetime'],
  ['14.05', undefined, 5, 14, 'dm-dot'],
  ['29.02', undefined, 2, 29, 'dm-dot'],
  ['14 мая 2019', 2019, 5, 14, 'ru-day-month-year'],
  ['14 мая', undefined, 5, 14, 'ru-day-month'],
  ['1 января 2020', 2020, 1, 1, 'ru-day-month-year'],
  ['5 февраля 2021', 2021, 2, 5, 'ru-day-month-year'],
  ['3 марта 2018 г.', 2018, 3, 3, 'ru-day-month-year'],
  ['10 апреля 2017 года', 2017, 4, 10, 'ru-day-month-year'],
  ['22 июня 2015', 2015, 6, 22, 'ru-day-month-year'],
  ['7 июля 2016', 2016, 7, 7, 'ru-day-month-year'],
  ['31 августа 2014', 2014, 8, 31, 'ru-day-month-year'],
  ['1 сентября 2013', 2013, 9, 1, 'ru-day-month-year'],
  ['15 октября 2012', 2012, 10, 15, 'ru-day-month-year'],
  ['30 ноября 2011', 2011, 11, 30, 'ru-day-month-year'],
  ['25 декабря 2010', 2010, 12, 25, 'ru-day-month-year'],
  ['14 МАЯ 2019', 2019, 5, 14, 'ru-day-month-year'],
  ['14 янв. 2020', 2020, 1, 14, 'ru-day-month-year'],
  ['14 янв 2020', 2020, 1, 14, 'ru-day-month-year'],
  ['2 сент. 2019', 2019, 9, 2, 'ru-day-month-year'],
  ['2 нояб. 2019', 2019, 11, 2, 'ru-day-month-year'],
  ['14мая2019', 2019, 5, 14, 'ru-day-month-year'],
  ['14-го мая 2019', 2019, 5, 14, 'ru-day-month-year'],
  ['май 14', undefined, 5, 14, 'ru-month-day'],
  ['мая 14', undefined, 5, 14, 'ru-month-day'],
  ['маю 14', undefined, 5, 14, 'ru-month-day'],
  ['мае 14', undefined, 5, 14, 'ru-month-day'],
  ['январь 3', undefined, 1, 3, 'ru-month-day'],
  ['Февраль 3, 2020', 2020, 2, 3, 'ru-month-day-year'],
  ['сент. 5', undefined, 9, 5, 'ru-month-day'],
  ['Ёлка 31 декабря 2019', 2019, 12, 31, 'ru-day-month-year'],
  ['May 14, 2019', 2019, 5, 14, 'en-month-day-year'],
  ['May 14 2019', 2019, 5, 14, 'en-month-day-year'],
  ['may 14', undefined, 5, 14, 'en-month-day'],
  ['Sept 3, 2020', 2020, 9, 3, 'en-month-day-year'],
  ['Dec. 24, 2018', 2018, 12, 24, 'en-month-day-year'],
  ['14 May', undefined, 5, 14, 'en-day-month'],
  ['14 May 2019', 2019, 5, 14, 'en-day-month-year'],
  ['14 Jan 2020', 2020, 1, 14, 'en-day-month-year'],
  ['1st of March 2020', 2020, 3, 1, 'en-day-month-year'],
  ['14th May', undefined, 5, 14, 'en-day-month'],
  ['2 October 2015', 2015, 10, 2, 'en-day-month-year'],
  ['ДР 14.05.2019', 2019, 5, 14, 'dmy-dot'],
  ['день рождения: 14 мая', undefined, 5, 14, 'ru-day-month'],
  ['родился 3 марта 2018 г.', 2018, 3, 3, 'ru-day-month-year'],
  ['др ребенка - 14.05.2019г.', 2019, 5, 14, 'dmy-dot'],
  ['Дата рождения 29.02.2020 (високосный)', 2020, 2, 29, 'dmy-dot'],
  // The same date twice is not ambiguous; the dated one wins.
  ['14.05.2019 (14 мая)', 2019, 5, 14, 'dmy-dot'],
  ['14 мая, 14.05.2019', 2019, 5, 14, 'dmy-dot'],
  // A number after the month that is not a four-digit year is not taken for one.
  ['14 мая 10 лет', undefined, 5, 14, 'ru-day-month'],
  ['born 23.11.2026', 2026, 11, 23, 'dmy-dot'],
  ['23.11.2008', 2008, 11, 23, 'dmy-dot'],
];

describe('parseBirthdayText: accepted formats', () => {
  it('has at least 40 rows', () => {
    expect(parsedRows.length).toBeGreaterThanOrEqual(40);
  });

  it.each(parsedRows)('%s', (text, year, month, day, format) => {
    const result = parseBirthdayText(text, { today });
    expect(result).toEqual({
      ok: true, date: year === undefined ? { month, day } : { year, month, day }, yearKnown: year !== undefined, format,
    });
  });
});

const rejectedRows: Array<[text: string | null, reason: ParseFailureReason]> = [
  ['', 'empty'],
  ['   \n\t', 'empty'],
  [null, 'empty'],
  ['не знаю', 'unparseable'],
  ['скоро', 'unparseable'],
  ['май 2019', 'unparseable'],
  ['тел 8-916-123-45-67', 'unparseable'],
  ['1.5 года', 'unparseable'],
  ['2019', 'unparseable'],
  ['14:05', 'unparseable'],
  ['31.02.2019', 'impossible'],
  ['00.13.2019', 'impossible'],
  ['29.02.2019', 'impossible'],
  ['31.04.2019', 'impossible'],
  ['0.05.2019', 'impossible'],
  ['32 мая 2019', 'impossible'],
  ['2019-13-01', 'impossible'],
  ['31.06', 'impossible'],
  ['30 февраля', 'impossible'],
  ['24.11.2026', 'future'],
  ['14.05.2030', 'future'],
  ['1 января 2027', 'future'],
  ['14.05.1990', 'too_old'],
  ['22.11.2007', 'too_old'],
  // Two-digit years resolve to the past: 30 → 1930, then too old.
  ['14.05.30', 'too_old'],
  ['14.05.0000', 'too_old'],
  ['14.05.2019 или 15.05.2019', 'ambiguous'],
  ['14.05 и 15.05', 'ambiguous'],
  ['15 мая 14 июня', 'ambiguous'],
  ['14.05.2019, 14.05.2018', 'ambiguous'],
  ['14 мая, 2019-06-01', 'ambiguous'],
];

describe('parseBirthdayText: rejected input', () => {
  it.each(rejectedRows)('%j → %s', (text, reason) => {
    const result = parseBirthdayText(text, { today });
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.reason).toBe(reason);
  });

  it('states the age limit when a date is too old, and the limit is configurable', () => {
    expect(parseBirthdayText('14.05.2000', { today })).toEqual({ ok: false, reason: 'too_old', maxAgeYears: 18 });
    expect(parseBirthdayText('14.05.2000', { today, maxAgeYears: 30 }).ok).toBe(true);
    expect(parseBirthdayText('14.05.2019', { today, maxAgeYears: 5 })).toEqual({ ok: false, reason: 'too_old', maxAgeYears: 5 });
  });

  it('accepts a child exactly at the maximum age and rejects one a day older', () => {
    expect(parseBirthdayText('23.11.2008', { today }).ok).toBe(true);
    expect(parseBirthdayText('22.11.2008', { today }).ok).toBe(true); // 18, turning 19 next year
    expect(parseBirthdayText('23.11.2007', { today })).toMatchObject({ ok: false, reason: 'too_old' });
  });

  it('resolves a two-digit year to this century when that is not in the future', () => {
    expect(parseBirthdayText('1.1.26', { today })).toMatchObject({ ok: true, date: { year: 2026 } });
    expect(parseBirthdayText('1.12.26', { today })).toMatchObject({ ok: false, reason: 'future' });
    expect(parseBirthdayText('1.1.27', { today, maxAgeYears: 200 })).toMatchObject({ ok: true, date: { year: 1927 } });
  });
});

/** Fragments people type around dates, so random text reaches the interesting paths often. */
const fragments = fc.constantFrom(
  '0', '1', '2', '9', '12', '14', '29', '31', '00', '13', '05', '2019', '2020', '1999', '2030', '19', '.', '/', '-', ' ',
  ',', ':', 'T', 'Z', '+03:00', 'мая', 'май', 'февраля', 'сент.', 'янв', 'May', 'Feb', 'sept', 'ДР', 'г.', 'года', 'of',
  'th', 'го', 'ё', 'abc', '\n',
);
const anyToday = fc.integer({ min: toDayNumber({ year: 1990, month: 1, day: 1 }), max: toDayNumber({ year: 2100, month: 12, day: 31 }) })
  .map(fromDayNumber);

/**
 * Day, month and year in near-valid ranges (years around `todayYear`) with assorted separators, so that
 * many texts hold a real date and the checks after matching are exercised, not only the matching.
 */
function dateLike(todayYear: number): fc.Arbitrary<string> {
  const year = fc.oneof(
    fc.integer({ min: todayYear - 25, max: todayYear + 3 }).map(String),
    fc.integer({ min: 0, max: 99 }).map((y) => String(y).padStart(2, '0')),
  );
  const numeric = fc.tuple(fc.integer({ min: 0, max: 32 }), fc.constantFrom('.', '/', '-'), fc.integer({ min: 0, max: 13 }), year)
    .map(([d, sep, m, y]) => `${d}${sep}${String(m).padStart(2, '0')}${sep}${y}`);
  const named = fc.tuple(fc.integer({ min: 0, max: 32 }), fc.constantFrom('мая', 'февраля', 'Feb', 'сент.', 'марта', 'дек'), year)
    .map(([d, m, y]) => `${d} ${m} ${y}`);
  return fc.tuple(fc.string({ maxLength: 6 }), fc.oneof(numeric, named), fc.string({ maxLength: 6 }))
    .map((parts) => parts.join(''));
}

function noisyText(todayYear: number): fc.Arbitrary<string> {
  return fc.oneof(
    fc.string({ maxLength: 60 }),
    fc.string({ unit: 'binary', maxLength: 60 }),
    fc.array(fragments, { maxLength: 14 }).map((parts) => parts.join('')),
    dateLike(todayYear),
    fc.tuple(dateLike(todayYear), fc.constantFrom(' или ', ', ', ' '), dateLike(todayYear)).map((parts) => parts.join('')),
  );
}
describe('parseBirthdayText: properties', () => {
  it('never throws and never returns an impossible, future or too-old date (10,000 random texts)', () => {
    const cases = anyToday.chain((day) => fc.tuple(fc.constant(day), noisyText(day.year)));
    const outcomes = new Map<string, number>();
    fc.assert(fc.property(cases, fc.integer({ min: 0, max: 30 }), ([day, text], maxAgeYears) => {
      const result = parseBirthdayText(text, { today: day, maxAgeYears });
      const outcome = result.ok ? `ok:${result.yearKnown}` : result.reason;
      outcomes.set(outcome, (outcomes.get(outcome) ?? 0) + 1);
      if (!result.ok) return;
      expect(BIRTHDAY_FORMATS).toContain(result.format);
      expect(YEARLESS_FORMATS.has(result.format)).toBe(!result.yearKnown);
      const { year, month, day: dayOfMonth } = result.date;
      if (year === undefined) {
        expect(result.yearKnown).toBe(false);
        expect(isValidCalendarDate({ year: 2000, month, day: dayOfMonth })).toBe(true);
      } else {
        const date = { year, month, day: dayOfMonth };
        expect(result.yearKnown).toBe(true);
        expect(isValidCalendarDate(date)).toBe(true);
        expect(compareDates(date, day)).toBeLessThanOrEqual(0);
        expect(ageOn(date, day)).toBeLessThanOrEqual(maxAgeYears);
      }
    }), { numRuns: 10_000 });
    // The generator must reach every outcome, or the checks above prove little.
    for (const outcome of ['ok:true', 'ok:false', 'unparseable', 'impossible', 'future', 'too_old', 'ambiguous']) {
      expect(outcomes.get(outcome) ?? 0, outcome).toBeGreaterThan(50);
    }
  });

  const todayAndBirth = anyToday.chain((day) => fc.tuple(
    fc.constant(day),
    fc.integer({ min: toDayNumber({ year: day.year - DEFAULT_MAX_CHILD_AGE_YEARS, month: day.month, day: day.day }) + 1,
      max: toDayNumber(day) }).map(fromDayNumber),
  ));
  const surroundings = fc.constantFrom(['', ''], ['ДР ', ''], ['день рождения: ', ''], ['родился ', ' г.'], ['(', ')'], ['born ', '!']);

  it('round-trips every valid date through every supported format', () => {
    fc.assert(fc.property(todayAndBirth, fc.constantFrom(...BIRTHDAY_FORMATS), surroundings, ([day, birth], style, [before, after]) => {
      const text = `${before}${formatBirthday(birth, style)}${after}`;
      const result = parseBirthdayText(text, { today: day });
      const yearless = YEARLESS_FORMATS.has(style);
      expect(result).toEqual({
        ok: true, format: style, yearKnown: !yearless,
        date: yearless ? { month: birth.month, day: birth.day } : birth,
      });
    }), { numRuns: 5_000 });
  });

  it('formats one date in each style as documented', () => {
    const birth = { year: 2019, month: 5, day: 3 };
    expect(BIRTHDAY_FORMATS.map((style) => formatBirthday(birth, style))).toEqual([
      '03.05.2019', '3.5.19', '03/05/2019', '3/5/19', '03-05-2019', '3-5-19', '2019-05-03', '2019-05-03T03:00:00+03:00',
      '03.05', '3 мая 2019', '3 мая', 'май 3, 2019', 'май 3', '3 May 2019', '3 May', 'May 3, 2019', 'May 3',
    ]);
  });

  it('refuses to format a yearless date in a style that needs a year', () => {
    expect(() => formatBirthday({ month: 5, day: 3 }, 'dmy-dot')).toThrow(RangeError);
    expect(formatBirthday({ month: 5, day: 3 }, 'ru-day-month')).toBe('3 мая');
  });
});
