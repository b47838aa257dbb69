import {
  addDays, type CalendarDate, calendarDateAt, daysBetween, instantAt, isoWeekday, isValidCalendarDate,
} from '../time/index.js';
import type { ReportPeriod } from './types.js';

export type ReportPeriodKind = 'today' | 'yesterday' | 'week' | 'month' | 'range';

export interface ReportArgs {
  period: ReportPeriod & {
    kind: ReportPeriodKind;
    /** "03.11.2025" or "03.11.2025–09.11.2025" (both days included), for the report header. */
    label: string;
  };
  categoryId?: number;
}

export interface ReportArgsError {
  error: 'unknown_argument' | 'bad_date' | 'reversed_range' | 'range_too_long' | 'duplicate_argument';
  /** The argument at fault, as typed. */
  argument: string;
}

/** Longest range /report accepts, in days (both ends included). */
export const MAX_REPORT_DAYS = 366;

const KEYWORDS: Record<string, Exclude<ReportPeriodKind, 'range'>> = {
  today: 'today', сегодня: 'today',
  yesterday: 'yesterday', вчера: 'yesterday',
  week: 'week', неделя: 'week',
  month: 'month', месяц: 'month',
};

const DATE = String.raw`(\d{1,2})\.(\d{1,2})\.(\d{4})`;
const RANGE = new RegExp(String.raw`^${DATE}\s*[-–—]\s*${DATE}$`);
const SINGLE = new RegExp(String.raw`^${DATE}$`);

function formatDate(date: CalendarDate): string {
  return `${String(date.day).padStart(2, '0')}.${String(date.month).padStart(2, '0')}.${date.year}`;
}

function toDate(day: string | undefined, month: string | undefined, year: string | undefined): CalendarDate | null {
  const date = { year: Number(year), month: Number(month), day: Number(day) };
  return isValidCalendarDate(date) ? date : null;
}

function periodOf(kind: ReportPeriodKind, first: CalendarDate, last: CalendarDate, timezone: string): ReportArgs['period'] {
  const label = first.year === last.year && first.month === last.month && first.day === last.day
    ? formatDate(first) : `${formatDate(first)}–${formatDate(last)}`;
  return { kind, label, from: instantAt(first, 0, timezone), to: instantAt(addDays(last, 1), 0, timezone) };
}

/**
 * Reads the arguments of "/report [period] [pipeline id]" (the command itself, with or without "@bot", may
 * be included). Periods are calendar days in the portal's time zone: today, yesterday, the current week
 * (Monday to Sunday), the current month, or "dd.mm.yyyy" / "dd.mm.yyyy-dd.mm.yyyy" (both days included).
 * Russian words (сегодня, вчера, неделя, месяц) work too. Without a period the report covers today.
 */
export function parseReportArgs(text: string, now: Date, timezone: string): ReportArgs | ReportArgsError {
  const rest = text.trim().replace(/^\/\S+/, '').trim();
  // Join "01.11.2025 - 07.11.2025" into one argument before splitting on spaces.
  const args = rest === '' ? [] : rest.replace(/\s*([-–—])\s*/g, '$1').split(/\s+/);
  const today = calendarDateAt(now, timezone);
  let period: ReportArgs['period'] | undefined;
  let categoryId: number | undefined;

  for (const arg of args) {
    const word = arg.toLowerCase();
    const keyword = KEYWORDS[word];
    const range = RANGE.exec(arg);
    const single = SINGLE.exec(arg);
    if (/^\d{1,6}$/.test(arg)) {
      if (categoryId !== undefined) return { error: 'duplicate_argument', argument: arg };
      categoryId = Number(arg);
      continue;
    }
    if (period !== undefined && (keyword || range || single)) return { error: 'duplicate_argument', argument: arg };
    if (keyword === 'today') period = periodOf('today', today, today, timezone);
    else if (keyword === 'yesterday') period = periodOf('yesterday', addDays(today, -1), addDays(today, -1), timezone);
    else if (keyword === 'week') {
      const monday = addDays(today, 1 - isoWeekday(today));
      period = periodOf('week', monday, addDays(monday, 6), timezone);
    } else if (keyword === 'month') {
      const first = { year: today.year, month: today.month, day: 1 };
      const next = today.month === 12 ? { year: today.year + 1, month: 1, day: 1 } : { year: today.year, month: today.month + 1, day: 1 };
      period = periodOf('month', first, addDays(next, -1), timezone);
    } else if (range) {
      const first = toDate(range[1], range[2], range[3]);
      const last = toDate(range[4], range[5], range[6]);
      if (!first || !last) return { error: 'bad_date', argument: arg };
      const days = daysBetween(first, last) + 1;
      if (days < 1) return { error: 'reversed_range', argument: arg };
      if (days > MAX_REPORT_DAYS) return { error: 'range_too_long', argument: arg };
      period = periodOf('range', first, last, timezone);
    } else if (single) {
      const date = toDate(single[1], single[2], single[3]);
      if (!date) return { error: 'bad_date', argument: arg };
      period = periodOf('range', date, date, timezone);
    } else {
      return { error: 'unknown_argument', argument: arg };
    }
  }

  return { period: period ?? periodOf('today', today, today, timezone), ...(categoryId !== undefined ? { categoryId } : {}) };
}
