import { describe, expect, it } from 'vitest';
import { decideBirthdayNormalisation } from '../../../src/rules/birthday/normalise.js';

const today = { year: 2026, month: 11, day: 23 };
const may14 = { year: 2019, month: 5, day: 14 };

describe('decideBirthdayNormalisation', () => {
  it('does nothing when both fields are empty', () => {
    expect(decideBirthdayNormalisation({ dateField: null, text: '', today, needYear: true })).toEqual({ action: 'none' });
    expect(decideBirthdayNormalisation({ dateField: null, text: null, today, needYear: true })).toEqual({ action: 'none' });
  });

  it('does nothing when only the date is set', () => {
    expect(decideBirthdayNormalisation({ dateField: may14, text: '  ', today, needYear: true })).toEqual({ action: 'none' });
  });

  it('writes the date when the date field is empty and the text holds a full date', () => {
    expect(decideBirthdayNormalisation({ dateField: null, text: 'ДР 14 мая 2019 г.', today, needYear: true }))
      .toEqual({ action: 'write_date', date: may14 });
  });

  it('clears the text when it repeats the date', () => {
    expect(decideBirthdayNormalisation({ dateField: may14, text: '14.05.2019', today, needYear: true }))
      .toEqual({ action: 'clear_text' });
    // A yearless text that matches the date's day and month says nothing new.
    expect(decideBirthdayNormalisation({ dateField: may14, text: '14 мая', today, needYear: true }))
      .toEqual({ action: 'clear_text' });
  });

  it('asks for a manual check when the text disagrees with the date', () => {
    expect(decideBirthdayNormalisation({ dateField: may14, text: '15.05.2019', today, needYear: false })).toEqual({
      action: 'manual_check', reason: 'mismatch', dateField: may14, parsed: { year: 2019, month: 5, day: 15 },
    });
    expect(decideBirthdayNormalisation({ dateField: may14, text: '14.05.2018', today, needYear: false }))
      .toMatchObject({ action: 'manual_check', reason: 'mismatch' });
    expect(decideBirthdayNormalisation({ dateField: may14, text: '15 мая', today, needYear: false }))
      .toMatchObject({ action: 'manual_check', reason: 'mismatch', parsed: { month: 5, day: 15 } });
  });

  it('asks for a manual check when the text has no year and the year is needed', () => {
    expect(decideBirthdayNormalisation({ dateField: null, text: '14 мая', today, needYear: true })).toEqual({
      action: 'manual_check', reason: 'no_year', dateField: null, parsed: { month: 5, day: 14 },
    });
  });

  it('keeps a yearless text as it is when no year is needed (a date field cannot hold it)', () => {
    expect(decideBirthdayNormalisation({ dateField: null, text: '14 мая', today, needYear: false })).toEqual({ action: 'none' });
  });

  it.each([
    ['не помню', 'unparseable'],
    ['31.02.2019', 'impossible'],
    ['14.05.2030', 'future'],
    ['14.05.1990', 'too_old'],
    ['14.05.2019 или 15.05.2019', 'ambiguous'],
  ])('asks for a manual check when the text is %j (%s), whether or not the date is set', (text, reason) => {
    expect(decideBirthdayNormalisation({ dateField: null, text, today, needYear: false }))
      .toMatchObject({ action: 'manual_check', reason, dateField: null });
    expect(decideBirthdayNormalisation({ dateField: may14, text, today, needYear: false }))
      .toMatchObject({ action: 'manual_check', reason, dateField: may14 });
  });

  it('passes the age limit to the parser and reports it', () => {
    expect(decideBirthdayNormalisation({ dateField: null, text: '14.05.2019', today, needYear: true, maxAgeYears: 5 }))
      .toEqual({ action: 'manual_check', reason: 'too_old', dateField: null, maxAgeYears: 5 });
  });
});
