import { roundMoney } from '../deals/money.js';
import type {
  CategoryReportRow, CountSum, DealMetrics, ManagerReportRow, MoneySums, ReasonCount, Report, ReportDealFacts,
  ReportInput, StageHistoryRow, StageReportRow,
} from './types.js';

/** How many rejection statuses a "failed" cell lists. */
export const TOP_REASONS = 3;

function emptyCountSum(): CountSum {
  return { count: 0, sum: {} };
}

function addMoney(target: MoneySums, currency: string, amount: number): void {
  target[currency] = roundMoney((target[currency] ?? 0) + amount);
}

function addDeal(target: CountSum, deal: ReportDealFacts): void {
  target.count += 1;
  addMoney(target.sum, deal.currency, deal.opportunity);
}

interface MetricsAccumulator {
  forward: CountSum;
  idle: CountSum;
  failed: CountSum;
  reasons: Map<string, number>;
}

function emptyMetrics(): MetricsAccumulator {
  return { forward: emptyCountSum(), idle: emptyCountSum(), failed: emptyCountSum(), reasons: new Map() };
}

/** Reasons are kept under one map: `status:<label>` or `stage:<categoryId>|<stageId>` (no rejection status set). */
function reasonOf(key: string, count: number): ReasonCount {
  if (key.startsWith('stage:')) {
    const [categoryId, stageId] = key.slice(6).split('|') as [string, string];
    return { status: '', count, stage: { categoryId: Number(categoryId), stageId } };
  }
  return { status: key.slice(7), count };
}

function topReasons(reasons: Map<string, number>): ReasonCount[] {
  return [...reasons.entries()]
    .map(([key, count]) => reasonOf(key, count))
    .sort((a, b) => b.count - a.count || a.status.localeCompare(b.status))
    .slice(0, TOP_REASONS);
}

function finishMetrics(acc: MetricsAccumulator): DealMetrics {
  return { forward: acc.forward, idle: acc.idle, failed: { ...acc.failed, topReasons: topReasons(acc.reasons) } };
}

interface ManagerAccumulator extends MetricsAccumulator {
  leadsNew: number;
  leadsConverted: number;
  overdueNudges: number;
}

function emptyManager(): ManagerAccumulator {
  return { ...emptyMetrics(), leadsNew: 0, leadsConverted: 0, overdueNudges: 0 };
}

function finishManager(userId: number | null, acc: ManagerAccumulator): ManagerReportRow {
  return {
    userId, ...finishMetrics(acc), leadsNew: acc.leadsNew, leadsConverted: acc.leadsConverted, overdueNudges: acc.overdueNudges,
  };
}

/** Deal facts of what happened in the period, read off the stage history. */
interface PeriodMoves {
  forward: Set<number>;
  /** Deal id → the failure stage it last entered in the period. */
  failedAt: Map<number, string>;
  /** "category|stage" → deals and pass count. */
  stagePasses: Map<string, { categoryId: number; stageId: string; deals: Set<number>; passes: number }>;
  categoryPasses: Map<number, { deals: Set<number>; passes: number }>;
}

function readHistory(input: ReportInput): PeriodMoves {
  const from = input.period.from.getTime();
  const to = input.period.to.getTime();
  const byDeal = new Map<number, Array<{ row: StageHistoryRow; index: number }>>();
  input.history.forEach((row, index) => {
    const rows = byDeal.get(row.ownerId) ?? [];
    rows.push({ row, index });
    byDeal.set(row.ownerId, rows);
  });

  const moves: PeriodMoves = { forward: new Set(), failedAt: new Map(), stagePasses: new Map(), categoryPasses: new Map() };
  for (const [dealId, rows] of byDeal) {
    // Same-second rows keep their input order (callers list history by ID).
    rows.sort((a, b) => a.row.createdTime.getTime() - b.row.createdTime.getTime() || a.index - b.index);
    rows.forEach(({ row }, i) => {
      const t = row.createdTime.getTime();
      if (t < from || t >= to) return;
      const stageKey = `${row.categoryId}|${row.stageId}`;
      const stage = moves.stagePasses.get(stageKey) ?? { categoryId: row.categoryId, stageId: row.stageId, deals: new Set(), passes: 0 };
      stage.deals.add(dealId);
      stage.passes += 1;
      moves.stagePasses.set(stageKey, stage);
      const category = moves.categoryPasses.get(row.categoryId) ?? { deals: new Set(), passes: 0 };
      category.deals.add(dealId);
      category.passes += 1;
      moves.categoryPasses.set(row.categoryId, category);

      if (row.semantic === 'F') {
        moves.failedAt.set(dealId, row.stageId);
        return;
      }
      const previous = rows[i - 1]?.row;
      // A creation row has no previous stage, and a funnel change is not a step along a funnel.
      if (!previous || previous.categoryId !== row.categoryId) return;
      const order = input.stageOrder(row.categoryId);
      const before = order.indexOf(previous.stageId);
      const after = order.indexOf(row.stageId);
      if (before >= 0 && after > before) moves.forward.add(dealId);
    });
  }
  return moves;
}

/**
 * The sales report for one period: per manager, per pipeline and per stage, with a totals row.
 *
 * - Forward: a deal entered, in the period, a stage later in its pipeline's order than the one it came
 *   from (failure stages never count). Counted once per deal, with its opportunity.
 * - Not moved: deals open now with no forward move in the period.
 * - Failed: deals that entered a failure stage in the period; reasons are their rejection status, or the
 *   failure stage when none is set.
 * - Leads: received in the period (by creation time), and of those the ones converted by now.
 * Deals are credited to their current manager and current pipeline; sums are kept per currency.
 */
export function buildReport(input: ReportInput): Report {
  const moves = readHistory(input);
  const listed = new Set(input.managers);
  const rows = new Map<number, ManagerAccumulator>(input.managers.map((id) => [id, emptyManager()]));
  const others = emptyManager();
  let othersUsed = false;
  const totals = emptyManager();
  const forManager = (userId: number): ManagerAccumulator[] => {
    if (listed.has(userId)) return [rows.get(userId) ?? emptyManager(), totals];
    othersUsed = true;
    return [others, totals];
  };
  const categories = new Map<number, MetricsAccumulator>();
  const forCategory = (categoryId: number): MetricsAccumulator => {
    const acc = categories.get(categoryId) ?? emptyMetrics();
    categories.set(categoryId, acc);
    return acc;
  };

  for (const deal of input.deals) {
    const movedForward = moves.forward.has(deal.id);
    const failedStage = moves.failedAt.get(deal.id);
    // A closed deal that did nothing in the period is not in the report at all.
    if (!movedForward && failedStage === undefined && deal.semantic !== 'P') continue;
    const targets: MetricsAccumulator[] = [...forManager(deal.assignedById), forCategory(deal.categoryId)];
    for (const acc of targets) {
      if (movedForward) addDeal(acc.forward, deal);
      else if (deal.semantic === 'P') addDeal(acc.idle, deal);
      if (failedStage !== undefined) {
        addDeal(acc.failed, deal);
        // A deal reopened since has no current rejection status: name the stage it failed at.
        const status = deal.semantic === 'F' ? deal.rejectStatus?.trim() : undefined;
        const reason = status ? `status:${status}` : `stage:${deal.categoryId}|${failedStage}`;
        acc.reasons.set(reason, (acc.reasons.get(reason) ?? 0) + 1);
      }
    }
  }

  const from = input.period.from.getTime();
  const to = input.period.to.getTime();
  for (const lead of input.leads) {
    const t = lead.createdTime.getTime();
    if (t < from || t >= to) continue;
    for (const acc of forManager(lead.assignedById)) {
      acc.leadsNew += 1;
      if (lead.converted) acc.leadsConverted += 1;
    }
  }

  for (const [key, count] of Object.entries(input.overdueNudges)) {
    if (count <= 0) continue;
    for (const acc of forManager(Number(key))) acc.overdueNudges += count;
  }

  const categoryIds = new Set<number>([...categories.keys(), ...moves.categoryPasses.keys()]);
  const categoryRows: CategoryReportRow[] = [...categoryIds].sort((a, b) => a - b).map((categoryId) => {
    const order = input.stageOrder(categoryId);
    const position = (stageId: string): number => {
      const i = order.indexOf(stageId);
      return i >= 0 ? i : order.length;
    };
    const stages: StageReportRow[] = [...moves.stagePasses.values()]
      .filter((s) => s.categoryId === categoryId)
      .sort((a, b) => position(a.stageId) - position(b.stageId) || a.stageId.localeCompare(b.stageId))
      .map((s) => ({ categoryId, stageId: s.stageId, deals: s.deals.size, passes: s.passes }));
    const passes = moves.categoryPasses.get(categoryId);
    return {
      categoryId, ...finishMetrics(categories.get(categoryId) ?? emptyMetrics()),
      deals: passes?.deals.size ?? 0, passes: passes?.passes ?? 0, stages,
    };
  });

  return {
    period: input.period,
    managers: input.managers.map((id) => finishManager(id, rows.get(id) ?? emptyManager())),
    ...(othersUsed ? { others: finishManager(null, others) } : {}),
    totals: finishManager(null, totals),
    categories: categoryRows,
  };
}
