/**
 * Report data cost: a month's /report (everyone's rows) on a generated portal, counting the requests the
 * portal saw against ceil(stage history rows in the month / 2,500) — the floor for batched keyset paging.
 * BENCH_REPORT_DEALS (default 10,000) deals spread over a year; 130,000 puts about 10,000 deals into the last
 * month. Beside the history, "not moved" needs every open deal (ceil(open / 2,500) requests) and deals whose
 * first move in the month was not their creation need their previous stage (500 deals per request).
 * The portal's rate limit is off: this measures requests, not pacing.
 *
 * Run: npx tsx bench/report.ts   (env: BENCH_REPORT_DEALS, REDIS_URL)
 */
import { pathToFileURL } from 'node:url';
import { startBitrixSandbox } from '@dealpilot/sandbox/bitrix';
import { Redis } from 'ioredis';
import { gatherReportData } from '../src/capabilities/reports/gather.js';
import { createOpenDealsIndex } from '../src/capabilities/reports/open-deals-index.js';
import { createCrmGateway } from '../src/crm/index.js';
import { silentLogger } from '../src/infra/log.js';
import { type LocalRedis, startLocalRedis } from '../src/infra/redis-server.js';
import { addDays, calendarDateAt, instantAt } from '../src/rules/time/index.js';

const TIMEZONE = 'Europe/Moscow';

export async function runReportBench(): Promise<Record<string, unknown>> {
  const dealCount = Number(process.env.BENCH_REPORT_DEALS ?? 10_000);
  let localRedis: LocalRedis | undefined;
  const redisUrl = process.env.REDIS_URL ?? (localRedis = await startLocalRedis()).url;
  const redis = new Redis(redisUrl, { maxRetriesPerRequest: null });
  const sandbox = await startBitrixSandbox({ seed: { deals: dealCount, leads: 2_000 }, rateLimit: { enabled: false } });
  try {
    const crm = createCrmGateway({
      webhookUrl: sandbox.webhookUrl, redis, log: silentLogger(), timezone: TIMEZONE,
      rate: { perSecond: 1_000, burst: 1_000, keyPrefix: `bench-report-${Date.now()}` },
    });
    const today = calendarDateAt(sandbox.store.clock.now(), TIMEZONE);
    const first = addDays(today, -30);
    const period = { from: instantAt(first, 0, TIMEZONE), to: instantAt(today, 0, TIMEZONE) };
    const inMonth = (t: unknown): boolean => typeof t === 'number' && t >= period.from.getTime() && t < period.to.getTime();
    const historyRows = sandbox.store.dealStageHistory().filter((h) => inMonth(h.CREATED_TIME)).length;
    const dealsInMonth = new Set(sandbox.store.dealStageHistory().filter((h) => inMonth(h.CREATED_TIME)).map((h) => h.OWNER_ID)).size;
    const openDeals = sandbox.store.listDeals().filter((d) => d.STAGE_SEMANTIC_ID === 'P').length;

    sandbox.resetLog();
    const started = performance.now();
    const data = await gatherReportData(crm, { period, managers: 'all' });
    const ms = performance.now() - started;
    const requests = sandbox.requestCount();
    const floor = Math.ceil(historyRows / 2_500);
    const result = {
      portalDeals: dealCount, dealsMovedInMonth: dealsInMonth, historyRowsInMonth: historyRows, openDealsNow: openDeals,
      dealsRead: data.deals.length, historyRowsRead: data.history.length, leadsRead: data.leads.length,
      requests, historyFloor: floor, extraRequests: requests - floor, ms: Math.round(ms),
      // Method calls, batch sub-commands included (a batch is one request).
      callsByMethod: Object.fromEntries(sandbox.callLog.reduce((m, c) => m.set(c.method, (m.get(c.method) ?? 0) + 1), new Map<string, number>())),
    };
    process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);

    // After: the open deals come from the index (built once in full, then kept current from DATE_MODIFY).
    const index = createOpenDealsIndex({ crm, redis, prefix: `bench-report-index-${Date.now()}` });
    sandbox.resetLog();
    const build = await index.refresh({ full: true });
    const buildRequests = sandbox.requestCount();
    // A few deals change between the build and the report, as in a working day.
    for (const deal of sandbox.store.listDeals().filter((d) => d.STAGE_SEMANTIC_ID === 'P').slice(0, 50)) {
      sandbox.store.updateDeal(Number(deal.ID), { OPPORTUNITY: Number(deal.OPPORTUNITY ?? 0) + 1 }, { silent: true });
    }
    sandbox.resetLog();
    const startedIndexed = performance.now();
    const indexed = await index.openDeals({ createdBefore: period.to, managers: 'all' });
    const withIndex = await gatherReportData(crm, { period, managers: 'all', openDeals: indexed!.deals });
    const indexedMs = performance.now() - startedIndexed;
    const indexedRequests = sandbox.requestCount();
    const after = {
      indexBuildRequests: buildRequests, indexBuildChanged: build.changed,
      requestsWithIndex: indexedRequests, msWithIndex: Math.round(indexedMs),
      sameDeals: withIndex.deals.length === data.deals.length,
    };
    process.stdout.write(`month report, ${dealCount} deals: ${requests} requests before (open deals listed), `
      + `${indexedRequests} with the open-deals index (built once: ${buildRequests} requests) — ${(requests / Math.max(1, indexedRequests)).toFixed(1)}× fewer\n`);
    return { ...result, ...after };
  } finally {
    await sandbox.close();
    redis.disconnect();
    await localRedis?.stop();
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  await runReportBench();
  process.exit(0);
}
