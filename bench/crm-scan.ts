/**
 * CRM scan benchmark: a 100,000-deal sandbox portal with its rate limit on.
 *   1. full scan of open deals through the gateway (keyset paging, 50 pages per batch request);
 *   2. the same scan through the SDK's own `actions.v2.callList` (one request per 50 rows, SDK limiter);
 *   3. incremental ticks: a first full read, then twice: 100 deals changed and one tick.
 * Requests are what the portal saw (its call log). The portal drains BENCH_RATE requests/s (default 20 so
 * the SDK side finishes in about a minute); the table also projects wall time at the real 2 req/s.
 *
 * Run: npx tsx bench/crm-scan.ts   (env: BENCH_DEALS, BENCH_RATE, REDIS_URL)
 */
import { pathToFileURL } from 'node:url';
import { startBitrixSandbox } from '@dealpilot/sandbox/bitrix';
import { Redis } from 'ioredis';
import { createCrmGateway, createScanCursor } from '../src/crm/index.js';
import { createB24Client } from '../src/crm/transport.js';
import { silentLogger } from '../src/infra/log.js';
import { type LocalRedis, startLocalRedis } from '../src/infra/redis-server.js';

const OPEN_FILTER = { STAGE_SEMANTIC_ID: 'P' };
const SELECT = ['ID', 'TITLE', 'STAGE_ID', 'CATEGORY_ID', 'ASSIGNED_BY_ID', 'MOVED_TIME', 'DATE_MODIFY'];

export async function runCrmScanBench(): Promise<Record<string, unknown>> {
  const deals = Number(process.env.BENCH_DEALS ?? 100_000);
  const rate = Number(process.env.BENCH_RATE ?? 20);
  let localRedis: LocalRedis | undefined;
  const redisUrl = process.env.REDIS_URL ?? (localRedis = await startLocalRedis()).url;
  const redis = new Redis(redisUrl, { maxRetriesPerRequest: null });
  const keyPrefix = `bench-crm-${Date.now()}`;
  const sandbox = await startBitrixSandbox({ seed: { deals }, rateLimit: { enabled: true, burst: 50, drainPerSecond: rate } });
  try {
    const gateway = createCrmGateway({
      webhookUrl: sandbox.webhookUrl, redis, log: silentLogger(), timezone: 'Europe/Moscow',
      rate: { perSecond: rate, burst: 40, keyPrefix },
    });

    // 1. gateway full scan
    sandbox.resetLog();
    let t0 = performance.now();
    let gatewayRows = 0;
    let rejected = 0;
    for await (const page of gateway.listAll('deal', { filter: OPEN_FILTER, select: SELECT })) {
      gatewayRows += page.items.length;
      rejected += page.rejected.length;
    }
    const gatewayMs = performance.now() - t0;
    const gatewayRequests = sandbox.requestCount();
    const gateway503 = sandbox.callLog.filter((c) => c.status === 503).length;

    // 2. SDK callList (its own limiter, matched to the portal's drain rate)
    await sleep(Math.ceil((50 / rate) * 1000)); // let the portal bucket drain so both start equal
    const sdk = createB24Client(sandbox.webhookUrl, 60_000, { rateLimit: { burstLimit: 50, drainRate: rate, adaptiveEnabled: true } });
    sandbox.resetLog();
    t0 = performance.now();
    const sdkResult = await sdk.actions.v2.callList.make<Record<string, unknown>>({
      method: 'crm.deal.list', params: { filter: OPEN_FILTER, select: SELECT }, idKey: 'ID',
    });
    const sdkMs = performance.now() - t0;
    const sdkRows = sdkResult.getData()?.length ?? 0;
    const sdkRequests = sandbox.requestCount();

    // 3. incremental: a first full read sets the watermark; round A changes 100 deals (its tick also re-reads the
    //    seed's rows that share the newest timestamp, inside the overlap window); round B is a steady tick.
    const cursor = createScanCursor(redis, 'bench-open-deals', { keyPrefix });
    sandbox.resetLog();
    const first = await gateway.scanChanges('deal', cursor, { filter: OPEN_FILTER, select: SELECT });
    await first.commit();
    const firstTickRequests = sandbox.requestCount();
    const round = async (ids: number[]) => {
      sandbox.clock.advance(5 * 60_000);
      for (const id of ids) sandbox.store.updateDeal(id, { TITLE: `changed ${id}` });
      sandbox.resetLog();
      const tick = await gateway.scanChanges('deal', cursor, { filter: OPEN_FILTER, select: SELECT });
      await tick.commit();
      const found = new Set(tick.items.map((d) => d.id));
      return { requests: sandbox.requestCount(), rows: tick.items.length, missed: ids.filter((id) => !found.has(id)).length };
    };
    const roundA = await round(first.items.slice(0, 100).map((d) => d.id));
    const roundB = await round(first.items.slice(1000, 1100).map((d) => d.id));

    const target = Math.ceil(gatewayRows / 2500) * 1.1;
    const result: Record<string, unknown> = {
      deals,
      openDeals: gatewayRows,
      portalRatePerSecond: rate,
      gateway: { requests: gatewayRequests, wallMs: Math.round(gatewayMs), rejected, portal503: gateway503, targetMaxRequests: Number(target.toFixed(1)) },
      sdkCallList: { requests: sdkRequests, wallMs: Math.round(sdkMs), rows: sdkRows },
      ratio: {
        requests: Number((sdkRequests / Math.max(1, gatewayRequests)).toFixed(1)),
        wallTime: Number((sdkMs / Math.max(1, gatewayMs)).toFixed(1)),
      },
      projectedAt2PerSecond: {
        gatewayS: Math.max(0, (gatewayRequests - 50) / 2),
        sdkCallListS: Math.max(0, (sdkRequests - 50) / 2),
      },
      incremental: { firstTickRequests, changedPerRound: 100, roundA, steadyTick: roundB },
    };
    return result;
  } finally {
    await sandbox.close();
    await redis.quit();
    await localRedis?.stop();
  }
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const r = await runCrmScanBench();
  const g = r.gateway as Record<string, number>;
  const s = r.sdkCallList as Record<string, number>;
  const inc = r.incremental as { firstTickRequests: number; roundA: Record<string, number>; steadyTick: Record<string, number> };
  const p = r.projectedAt2PerSecond as Record<string, number>;
  console.log(`CRM scan: ${String(r.deals)} deals, ${String(r.openDeals)} open, portal drain ${String(r.portalRatePerSecond)} req/s`);
  console.table({
    'gateway (batch keyset)': { requests: g.requests, 'wall ms': g.wallMs, 'projected s @2/s': p.gatewayS, rows: r.openDeals },
    'SDK callList': { requests: s.requests, 'wall ms': s.wallMs, 'projected s @2/s': p.sdkCallListS, rows: s.rows },
  });
  console.log(`target ≤ ${String(g.targetMaxRequests)} requests; portal 503s during gateway scan: ${String(g.portal503)}; rejected rows: ${String(g.rejected)}`);
  console.log(`ratio SDK/gateway: requests ×${String((r.ratio as Record<string, number>).requests)}, wall time ×${String((r.ratio as Record<string, number>).wallTime)}`);
  console.log(`incremental: first tick ${String(inc.firstTickRequests)} requests (full read)`);
  console.log(`  100 changed, tick A: ${String(inc.roundA.requests)} request(s), ${String(inc.roundA.rows)} rows delivered, missed ${String(inc.roundA.missed)} (re-reads the overlap window)`);
  console.log(`  100 changed, steady tick B: ${String(inc.steadyTick.requests)} request(s), ${String(inc.steadyTick.rows)} rows delivered, missed ${String(inc.steadyTick.missed)}`);
}
