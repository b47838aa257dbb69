import type { ChatMessage } from '../../chat/message.js';
import type { Locale } from '../../i18n/index.js';
import type { Report, ReportArgs } from '../../rules/report/index.js';
import type { CalendarDate } from '../../rules/time/index.js';
import type { Capability } from '../capability.js';
import type { GatheredReportData } from './gather.js';
import type { OpenDealsIndex } from './open-deals-index.js';
import type { ReportScope } from './scope.js';

export const REPORTS_QUEUE = 'reports';
export const DIGEST_JOB = 'digest';
export const DIGEST_KIND = 'report.digest';

/** Periods offered as buttons; with a pipeline the key is `<period>_c<id>` (fits the codec's `key`). */
export const PERIOD_KEYS = ['today', 'yesterday', 'week', 'month'] as const;
export type PeriodKey = (typeof PERIOD_KEYS)[number];

/**
 * Redis hash of overdue (unanswered) nudges per Bitrix24 user id, under the app prefix. The deals
 * capability owns the counts (HINCRBY when a nudge goes unanswered past its deadline, HINCRBY -1 / HDEL
 * when it is answered); the report only reads them.
 */
export function overdueNudgesKey(prefix: string): string {
  return `${prefix}:reports:overdue-nudges`;
}

export interface BuiltReport {
  report: Report;
  scope: ReportScope;
  args: ReportArgs;
  /** Portal requests the data cost. */
  requests: number;
  /** Rendered parts, both languages each. */
  parts: Array<Record<Locale, string>>;
}

export interface DigestResult {
  /** Supervisors a digest was built for. */
  recipients: number[];
  /** Outbox intents accepted (duplicates of an earlier run the same day are not counted). */
  queued: number;
  skipped?: 'not_a_working_day';
}

export type DeskReportPeriod = 'today' | 'yesterday' | 'week' | 'month';

/** One row of the desk's report: moved forward / not moved / lost, counts and sums. */
export interface DeskReportRow {
  name: string;
  moved: number;
  movedSum: string;
  notMoved: number;
  notMovedSum: string;
  lost: number;
  lostSum: string;
}

export interface DeskReportView {
  period: DeskReportPeriod;
  /** The period as /report heads it ("03.11.2025–09.11.2025"). */
  label: string;
  managers: DeskReportRow[];
  totals: DeskReportRow;
  /** Stage passes per pipeline in funnel order. */
  funnels: Array<{ pipeline: string; stages: Array<{ name: string; passes: number; deals: number }> }>;
}

export interface ReportsCapability extends Capability {
  /** /report's figures shaped for the deal desk's charts (null: not a directory user). */
  deskReport(actorId: number, period: DeskReportPeriod, locale: Locale): Promise<DeskReportView | null>;
  /** Open deals kept in Redis for "did not move" (see open-deals-index.ts). */
  readonly openDealsIndex: OpenDealsIndex;
  /** `/report …` typed by `actorId`: the report (or an explanation) as chat messages, period buttons on the last. */
  reportCommand(actorId: number, text: string, locale: Locale): Promise<ChatMessage[]>;
  /** A period button (`report.period` key); null when the key is not one this capability issues. */
  reportForKey(actorId: number, key: string, locale: Locale): Promise<ChatMessage[] | null>;
  /** The report `actorId` may see for `args` (null: not a directory user). */
  buildFor(actorId: number, args: ReportArgs): Promise<BuiltReport | null>;
  /** Sends each supervisor their department's report since the previous working day, through the outbox. */
  runDigest(now?: Date): Promise<DigestResult>;
}

/** The part of an everyone-report's data about `managers`' deals and leads (history: of those deals only). */
export function narrowTo(data: GatheredReportData, managers: number[] | 'all'): GatheredReportData {
  if (managers === 'all') return data;
  const wanted = new Set(managers);
  const deals = data.deals.filter((d) => wanted.has(d.assignedById));
  const ids = new Set(deals.map((d) => d.id));
  return {
    deals,
    history: data.history.filter((h) => ids.has(h.ownerId)),
    leads: data.leads.filter((l) => wanted.has(l.assignedById)),
    requests: 0,
  };
}

export function parsePeriodKey(key: string): { period: PeriodKey; categoryId?: number } | null {
  const match = /^(today|yesterday|week|month)(?:_c(\d{1,6}))?$/.exec(key);
  if (!match) return null;
  return { period: match[1] as PeriodKey, ...(match[2] !== undefined ? { categoryId: Number(match[2]) } : {}) };
}

export function periodKey(period: PeriodKey, categoryId?: number): string {
  return categoryId === undefined ? period : `${period}_c${categoryId}`;
}

export function formatDay(date: CalendarDate): string {
  return `${String(date.day).padStart(2, '0')}.${String(date.month).padStart(2, '0')}.${date.year}`;
}
