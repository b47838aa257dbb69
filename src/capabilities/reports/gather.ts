import { createEntitySchemas } from '../../crm/entities.js';
import type { CrmGateway, StageSemantic as CrmSemantic, Deal, Lead, StageHistoryEntry } from '../../crm/index.js';
import { formatPortalDateTime } from '../../crm/index.js';
import type {
  ReportDealFacts, ReportLeadFacts, ReportPeriod, StageHistoryRow, StageSemantic,
} from '../../rules/report/index.js';
import type { IndexedDeal } from './open-deals-index.js';

/**
 * Reads what a report needs with few requests: server-side filters on the period, keyset `start: -1`
 * paging with up to 50 pages (2,500 rows) per batch request, and no request per deal.
 *
 * 1. stage history rows inside the period (CREATED_TIME filter) → which deals moved;
 * 2. open deals now (STAGE_SEMANTIC_ID P) and closed deals modified since the period began (a stage move
 *    sets DATE_MODIFY, so every deal closed by a move in the period is among them) — scoped server-side by
 *    ASSIGNED_BY_ID when the reader sees only some managers;
 * 3. for deals whose first move in the period was not their creation, the last history row before the
 *    period (the stage they came from): 10 deals per sub-command, 50 sub-commands per batch request;
 * 4. leads created in the period.
 */
export interface GatherOptions {
  period: ReportPeriod;
  /** Only this pipeline. */
  categoryId?: number;
  /** Responsible managers to read; 'all' reads everyone's. */
  managers: number[] | 'all';
  /** Deal user field holding the rejection status. */
  rejectionStatusField?: string;
  /** Rejection status id → readable label. */
  rejectionLabel?: (value: string) => string;
  /** The open deals in scope, from the index (open-deals-index.ts): the portal's open deals are then not listed. */
  openDeals?: readonly IndexedDeal[];
}

export interface GatheredReportData {
  deals: ReportDealFacts[];
  history: StageHistoryRow[];
  leads: ReportLeadFacts[];
  /** Portal requests this gathering made. */
  requests: number;
}

const DEAL_SELECT = ['ID', 'ASSIGNED_BY_ID', 'CATEGORY_ID', 'STAGE_ID', 'STAGE_SEMANTIC_ID', 'OPPORTUNITY', 'CURRENCY_ID'];
const HISTORY_SELECT = ['ID', 'TYPE_ID', 'OWNER_ID', 'CREATED_TIME', 'CATEGORY_ID', 'STAGE_ID', 'STAGE_SEMANTIC_ID'];
const LEAD_SELECT = ['ID', 'ASSIGNED_BY_ID', 'DATE_CREATE', 'STATUS_ID', 'STATUS_SEMANTIC_ID'];
/** Deals per "previous row" sub-command: 10 deals' last rows nearly always fit one 50-row page. */
const PRIOR_CHUNK = 10;
const PRIOR_COMMANDS_PER_BATCH = 50;
const PAGE_ROWS = 50;
const DEFAULT_CURRENCY = 'RUB';

export function semanticLetter(semantic: CrmSemantic | null | undefined): StageSemantic {
  return semantic === 'success' ? 'S' : semantic === 'failure' ? 'F' : 'P';
}

function historyRow(entry: StageHistoryEntry): StageHistoryRow {
  return {
    ownerId: entry.ownerId, stageId: entry.stageId, categoryId: entry.categoryId ?? 0, createdTime: entry.createdAt,
    semantic: semanticLetter(entry.stageSemantic),
  };
}

function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

export async function gatherReportData(crm: CrmGateway, options: GatherOptions): Promise<GatheredReportData> {
  const startedRequests = crm.stats().requests;
  const tz = crm.timezone;
  const from = formatPortalDateTime(options.period.from, tz);
  const to = formatPortalDateTime(options.period.to, tz);
  const scoped = options.managers === 'all' ? {} : { ASSIGNED_BY_ID: options.managers };
  const category = options.categoryId === undefined ? {} : { CATEGORY_ID: options.categoryId };
  if (options.managers !== 'all' && options.managers.length === 0) return { deals: [], history: [], leads: [], requests: 0 };

  // 1. Moves in the period (every manager's: history has no responsible field; filtered to known deals below).
  const entries: StageHistoryEntry[] = [];
  for await (const page of crm.listAll('dealStageHistory', {
    filter: { '>=CREATED_TIME': from, '<CREATED_TIME': to, ...category }, select: HISTORY_SELECT,
  })) entries.push(...page.items);

  // 2. Deals: open now, and closed ones touched since the period began.
  const rejectField = options.rejectionStatusField;
  const dealSelect = rejectField ? [...DEAL_SELECT, rejectField] : DEAL_SELECT;
  const deals = new Map<number, Deal>();
  for (const deal of options.openDeals ?? []) {
    deals.set(deal.id, {
      id: deal.id, assignedById: deal.assignedById, categoryId: deal.categoryId, stageId: deal.stageId, stageSemantic: 'process',
      opportunity: deal.opportunity, currencyId: deal.currency, fields: {},
    });
  }
  for (const semantic of options.openDeals ? [['S', 'F']] : [['P'], ['S', 'F']]) {
    // A deal created after the period did not exist in it (a report on last week must not list today's deals).
    const filter: Record<string, unknown> = {
      STAGE_SEMANTIC_ID: semantic.length === 1 ? semantic[0] : semantic, '<DATE_CREATE': to, ...scoped, ...category,
    };
    if (semantic.length > 1) filter['>=DATE_MODIFY'] = from;
    for await (const page of crm.listAll('deal', { filter, select: dealSelect })) {
      for (const deal of page.items) deals.set(deal.id, deal);
    }
  }

  const inPeriod = entries.filter((e) => deals.has(e.ownerId)).sort((a, b) => a.id - b.id);
  // 3. The stage each moved deal came from, unless its first row in the period is its creation or a loss
  //    (a loss is never a forward move, and later rows' predecessor is inside the period).
  const firstRow = new Map<number, StageHistoryEntry>();
  for (const e of inPeriod) {
    const seen = firstRow.get(e.ownerId);
    if (!seen || e.createdAt.getTime() < seen.createdAt.getTime()) firstRow.set(e.ownerId, e);
  }
  const needPrior = [...firstRow.values()]
    .filter((e) => e.typeId !== 1 && semanticLetter(e.stageSemantic) !== 'F')
    .map((e) => e.ownerId)
    .sort((a, b) => a - b);
  const prior = await lastRowsBefore(crm, needPrior, from);

  // 4. Leads received in the period.
  const leads: Lead[] = [];
  for await (const page of crm.listAll('lead', {
    filter: { '>=DATE_CREATE': from, '<DATE_CREATE': to, ...scoped }, select: LEAD_SELECT,
  })) leads.push(...page.items);

  const label = options.rejectionLabel ?? ((v: string) => v);
  return {
    deals: [...deals.values()].map((deal) => {
      const raw = rejectField ? deal.fields[rejectField] : undefined;
      const reject = typeof raw === 'string' && raw.trim() !== '' ? label(raw.trim()) : typeof raw === 'number' ? label(String(raw)) : null;
      return {
        id: deal.id,
        assignedById: deal.assignedById ?? 0,
        categoryId: deal.categoryId ?? 0,
        stageId: deal.stageId ?? '',
        semantic: semanticLetter(deal.stageSemantic),
        opportunity: deal.opportunity ?? 0,
        currency: deal.currencyId || DEFAULT_CURRENCY,
        rejectStatus: reject,
      };
    }),
    // Prior rows first: same-instant ties keep input order, and they are older anyway.
    history: [...prior, ...inPeriod].map(historyRow),
    leads: leads.map((lead) => ({
      id: lead.id,
      assignedById: lead.assignedById ?? 0,
      createdTime: lead.createdAt ?? new Date(0),
      statusId: lead.statusId ?? '',
      converted: lead.statusSemantic === 'success',
    })),
    requests: crm.stats().requests - startedRequests,
  };
}

/**
 * The last stage history row before `before` for each deal: sub-commands newest-first over 10 deals each,
 * 50 per batch request. A full page that misses a deal (a very long history) is asked again for that deal alone.
 */
async function lastRowsBefore(crm: CrmGateway, dealIds: number[], before: string): Promise<StageHistoryEntry[]> {
  const schema = createEntitySchemas(crm.timezone).dealStageHistory;
  const found = new Map<number, StageHistoryEntry>();
  let pending: number[][] = chunks(dealIds, PRIOR_CHUNK);
  while (pending.length > 0) {
    const retry: number[][] = [];
    for (const group of chunks(pending, PRIOR_COMMANDS_PER_BATCH)) {
      const commands = Object.fromEntries(group.map((ids, i) => [`h${i}`, ['crm.stagehistory.list', {
        entityTypeId: 2,
        filter: { OWNER_ID: ids, '<CREATED_TIME': before },
        order: { ID: 'DESC' },
        select: HISTORY_SELECT,
        start: -1,
      }] as [string, Record<string, unknown>]]));
      const results = await crm.batchStrict(commands);
      group.forEach((ids, i) => {
        const result = results[`h${i}`] as { items?: unknown[] } | undefined;
        const rows = Array.isArray(result?.items) ? result.items : [];
        for (const raw of rows) {
          const parsed = schema.safeParse(raw);
          if (!parsed.success) continue;
          if (!found.has(parsed.data.ownerId)) found.set(parsed.data.ownerId, parsed.data);
        }
        if (rows.length >= PAGE_ROWS && ids.length > 1) {
          for (const id of ids) if (!found.has(id)) retry.push([id]);
        }
      });
    }
    pending = retry;
  }
  return [...found.values()];
}
