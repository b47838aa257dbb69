/**
 * Dates the way a Bitrix24 portal writes them: every datetime in the portal's time zone with its offset
 * ("2024-08-30T12:00:00+03:00"), and "date" user fields with a technical time part (00:00 UTC rendered in the
 * portal zone, "2025-04-29T03:00:00+03:00" in Moscow).
 */

const pad = (n: number, width = 2): string => String(n).padStart(width, '0');

export interface WallTime {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
}

export class PortalTime {
  readonly timezone: string;
  private readonly formatter: Intl.DateTimeFormat;
  /** formatToParts is slow and every row the portal returns formats the same few instants again. */
  private readonly formatted = new Map<number, string>();

  constructor(timezone: string) {
    this.timezone = timezone;
    this.formatter = new Intl.DateTimeFormat('en-US', {
      timeZone: timezone, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit',
      hour: '2-digit', minute: '2-digit', second: '2-digit',
    });
  }

  wallTime(ms: number): WallTime {
    const parts: Record<string, number> = {};
    for (const part of this.formatter.formatToParts(new Date(ms))) {
      if (part.type !== 'literal') parts[part.type] = Number(part.value);
    }
    return {
      year: parts.year ?? 1970, month: parts.month ?? 1, day: parts.day ?? 1,
      hour: parts.hour ?? 0, minute: parts.minute ?? 0, second: parts.second ?? 0,
    };
  }

  /** Offset of the portal zone from UTC at the instant, in minutes (Moscow: 180). */
  offsetMinutes(ms: number): number {
    const w = this.wallTime(ms);
    const asUtc = Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute, w.second);
    return Math.round((asUtc - Math.floor(ms / 1000) * 1000) / 60000);
  }

  /** "2024-08-30T12:00:00+03:00" */
  formatDateTime(ms: number): string {
    const known = this.formatted.get(ms);
    if (known !== undefined) return known;
    if (this.formatted.size >= 50_000) this.formatted.clear();
    const text = this.formatFresh(ms);
    this.formatted.set(ms, text);
    return text;
  }

  private formatFresh(ms: number): string {
    const w = this.wallTime(ms);
    const offset = this.offsetMinutes(ms);
    const sign = offset < 0 ? '-' : '+';
    const abs = Math.abs(offset);
    return `${w.year}-${pad(w.month)}-${pad(w.day)}T${pad(w.hour)}:${pad(w.minute)}:${pad(w.second)}`
      + `${sign}${pad(Math.floor(abs / 60))}:${pad(abs % 60)}`;
  }

  /** A "date" field value as the portal returns it: the date at 00:00 UTC, rendered in the portal zone. */
  formatDate(ymd: string): string {
    const [y, m, d] = ymd.split('-').map(Number) as [number, number, number];
    return this.formatDateTime(Date.UTC(y, m - 1, d));
  }

  /** The calendar date (YYYY-MM-DD) of an instant in the portal zone. */
  dateOf(ms: number): string {
    const w = this.wallTime(ms);
    return `${w.year}-${pad(w.month)}-${pad(w.day)}`;
  }

  /** The instant of a wall-clock time in the portal zone. */
  localToEpoch(year: number, month: number, day: number, hour = 0, minute = 0, second = 0): number {
    const wall = Date.UTC(year, month - 1, day, hour, minute, second);
    let guess = wall - this.offsetMinutes(wall) * 60000;
    guess = wall - this.offsetMinutes(guess) * 60000;
    return guess;
  }

  /**
   * Reads a datetime as the REST API accepts it: ISO 8601 with or without an offset, "YYYY-MM-DD",
   * "YYYY-MM-DD HH:MM:SS", the ru short format "DD.MM.YYYY[ HH:MM[:SS]]", a Date or epoch milliseconds.
   * Values without an offset are portal-local. Returns null when the text is not a date.
   */
  parseDateTime(value: unknown): number | null {
    if (value instanceof Date) return Number.isNaN(value.getTime()) ? null : value.getTime();
    if (typeof value === 'number') return Number.isFinite(value) ? value : null;
    if (typeof value !== 'string') return null;
    const text = value.trim();
    let m = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?)?(Z|[+-]\d{2}:?\d{2})?$/.exec(text);
    if (m) {
      if (m[7]) {
        const parsed = Date.parse(text.replace(' ', 'T'));
        return Number.isNaN(parsed) ? null : parsed;
      }
      return this.checkedLocal(+m[1]!, +m[2]!, +m[3]!, +(m[4] ?? 0), +(m[5] ?? 0), +(m[6] ?? 0));
    }
    m = /^(\d{2})\.(\d{2})\.(\d{4})(?: (\d{2}):(\d{2})(?::(\d{2}))?)?$/.exec(text);
    if (m) return this.checkedLocal(+m[3]!, +m[2]!, +m[1]!, +(m[4] ?? 0), +(m[5] ?? 0), +(m[6] ?? 0));
    return null;
  }

  /** Reads a "date" value: the calendar date in the portal zone (a datetime keeps only its date). */
  parseDate(value: unknown): string | null {
    if (typeof value === 'string') {
      const text = value.trim();
      const iso = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text);
      if (iso) return validYmd(+iso[1]!, +iso[2]!, +iso[3]!);
      const ru = /^(\d{2})\.(\d{2})\.(\d{4})$/.exec(text);
      if (ru) return validYmd(+ru[3]!, +ru[2]!, +ru[1]!);
    }
    const ms = this.parseDateTime(value);
    return ms === null ? null : this.dateOf(ms);
  }

  private checkedLocal(y: number, mo: number, d: number, h: number, mi: number, s: number): number | null {
    if (validYmd(y, mo, d) === null || h > 23 || mi > 59 || s > 59) return null;
    return this.localToEpoch(y, mo, d, h, mi, s);
  }
}

function validYmd(y: number, m: number, d: number): string | null {
  const probe = new Date(Date.UTC(y, m - 1, d));
  if (probe.getUTCFullYear() !== y || probe.getUTCMonth() !== m - 1 || probe.getUTCDate() !== d) return null;
  return `${pad(y, 4)}-${pad(m)}-${pad(d)}`;
}
