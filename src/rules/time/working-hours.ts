/**
 * Windows of time on the wall clock of a time zone: when a message may be delivered (outside quiet hours,
 * on working days) and when a deadline counted in working hours falls. All wall times are converted to
 * instants day by day, so a DST change shortens or lengthens the night, never shifts the window.
 */
import { addDays, type CalendarDate, calendarDateAt, instantAt } from './calendar-date.js';
import { isWorkingDay } from './working-days.js';

const MINUTES_PER_DAY = 24 * 60;
/** Ten years without a single allowed minute can only be a configuration error. */
const MAX_DAYS_SEARCHED = 3660;

/** "09:30" → 570. Accepts 00:00 … 23:59 and "24:00" (end of day). */
export function parseHhmm(value: string): number {
  const match = /^(\d{1,2}):(\d{2})$/.exec(value.trim());
  const hours = match ? Number(match[1]) : NaN;
  const minutes = match ? Number(match[2]) : NaN;
  const total = hours * 60 + minutes;
  if (!(minutes < 60 && total >= 0 && total <= MINUTES_PER_DAY)) {
    throw new RangeError(`expected a time as HH:MM, got "${value}"`);
  }
  return total;
}

type MinuteSpan = readonly [start: number, end: number];

function ensureSomeWorkingDay(days: readonly number[]): void {
  if (!days.some((d) => Number.isInteger(d) && d >= 1 && d <= 7)) {
    throw new RangeError('at least one working day (ISO weekday 1 … 7) is required');
  }
}

/**
 * Walks the allowed windows (as instants) from the day `from` falls on, returning the first value `visit`
 * produces. `spansOf` gives a working day's windows in minutes of the day, in order.
 */
function walkWindows<T>(
  from: Date,
  timeZone: string,
  calendar: { days: readonly number[]; holidays: readonly string[] },
  spans: readonly MinuteSpan[],
  visit: (windowStart: Date, windowEnd: Date) => T | undefined,
): T {
  ensureSomeWorkingDay(calendar.days);
  let date: CalendarDate = calendarDateAt(from, timeZone);
  for (let i = 0; i < MAX_DAYS_SEARCHED; i++, date = addDays(date, 1)) {
    if (!isWorkingDay(date, calendar)) continue;
    for (const [start, end] of spans) {
      const result = visit(instantAt(date, start, timeZone), instantAt(date, end, timeZone));
      if (result !== undefined) return result;
    }
  }
  throw new RangeError(`no allowed time within ${MAX_DAYS_SEARCHED} days: check working days, hours and holidays`);
}

export interface DeliveryWindow {
  /** The recipient's IANA time zone. */
  timezone: string;
  /** Quiet hours, wall clock: may cross midnight ("20:00"–"09:00"). Equal values mean no quiet hours. */
  quietStart: string;
  quietEnd: string;
  /** ISO weekdays on which messages may be delivered: 1 = Monday … 7 = Sunday. */
  workingDays: readonly number[];
  /** Days off, "YYYY-MM-DD" in `timezone`. */
  holidays: readonly string[];
}

/** The parts of a day outside quiet hours. */
function spansOutsideQuietHours(quietStart: number, quietEnd: number): MinuteSpan[] {
  if (quietStart === quietEnd) return [[0, MINUTES_PER_DAY]];
  if (quietStart > quietEnd) return [[quietEnd, quietStart]];
  return ([[0, quietStart], [quietEnd, MINUTES_PER_DAY]] as MinuteSpan[]).filter(([a, b]) => b > a);
}

/**
 * `now` when a message may be delivered now, otherwise the start of the next allowed window: outside quiet
 * hours, on a working day that is not a holiday, all on the recipient's wall clock.
 */
export function nextDeliveryTime(now: Date, window: DeliveryWindow): Date {
  const spans = spansOutsideQuietHours(parseHhmm(window.quietStart), parseHhmm(window.quietEnd));
  const calendar = { days: window.workingDays, holidays: window.holidays };
  return walkWindows(now, window.timezone, calendar, spans, (start, end) => {
    if (now.getTime() < start.getTime()) return start;
    if (now.getTime() < end.getTime()) return now;
    return undefined;
  });
}

/** Whether `now` falls in an allowed delivery window. */
export function isDeliveryAllowed(now: Date, window: DeliveryWindow): boolean {
  return nextDeliveryTime(now, window).getTime() === now.getTime();
}

export interface WorkingHours {
  timezone: string;
  /** Start and end of the working day, wall clock, start before end ("09:00", "18:00"). */
  start: string;
  end: string;
  /** ISO weekdays that are working days. */
  days: readonly number[];
  /** Days off, "YYYY-MM-DD" in `timezone`. */
  holidays: readonly string[];
}

/**
 * The moment `hours` working hours after `from`: time outside working hours does not count. Starting at
 * 17:00 with 2 hours and a 09:00–18:00 day gives 10:00 of the next working day. A deadline that uses up a
 * day exactly ends at that day's closing time, not at the next opening. With 0 hours: `from` itself inside
 * working hours, otherwise the next opening.
 */
export function addWorkingHours(from: Date, hours: number, workingHours: WorkingHours): Date {
  if (!Number.isFinite(hours) || hours < 0) throw new RangeError(`hours must be a finite number ≥ 0, got ${hours}`);
  const dayStart = parseHhmm(workingHours.start);
  const dayEnd = parseHhmm(workingHours.end);
  if (dayStart >= dayEnd) {
    throw new RangeError(`working hours must start before they end, got ${workingHours.start}–${workingHours.end}`);
  }
  let remainingMs = Math.round(hours * 3_600_000);
  return walkWindows(from, workingHours.timezone, workingHours, [[dayStart, dayEnd]], (start, end) => {
    const begin = Math.max(start.getTime(), from.getTime());
    const available = end.getTime() - begin;
    if (available < 0) return undefined;
    if (remainingMs <= available) return new Date(begin + remainingMs);
    remainingMs -= available;
    return undefined;
  });
}
