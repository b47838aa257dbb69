import type { Locale } from '../../i18n/index.js';
import { buildReport, type ReportArgs } from '../../rules/report/index.js';
import type { CapabilityDeps } from '../capability.js';
import { type GatheredReportData, gatherReportData } from './gather.js';
import { renderReportParts } from './messages.js';
import { createOpenDealsIndex } from './open-deals-index.js';
import { type ReportScope, reportScope } from './scope.js';
import { type BuiltReport, narrowTo, overdueNudgesKey } from './types.js';

/**
 * Building a report for a scope: the deals gathered (through the open-deals index), the names, the person's zone.
 */
export type ReportBuilder = ReturnType<typeof createReportBuilder>;

export function createReportBuilder(deps: CapabilityDeps) {
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

  return { deps, config, crm, directory, log, rules, timezone, calendar, openDealsIndex, gather, build, buildFor, buildForScope, zoneOf };
}
