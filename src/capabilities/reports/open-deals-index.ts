/**
 * The open deals a report's "did not move" needs, kept in Redis so a report reads the period's history instead of
 * every open deal of the portal (on a 100,000-deal portal that listing was most of a month report's requests).
 *
 * - Built by one full read of the portal's deals, then kept current from DATE_MODIFY: a tick reads only the deals
 *   changed since the last one (usually one request). A stage move, a new owner, a new amount, a closing — each
 *   sets DATE_MODIFY, so the index sees it; a closed deal leaves the index.
 * - Exact for reports: before a report reads it, the index takes the changes since its last tick.
 * - What DATE_MODIFY cannot show: a deleted deal. The index is rebuilt in full once a day (REBUILD_AFTER_MS), so
 *   a deleted deal counts as "did not move" for at most a day. Until the first build finishes, reports read the
 *   open deals from the portal as before (`openDeals` answers null).
 */
import type { Redis } from 'ioredis';
import { type CrmGateway, createScanCursor, type Deal } from '../../crm/index.js';

const REBUILD_AFTER_MS = 24 * 3600_000;
const SELECT = ['ID', 'ASSIGNED_BY_ID', 'CATEGORY_ID', 'STAGE_ID', 'STAGE_SEMANTIC_ID', 'CLOSED', 'OPPORTUNITY', 'CURRENCY_ID', 'DATE_CREATE', 'DATE_MODIFY'];

/** One open deal as the report reads it. */
export interface IndexedDeal {
  id: number;
  assignedById: number;
  categoryId: number;
  stageId: string;
  opportunity: number;
  currency: string;
  createdAt: number;
}

export interface OpenDealsIndex {
  /** Takes the portal's changes since the last tick (a full read when never built, or a day old). */
  refresh(options?: { full?: boolean }): Promise<{ requests: number; changed: number; full: boolean }>;
  /** The open deals created before `createdBefore` (in scope), brought up to date first; null = not built yet. */
  openDeals(query: { createdBefore: Date; managers: number[] | 'all'; categoryId?: number }): Promise<{ deals: IndexedDeal[]; requests: number } | null>;
}

export function createOpenDealsIndex(deps: { crm: CrmGateway; redis: Redis; prefix: string }): OpenDealsIndex {
  const key = `${deps.prefix}:reports:open-deals`;
  const builtKey = `${key}:built`;
  const cursorName = 'reports.open-deals';
  let cursor = createScanCursor(deps.redis, cursorName, { keyPrefix: deps.prefix });

  const isOpen = (deal: Deal) => deal.stageSemantic === 'process' && deal.closed !== true;
  const entryOf = (deal: Deal): IndexedDeal => ({
    id: deal.id, assignedById: deal.assignedById ?? 0, categoryId: deal.categoryId ?? 0, stageId: deal.stageId ?? '',
    opportunity: deal.opportunity ?? 0, currency: deal.currencyId || 'RUB', createdAt: deal.createdAt?.getTime() ?? 0,
  });

  async function refresh(options: { full?: boolean } = {}): Promise<{ requests: number; changed: number; full: boolean }> {
    const built = Number(await deps.redis.get(builtKey)) || 0;
    const full = options.full === true || built === 0 || Date.now() - built > REBUILD_AFTER_MS;
    if (full) {
      // A fresh cursor reads every deal; the old entries go once the new set is complete.
      await deps.redis.del(cursor.key);
      cursor = createScanCursor(deps.redis, cursorName, { keyPrefix: deps.prefix });
    }
    const scan = await deps.crm.scanChanges('deal', cursor, { select: SELECT });
    const staging = full ? `${key}:staging` : key;
    const multi = deps.redis.multi();
    if (full) multi.del(staging);
    for (const deal of scan.items) {
      if (isOpen(deal)) multi.hset(staging, String(deal.id), JSON.stringify(entryOf(deal)));
      else if (!full) multi.hdel(staging, String(deal.id));
    }
    if (full) {
      if (scan.items.some(isOpen)) multi.rename(staging, key);
      else multi.del(key);
      multi.set(builtKey, String(Date.now()));
    }
    await multi.exec();
    await scan.commit();
    return { requests: scan.requests, changed: scan.items.length, full };
  }

  return {
    refresh,
    async openDeals(query) {
      if (!(Number(await deps.redis.get(builtKey)) > 0)) return null;
      const { requests } = await refresh();
      const managers = query.managers === 'all' ? null : new Set(query.managers);
      const deals: IndexedDeal[] = [];
      for (const value of Object.values(await deps.redis.hgetall(key))) {
        const deal = JSON.parse(value) as IndexedDeal;
        if (deal.createdAt >= query.createdBefore.getTime()) continue;
        if (managers && !managers.has(deal.assignedById)) continue;
        if (query.categoryId !== undefined && deal.categoryId !== query.categoryId) continue;
        deals.push(deal);
      }
      return { deals, requests };
    },
  };
}
