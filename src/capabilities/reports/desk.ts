import type { Locale } from '../../i18n/index.js';
import { formatMoney } from '../../rules/deals/index.js';
import { type CountSum, type ManagerReportRow, parseReportArgs } from '../../rules/report/index.js';
import type { ReportBuilder } from './build.js';
import { reportScope } from './scope.js';
import type { DeskReportPeriod, DeskReportView } from './types.js';

/**
 * /report's figures for the deal desk's charts: the same builder, scope and period parser as the chat command
 * (so the page and /report show the same numbers), shaped as rows and a funnel instead of a text table.
 */
export function createReportDesk(builder: ReportBuilder) {
  const { deps, directory, rules, buildForScope, zoneOf } = builder;

  const money = (count: CountSum, locale: Locale) =>
    Object.keys(count.sum).sort().map((currency) => formatMoney(count.sum[currency] ?? 0, currency, locale)).join(' + ') || formatMoney(0, 'RUB', locale);

  async function deskReport(actorId: number, period: DeskReportPeriod, locale: Locale): Promise<DeskReportView | null> {
    const scope = reportScope(await directory.org(), rules.admins, actorId);
    if (!scope) return null;
    const args = parseReportArgs(`/report ${period}`, deps.clock(), await zoneOf(actorId));
    if ('error' in args) return null;
    const built = await buildForScope(scope, args, actorId);
    const row = (r: ManagerReportRow, name: string) => ({
      name, moved: r.forward.count, movedSum: money(r.forward, locale), notMoved: r.idle.count, notMovedSum: money(r.idle, locale),
      lost: r.failed.count, lostSum: money(r.failed, locale),
    });
    return {
      period, label: args.period.label,
      managers: built.report.managers.map((r) => row(r, r.userId ? built.names.get(r.userId) ?? `#${r.userId}` : '—')),
      totals: row(built.report.totals, ''),
      funnels: built.report.categories.map((c) => ({
        pipeline: built.categoryNames.get(c.categoryId) ?? `#${c.categoryId}`,
        stages: c.stages.map((s) => ({ name: built.stageNames.get(`${c.categoryId}|${s.stageId}`) ?? s.stageId, passes: s.passes, deals: s.deals })),
      })),
    };
  }

  return { deskReport };
}
