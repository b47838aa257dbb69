import { encodeCallback } from '../../chat/callback-codec.js';
import { actionButton, type Button, type ChatMessage } from '../../chat/message.js';
import type { Locale } from '../../i18n/index.js';
import { subordinatesOf } from '../../identity/org.js';
import type { NotificationIntent } from '../../outbox/types.js';
import {
  buildReport, MAX_REPORT_DAYS, parseReportArgs, type Report, type ReportArgs, type ReportPeriodKind,
} from '../../rules/report/index.js';
import { addDays, type CalendarDate, calendarDateAt, instantAt, isWorkingDay, toIso } from '../../rules/time/index.js';
import type { Capability, CapabilityDeps } from '../capability.js';
import { type GatheredReportData, gatherReportData } from './gather.js';
import { renderReportParts } from './messages.js';
import { createOpenDealsIndex, type OpenDealsIndex } from './open-deals-index.js';
import { digestRecipients, type ReportScope, reportScope } from './scope.js';
import { REPORT_TEXTS } from './texts.js';

export { type GatheredReportData, type GatherOptions, gatherReportData } from './gather.js';
export { renderReportParts } from './messages.js';
export { digestRecipients, type ReportScope, reportScope } from './scope.js';

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

export interface ReportsCapability extends Capability {
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

function formatDay(date: CalendarDate): string {
  return `${String(date.day).padStart(2, '0')}.${String(date.month).padStart(2, '0')}.${date.year}`;
}

export function createReportsCapability(deps: CapabilityDeps): ReportsCapability {
  const { config, crm, directory, log } = deps;
  const rules = config.rules;
  const timezone = crm.timezone;
  const calendar = { days: rules.workingHours.days, holidays: rules.workingHours.holidays };

  const rejectionLabels = new Map<string, string>();
  for (const group of rules.rejectionReasons) {
    rejectionLabels.set(group.id, group.label.ru);
    for (const reason of group.reasons) rejectionLabels.set(reason.id, reason.label.ru);
  }

  async function overdueNudges(): Promise<Record<number, number>> {
    const raw = await deps.redis.hgetall(overdueNudgesKey(deps.prefix));
    const out: Record<number, number> = {};
    for (const [user, count] of Object.entries(raw)) {
      const id = Number(user);
      const n = Number(count);
      if (Number.isInteger(id) && Number.isFinite(n) && n > 0) out[id] = n;
    }
    return out;
  }

  async function names(ids: number[]): Promise<Map<number, string>> {
    const out = new Map<number, string>();
    for (const id of ids) {
      const user = await directory.user(id);
      out.set(id, user?.name?.trim() || `#${id}`);
    }
    return out;
  }

  const openDealsIndex = createOpenDealsIndex({ crm, redis: deps.redis, prefix: deps.prefix });

  async function gather(managers: number[] | 'all', args: ReportArgs): Promise<GatheredReportData> {
    // The index answers "which deals are open" from Redis once built; until then the portal is listed.
    const indexed = await openDealsIndex.openDeals({
      createdBefore: args.period.to, managers, ...(args.categoryId !== undefined ? { categoryId: args.categoryId } : {}),
    }).catch((error: unknown) => {
      log.warn({ err: error }, 'report: the open-deals index failed; reading open deals from the portal');
      return null;
    });
    const data = await gatherReportData(crm, {
      ...(indexed ? { openDeals: indexed.deals } : {}),
      period: args.period,
      ...(args.categoryId !== undefined ? { categoryId: args.categoryId } : {}),
      managers,
      ...(rules.fields.rejectionStatus ? { rejectionStatusField: rules.fields.rejectionStatus } : {}),
      rejectionLabel: (value) => rejectionLabels.get(value) ?? value,
    });
    return indexed ? { ...data, requests: data.requests + indexed.requests } : data;
  }

  async function buildForScope(scope: ReportScope, args: ReportArgs, actorId: number | null, gathered?: GatheredReportData): Promise<Omit<BuiltReport, 'parts' | 'scope' | 'args'> & { names: Map<number, string>; stageOrder: Map<number, string[]>; stageNames: Map<string, string>; categoryNames: Map<number, string> }> {
    const data = gathered ? narrowTo(gathered, scope.managers) : await gather(scope.managers, args);
    const categories = await crm.getCategories();
    const stageOrder = new Map<number, string[]>();
    const stageNames = new Map<string, string>();
    const categoryNames = new Map<number, string>();
    for (const category of categories) {
      categoryNames.set(category.id, category.name);
      const stages = await crm.getDealStages(category.id);
      stageOrder.set(category.id, stages.map((s) => s.statusId));
      for (const s of stages) stageNames.set(`${category.id}|${s.statusId}`, s.name);
    }
    const nudges = await overdueNudges();
    const inScope = scope.managers === 'all' ? null : new Set(scope.managers);
    const scopedNudges = Object.fromEntries(Object.entries(nudges).filter(([id]) => !inScope || inScope.has(Number(id))));

    // Rows: everyone in scope who is active, plus anyone with figures (an inactive manager's open deals).
    const org = await directory.org();
    const withData = new Set<number>([
      ...data.deals.map((d) => d.assignedById), ...data.leads.map((l) => l.assignedById), ...Object.keys(scopedNudges).map(Number),
    ]);
    const candidates = scope.managers === 'all' ? [...withData] : scope.managers.filter((id) => withData.has(id) || org.users.get(id)?.active);
    const userNames = await names(candidates);
    const managers = candidates.sort((a, b) => {
      if (a === actorId) return -1;
      if (b === actorId) return 1;
      return (userNames.get(a) ?? '').localeCompare(userNames.get(b) ?? '', 'ru') || a - b;
    });
    const report = buildReport({
      period: args.period,
      deals: data.deals,
      history: data.history,
      leads: data.leads,
      stageOrder: (categoryId) => stageOrder.get(categoryId) ?? [],
      overdueNudges: scopedNudges,
      managers,
    });
    return { report, requests: data.requests, names: userNames, stageOrder, stageNames, categoryNames };
  }

  /** The asker's zone: "today" and the header follow it (the digest, asked by nobody, uses the portal's). */
  async function zoneOf(actorId: number | null): Promise<string> {
    if (actorId === null || !deps.timezoneOf) return timezone;
    return (await deps.timezoneOf(actorId).catch(() => null))?.zone ?? timezone;
  }

  async function build(scope: ReportScope, args: ReportArgs, actorId: number | null, prefix?: Record<Locale, string>, gathered?: GatheredReportData): Promise<BuiltReport> {
    const built = await buildForScope(scope, args, actorId, gathered);
    const common = {
      timezone: await zoneOf(actorId),
      periodLabel: args.period.label,
      userName: (id: number) => built.names.get(id) ?? `#${id}`,
      categoryName: (id: number) => built.categoryNames.get(id) ?? `#${id}`,
      stageName: (categoryId: number, stageId: string) => built.stageNames.get(`${categoryId}|${stageId}`),
    };
    const parts = renderReportParts(built.report, { ru: common, en: common }, prefix ? { prefix } : {});
    return { report: built.report, scope, args, requests: built.requests, parts };
  }

  async function buildFor(actorId: number, args: ReportArgs): Promise<BuiltReport | null> {
    const scope = reportScope(await directory.org(), rules.admins, actorId);
    if (!scope) return null;
    return build(scope, args, actorId);
  }

  function periodButtons(locale: Locale, categoryId: number | undefined): Button[][] {
    const labels = REPORT_TEXTS[locale].periodButtons;
    return [PERIOD_KEYS.map((p) => actionButton(labels[p], encodeCallback('report.period', periodKey(p, categoryId))))];
  }

  async function respond(actorId: number, args: ReportArgs, locale: Locale): Promise<ChatMessage[]> {
    const texts = REPORT_TEXTS[locale];
    if (args.categoryId !== undefined) {
      const categories = await crm.getCategories();
      if (!categories.some((c) => c.id === args.categoryId)) return [{ text: texts.unknownPipeline(args.categoryId) }];
    }
    let built: BuiltReport | null;
    try {
      built = await buildFor(actorId, args);
    } catch (error) {
      log.warn({ err: error, actorId }, 'report failed');
      return [{ text: texts.failed }];
    }
    if (!built) return [{ text: texts.noScope }];
    log.info({ actorId, role: built.scope.role, period: args.period.label, requests: built.requests }, 'report built');
    const messages: ChatMessage[] = built.parts.map((part) => ({ text: part[locale] }));
    const last = messages[messages.length - 1];
    if (last) last.buttons = periodButtons(locale, args.categoryId);
    return messages;
  }

  async function reportCommand(actorId: number, text: string, locale: Locale): Promise<ChatMessage[]> {
    const texts = REPORT_TEXTS[locale];
    const parsed = parseReportArgs(text, deps.clock(), await zoneOf(actorId));
    if ('error' in parsed) {
      const message = parsed.error === 'bad_date' ? texts.badDate(parsed.argument)
        : parsed.error === 'reversed_range' ? texts.reversedRange(parsed.argument)
          : parsed.error === 'range_too_long' ? texts.rangeTooLong(parsed.argument, MAX_REPORT_DAYS)
            : parsed.error === 'duplicate_argument' ? texts.duplicateArgument(parsed.argument)
              : texts.badArgument(parsed.argument);
      return [{ text: message }];
    }
    return respond(actorId, parsed, locale);
  }

  async function reportForKey(actorId: number, key: string, locale: Locale): Promise<ChatMessage[] | null> {
    const parsedKey = parsePeriodKey(key);
    if (!parsedKey) return null;
    // Built through the same parser as the command, so a button and "/report week 1" are one report.
    const parsed = parseReportArgs(`/report ${parsedKey.period}${parsedKey.categoryId !== undefined ? ` ${parsedKey.categoryId}` : ''}`, deps.clock(), await zoneOf(actorId));
    if ('error' in parsed) return null;
    return respond(actorId, parsed, locale);
  }

  /** From the previous working day's start to today's start: on Monday that covers Friday and the weekend. */
  function digestArgs(today: CalendarDate): ReportArgs {
    let first = addDays(today, -1);
    for (let i = 0; i < 31 && !isWorkingDay(first, calendar); i += 1) first = addDays(first, -1);
    const last = addDays(today, -1);
    const label = first.year === last.year && first.month === last.month && first.day === last.day
      ? formatDay(first) : `${formatDay(first)}–${formatDay(last)}`;
    const kind: ReportPeriodKind = label.includes('–') ? 'range' : 'yesterday';
    return { period: { kind, label, from: instantAt(first, 0, timezone), to: instantAt(today, 0, timezone) } };
  }

  async function runDigest(now: Date = deps.clock()): Promise<DigestResult> {
    const today = calendarDateAt(now, timezone);
    if (!isWorkingDay(today, calendar)) return { recipients: [], queued: 0, skipped: 'not_a_working_day' };
    const org = await directory.org();
    const recipients = digestRecipients(org);
    const args = digestArgs(today);
    // One gathering for every department: each supervisor's report is a slice of it, so the portal cost does
    // not grow with the number of supervisors.
    const everything = recipients.length > 0 ? await gather('all', args) : undefined;
    let queued = 0;
    for (const supervisor of recipients) {
      const scope = reportScope(org, rules.admins, supervisor);
      if (!scope || scope.role === 'manager') continue;
      // The digest is about the supervisor's department, even for an admin who heads one.
      const department: ReportScope = { role: 'supervisor', managers: scope.role === 'admin'
        ? [supervisor, ...subordinatesOf(org, supervisor)] : scope.managers };
      const prefix = { ru: REPORT_TEXTS.ru.digestTitle(args.period.label), en: REPORT_TEXTS.en.digestTitle(args.period.label) };
      const built = await build(department, args, supervisor, prefix, everything);
      const intents: NotificationIntent[] = built.parts.map((part, index) => ({
        recipient: supervisor,
        kind: DIGEST_KIND,
        entity: { type: 'report', id: supervisor },
        // One digest per supervisor per day: the same key on a retry or a second scheduler tick is dropped.
        key: `${DIGEST_KIND}:${toIso(today)}:${index + 1}`,
        message: { ru: { text: part.ru }, en: { text: part.en } },
      }));
      const results = await deps.outbox.enqueueMany(intents);
      queued += results.filter((r) => r === 'queued').length;
      log.info({ supervisor, parts: intents.length }, 'report digest queued');
    }
    log.info({ recipients: recipients.length, queued, requests: everything?.requests ?? 0 }, 'report digest done');
    return { recipients, queued };
  }

  return {
    name: 'reports',
    jobs: [{
      queue: REPORTS_QUEUE,
      name: DIGEST_JOB,
      schedule: rules.schedules.reportDigest,
      async process() {
        return runDigest();
      },
    }, {
      // Keeps the open-deals index current between reports (a report also refreshes it before reading).
      queue: REPORTS_QUEUE,
      name: 'open-deals-index',
      schedule: '*/5 * * * *',
      process: () => openDealsIndex.refresh(),
    }],
    openDealsIndex,
    reportCommand,
    reportForKey,
    buildFor,
    runDigest,
  };
}
