/**
 * Reads a child's birth date out of free text typed by a manager ("ДР 14.05.2019", "день рождения: 14 мая",
 * "May 14, 2019") and writes dates back in each supported style. Pure and total: parsing never throws.
 *
 * How it reads: every pattern below is matched anywhere in the (lower-cased, ё → е) text; overlapping
 * matches keep the longest; the survivors must all name the same date (a yearless "14.05" agrees with
 * "14.05.2019"), otherwise the text is ambiguous. That date is then checked: a real day, not in the
 * future, and not older than the maximum age.
 */
import { type CalendarDate, compareDates, isValidCalendarDate } from '../time/calendar-date.js';
import { ageOn, type BirthDate } from './birth-date.js';
import {
  EN_MONTHS, MONTH_WORD_PATTERN, type MonthLanguage, monthFromWord, RU_MONTHS_GENITIVE, RU_MONTHS_NOMINATIVE,
} from './months.js';

/** Every style the parser recognises and `formatBirthday` writes (example: 14 May 2019). */
export const BIRTHDAY_FORMATS = [
  'dmy-dot', //            14.05.2019 (also 3.5.2019)
  'dmy-dot-yy', //         3.5.19
  'dmy-slash', //          14/05/2019
  'dmy-slash-yy', //       14/05/19
  'dmy-dash', //           14-05-2019
  'dmy-dash-yy', //        14-05-19
  'iso-date', //           2019-05-14
  'iso-datetime', //       2019-05-14T03:00:00+03:00 (the calendar date as written; the time is ignored)
  'dm-dot', //             14.05 (no year)
  'ru-day-month-year', //  14 мая 2019 (any case, abbreviations such as "янв." too)
  'ru-day-month', //       14 мая
  'ru-month-day-year', //  май 14, 2019
  'ru-month-day', //       май 14
  'en-day-month-year', //  14 May 2019 (full or three-letter names)
  'en-day-month', //       14 May
  'en-month-day-year', //  May 14, 2019
  'en-month-day', //       May 14
] as const;
export type BirthdayFormat = (typeof BIRTHDAY_FORMATS)[number];

/** Styles that carry no year. */
export const YEARLESS_FORMATS: ReadonlySet<BirthdayFormat> = new Set<BirthdayFormat>([
  'dm-dot', 'ru-day-month', 'ru-month-day', 'en-day-month', 'en-month-day',
]);

/** Oldest age, in full years on `today`, still taken for a child's birth date. */
export const DEFAULT_MAX_CHILD_AGE_YEARS = 18;

export type ParseFailureReason = 'empty' | 'unparseable' | 'impossible' | 'future' | 'too_old' | 'ambiguous';

export type ParseResult =
  | { ok: true; date: BirthDate; yearKnown: boolean; format: BirthdayFormat }
  /** `maxAgeYears` accompanies `too_old`: the limit the date broke. */
  | { ok: false; reason: ParseFailureReason; maxAgeYears?: number };

export interface ParseContext {
  /** Today in the portal's time zone: dates after it are "future". */
  today: CalendarDate;
  /** Default DEFAULT_MAX_CHILD_AGE_YEARS; a date making the child older than this is "too_old". */
  maxAgeYears?: number;
}

interface Candidate {
  start: number;
  end: number;
  day: number;
  month: number;
  /** Four-digit year as written, or a two-digit one already resolved to a century. */
  year?: number;
  format: BirthdayFormat;
}

// Numbers must not continue a longer number ("2019.05.14" holds no "05.14").
const NOT_AFTER_NUMBER = String.raw`(?<!\d[./]?)`;
const NOT_BEFORE_NUMBER = String.raw`(?![./]?\d)`;
const MONTH = `(${MONTH_WORD_PATTERN})\\.?(?!\\p{L})`;
// A year that goes on ("2019-06-01") belongs to another date.
const YEAR_END = String.raw`(?!\d|[./-]\d)`;
const DAY_SUFFIX = String.raw`(?:-?(?:го|ое|е)|st|nd|rd|th)?`;

const ISO_PATTERN = /(?<!\d)(\d{4})-(\d{1,2})-(\d{1,2})((?:t|\s+)\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:z|[+-]\d{2}(?::?\d{2})?)?)?(?!\d)/gu;
const DMY_PATTERN = new RegExp(`${NOT_AFTER_NUMBER}(\\d{1,2})([./-])(\\d{1,2})\\2(\\d{4}|\\d{2})${NOT_BEFORE_NUMBER}`, 'gu');
const DM_PATTERN = new RegExp(`${NOT_AFTER_NUMBER}(\\d{1,2})\\.(\\d{2})${NOT_BEFORE_NUMBER}`, 'gu');
// Only four-digit years follow a month name: "14 мая 10 лет" must not become 2010.
const DAY_MONTH_PATTERN = new RegExp(
  `(?<!\\d)(\\d{1,2})${DAY_SUFFIX}[\\s-]*(?:of\\s+)?${MONTH}(?:[\\s,]*(\\d{4})${YEAR_END})?`, 'gu',
);
const MONTH_DAY_PATTERN = new RegExp(
  `(?<!\\p{L})${MONTH}[\\s-]*(\\d{1,2})${DAY_SUFFIX}(?!\\d|[./:]\\d)(?:,?\\s*(\\d{4})${YEAR_END})?`, 'gu',
);

function resolveTwoDigitYear(twoDigits: number, today: CalendarDate): number {
  // The most recent year ending in these digits that is not after this year.
  const sameCentury = Math.floor(today.year / 100) * 100 + twoDigits;
  return sameCentury <= today.year ? sameCentury : sameCentury - 100;
}

function monthNameFormat(language: MonthLanguage, order: 'day-month' | 'month-day', hasYear: boolean): BirthdayFormat {
  return `${language}-${order}${hasYear ? '-year' : ''}` as BirthdayFormat;
}

function findCandidates(text: string, today: CalendarDate): Candidate[] {
  const found: Candidate[] = [];
  const add = (match: RegExpMatchArray, fields: Omit<Candidate, 'start' | 'end'>): void => {
    const start = match.index ?? 0;
    found.push({ start, end: start + match[0].length, ...fields });
  };

  for (const m of text.matchAll(ISO_PATTERN)) {
    add(m, { year: Number(m[1]), month: Number(m[2]), day: Number(m[3]), format: m[4] ? 'iso-datetime' : 'iso-date' });
  }
  for (const m of text.matchAll(DMY_PATTERN)) {
    const yearText = m[4] ?? '';
    const short = yearText.length === 2;
    const separator = m[2] === '.' ? 'dot' : m[2] === '/' ? 'slash' : 'dash';
    add(m, {
      day: Number(m[1]), month: Number(m[3]),
      year: short ? resolveTwoDigitYear(Number(yearText), today) : Number(yearText),
      format: `dmy-${separator}${short ? '-yy' : ''}` as BirthdayFormat,
    });
  }
  for (const m of text.matchAll(DM_PATTERN)) {
    add(m, { day: Number(m[1]), month: Number(m[2]), format: 'dm-dot' });
  }
  for (const m of text.matchAll(DAY_MONTH_PATTERN)) {
    const word = monthFromWord(m[2] ?? '');
    if (!word) continue;
    add(m, {
      day: Number(m[1]), month: word.month, ...(m[3] ? { year: Number(m[3]) } : {}),
      format: monthNameFormat(word.language, 'day-month', m[3] !== undefined),
    });
  }
  for (const m of text.matchAll(MONTH_DAY_PATTERN)) {
    const word = monthFromWord(m[1] ?? '');
    if (!word) continue;
    add(m, {
      day: Number(m[2]), month: word.month, ...(m[3] ? { year: Number(m[3]) } : {}),
      format: monthNameFormat(word.language, 'month-day', m[3] !== undefined),
    });
  }
  return found;
}

/** Drops matches that overlap a longer (or, at equal length, an earlier) one. */
function withoutOverlaps(candidates: Candidate[]): Candidate[] {
  const byPreference = [...candidates].sort((a, b) => (b.end - b.start) - (a.end - a.start) || a.start - b.start);
  const kept: Candidate[] = [];
  for (const candidate of byPreference) {
    if (kept.every((k) => candidate.end <= k.start || candidate.start >= k.end)) kept.push(candidate);
  }
  return kept.sort((a, b) => a.start - b.start);
}

/**
 * The one date all candidates agree on, or null when they disagree. A yearless candidate agrees with a
 * dated one of the same day and month; the dated one wins.
 */
function agreedCandidate(candidates: Candidate[]): Candidate | null {
  const dated = candidates.filter((c) => c.year !== undefined);
  const chosen = dated[0] ?? candidates[0];
  if (!chosen) return null;
  const agrees = (c: Candidate): boolean => c.day === chosen.day && c.month === chosen.month
    && (c.year === undefined || c.year === chosen.year);
  return candidates.every(agrees) ? chosen : null;
}

function normalise(text: string): string {
  return text.toLowerCase().replace(/ё/g, 'е');
}

/** Parses a birth date out of free text. Never throws. */
export function parseBirthdayText(text: string | null | undefined, ctx: ParseContext): ParseResult {
  if (typeof text !== 'string' || text.trim() === '') return { ok: false, reason: 'empty' };
  const candidates = withoutOverlaps(findCandidates(normalise(text), ctx.today));
  if (candidates.length === 0) return { ok: false, reason: 'unparseable' };
  const chosen = agreedCandidate(candidates);
  if (!chosen) return { ok: false, reason: 'ambiguous' };

  const { day, month, year, format } = chosen;
  if (year === undefined) {
    // Any year will do for the check, as long as it has a 29 February.
    if (!isValidCalendarDate({ year: 2000, month, day })) return { ok: false, reason: 'impossible' };
    return { ok: true, date: { month, day }, yearKnown: false, format };
  }
  const maxAgeYears = ctx.maxAgeYears ?? DEFAULT_MAX_CHILD_AGE_YEARS;
  if (year < 1) {
    return isValidCalendarDate({ year: 2000, month, day })
      ? { ok: false, reason: 'too_old', maxAgeYears }
      : { ok: false, reason: 'impossible' };
  }
  const date: CalendarDate = { year, month, day };
  if (!isValidCalendarDate(date)) return { ok: false, reason: 'impossible' };
  if (compareDates(date, ctx.today) > 0) return { ok: false, reason: 'future' };
  if (ageOn(date, ctx.today) > maxAgeYears) return { ok: false, reason: 'too_old', maxAgeYears };
  return { ok: true, date: { year, month, day }, yearKnown: true, format };
}

const pad2 = (n: number): string => String(n).padStart(2, '0');
const pad4 = (n: number): string => String(n).padStart(4, '0');

/**
 * Writes a date in one of the parser's styles; parsing the result gives the date back (two-digit years
 * resolve to the latest matching year not after `today`). Throws RangeError when the style needs a year
 * the date lacks.
 */
export function formatBirthday(date: BirthDate, style: BirthdayFormat): string {
  const { month, day } = date;
  const year = (): number => {
    if (date.year === undefined) throw new RangeError(`format ${style} needs a year`);
    return date.year;
  };
  const dmy = (separator: string, short: boolean): string => short
    ? `${day}${separator}${month}${separator}${pad2(year() % 100)}`
    : `${pad2(day)}${separator}${pad2(month)}${separator}${pad4(year())}`;
  const ruGenitive = RU_MONTHS_GENITIVE[month - 1];
  const ruNominative = RU_MONTHS_NOMINATIVE[month - 1];
  const en = EN_MONTHS[month - 1];
  if (!ruGenitive || !ruNominative || !en) throw new RangeError(`month out of range: ${month}`);
  switch (style) {
    case 'dmy-dot': return dmy('.', false);
    case 'dmy-dot-yy': return dmy('.', true);
    case 'dmy-slash': return dmy('/', false);
    case 'dmy-slash-yy': return dmy('/', true);
    case 'dmy-dash': return dmy('-', false);
    case 'dmy-dash-yy': return dmy('-', true);
    case 'iso-date': return `${pad4(year())}-${pad2(month)}-${pad2(day)}`;
    // The shape Bitrix24 returns for a date field.
    case 'iso-datetime': return `${pad4(year())}-${pad2(month)}-${pad2(day)}T03:00:00+03:00`;
    case 'dm-dot': return `${pad2(day)}.${pad2(month)}`;
    case 'ru-day-month-year': return `${day} ${ruGenitive} ${year()}`;
    case 'ru-day-month': return `${day} ${ruGenitive}`;
    case 'ru-month-day-year': return `${ruNominative} ${day}, ${year()}`;
    case 'ru-month-day': return `${ruNominative} ${day}`;
    case 'en-day-month-year': return `${day} ${en} ${year()}`;
    case 'en-day-month': return `${day} ${en}`;
    case 'en-month-day-year': return `${en} ${day}, ${year()}`;
    case 'en-month-day': return `${en} ${day}`;
  }
}
