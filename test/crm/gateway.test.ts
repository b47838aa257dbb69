import { startBitrixSandbox } from '@dealpilot/sandbox/bitrix';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  CrmAccessError, CrmAuthError, CrmBatchError, type CrmGateway, CrmMethodNotFoundError, CrmNotFoundError,
  CrmOperationLimitError, CrmRowError, CrmUnavailableError, createCrmGateway, createScanCursor,
} from '../../src/crm/index.js';
import { silentLogger } from '../../src/infra/log.js';
import { testRedis, uniquePrefix } from '../support/redis.js';

type Sandbox = Awaited<ReturnType<typeof startBitrixSandbox>>;

const redis = testRedis();
let sandbox: Sandbox;

/** A gateway with a fresh budget and short backoffs (the sandbox's rate limit is off in this file). */
function gatewayFor(webhookUrl = sandbox.webhookUrl, retry: Parameters<typeof createCrmGateway>[0]['retry'] = {}): CrmGateway {
  return createCrmGateway({
    webhookUrl, redis, log: silentLogger(), timezone: 'Europe/Moscow',
    rate: { perSecond: 1000, burst: 1000, keyPrefix: uniquePrefix('crm') },
    retry: { baseDelayMs: 5, maxDelayMs: 20, operationLimitWaitMs: 30, ...retry },
    timeoutMs: 2000,
  });
}

const httpCalls = (method: string): number => sandbox.callLog.filter((c) => c.method === method && !c.viaBatch).length;

beforeAll(async () => {
  sandbox = await startBitrixSandbox({ seed: { deals: 1234 }, rateLimit: { enabled: false } });
});
afterAll(async () => {
  await sandbox.close();
  await redis.quit();
});
beforeEach(() => {
  sandbox.faults.reset();
  sandbox.resetLog();
});

describe('reads at scale', () => {
  it('walks every deal once with one plain page and then 50-page batches', async () => {
    const gateway = gatewayFor();
    const ids: number[] = [];
    for await (const page of gateway.listAll('deal', { select: ['ID', 'STAGE_ID', 'OPPORTUNITY', 'DATE_MODIFY'] })) {
      expect(page.rejected).toEqual([]);
      ids.push(...page.items.map((d) => d.id));
    }
    const expected = sandbox.store.listDeals().map((r) => Number(r.ID)).sort((a, b) => a - b);
    expect(ids).toEqual(expected);
    // 1234 rows = 25 pages: the first alone, the other 24 chained in one batch
    expect(sandbox.requestCount()).toBe(2);
    const listCalls = sandbox.callLog.filter((c) => c.method === 'crm.deal.list');
    expect(listCalls.every((c) => JSON.stringify(c.params).includes('"start":"-1"') || JSON.stringify(c.params).includes('"start":-1'))).toBe(true);
  });

  it('pages one request per 50 rows in pages mode and lets server-side filters select', async () => {
    const gateway = gatewayFor();
    const result = await gateway.listDeals({ filter: { STAGE_SEMANTIC_ID: 'P' }, select: ['ID', 'STAGE_SEMANTIC_ID'], mode: 'pages' });
    const open = sandbox.store.listDeals().filter((r) => r.STAGE_SEMANTIC_ID === 'P').length;
    expect(result.items).toHaveLength(open);
    expect(result.items.every((d) => d.stageSemantic === 'process')).toBe(true);
    expect(sandbox.requestCount()).toBe(Math.floor(open / 50) + 1);
  });

  it('parses typed entities: numbers, dates and user fields', async () => {
    const gateway = gatewayFor();
    const first = sandbox.store.listDeals()[0]!;
    const deal = await gateway.getDeal(Number(first.ID));
    expect(deal.id).toBe(Number(first.ID));
    expect(typeof deal.categoryId).toBe('number');
    expect(deal.modifiedAt).toBeInstanceOf(Date);
    expect(deal.opportunity === null || typeof deal.opportunity === 'number').toBe(true);
    expect(Object.keys(deal.fields).every((k) => k.startsWith('UF_'))).toBe(true);
  });
});

describe('errors', () => {
  it('maps a missing deal (legacy 400 with an empty code) to CrmNotFoundError with the portal text', async () => {
    const err = await gatewayFor().getDeal(99_999_999).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CrmNotFoundError);
    expect((err as CrmNotFoundError).description).toBe('Not found');
    expect((err as CrmNotFoundError).status).toBe(400);
  });

  it('maps auth, access, unknown method, server errors and operation limits', async () => {
    const gateway = gatewayFor(sandbox.webhookUrl, { attempts: 2 });
    sandbox.faults.failNext('crm.deal.list', 1, { status: 403, error: 'INVALID_CREDENTIALS', description: 'Invalid request credentials' });
    await expect(gateway.listDeals()).rejects.toBeInstanceOf(CrmAccessError);
    sandbox.faults.failNext('crm.deal.list', 1, { status: 403, error: 'insufficient_scope', description: 'The request requires higher privileges' });
    await expect(gateway.listDeals()).rejects.toBeInstanceOf(CrmAccessError);
    await expect(gateway.call('crm.nonexistent.method')).rejects.toBeInstanceOf(CrmMethodNotFoundError);
    sandbox.faults.failNext('crm.status.list', 2, { status: 500, error: 'INTERNAL_SERVER_ERROR', description: 'Internal server error' });
    await expect(gateway.getStatuses()).rejects.toBeInstanceOf(CrmUnavailableError);
    sandbox.faults.failNext('crm.deal.get', 2, { status: 429, error: 'OPERATION_TIME_LIMIT', description: 'Method is blocked due to operation time limit.' });
    await expect(gateway.getDeal(1)).rejects.toBeInstanceOf(CrmOperationLimitError);
    sandbox.faults.setExpiredToken(true);
    const expired = await gateway.getDeal(1).catch((e: unknown) => e);
    expect(expired).toBeInstanceOf(CrmAuthError);
    expect((expired as CrmAuthError).code).toBe('expired_token');
  });

  it('maps a wrong webhook code to CrmAuthError and never shows the code', async () => {
    const wrong = sandbox.webhookUrl.replace(/\/rest\/(\d+)\/[^/]+\//, '/rest/$1/wr0ngc0de123/');
    const err = await gatewayFor(wrong).listDeals().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CrmAuthError);
    expect((err as CrmAuthError).code).toBe('NO_AUTH_FOUND');
    const code = /\/rest\/\d+\/([^/]+)\//.exec(sandbox.webhookUrl)![1]!;
    for (const text of [(err as Error).message, JSON.stringify(err), String((err as Error).stack)]) {
      expect(text).not.toContain('wr0ngc0de123');
      expect(text).not.toContain(code);
    }
  });

  it('waits out a 429 and then succeeds', async () => {
    sandbox.faults.failNext('crm.deal.get', 1, { status: 429, error: 'OPERATION_TIME_LIMIT', description: 'blocked' });
    const deal = await gatewayFor().getDeal(Number(sandbox.store.listDeals()[0]!.ID));
    expect(deal.id).toBeGreaterThan(0);
    expect(httpCalls('crm.deal.get')).toBe(2);
  });
});

describe('retries and writes', () => {
  it('retries 503 QUERY_LIMIT_EXCEEDED with backoff and succeeds', async () => {
    sandbox.faults.failNext('crm.deal.list', 3);
    const gateway = gatewayFor();
    const result = await gateway.listDeals({ filter: { '>ID': 0 }, select: ['ID'], mode: 'pages' });
    expect(result.items.length).toBe(sandbox.store.listDeals().length);
    expect(sandbox.callLog.filter((c) => c.status === 503)).toHaveLength(3);
    expect(gateway.stats().retries).toBe(3);
  });

  it('re-sends crm.deal.add after 503 (not processed) and creates exactly one deal', async () => {
    const before = sandbox.store.listDeals().length;
    sandbox.faults.failNext('crm.deal.add', 2);
    const id = await gatewayFor().addDeal({ TITLE: 'Retried add', STAGE_ID: 'NEW', CATEGORY_ID: 0 });
    expect(id).toBeGreaterThan(0);
    expect(sandbox.store.listDeals().length).toBe(before + 1);
    expect(sandbox.callLog.filter((c) => c.method === 'crm.deal.add' && c.status === 200)).toHaveLength(1);
  });

  it('never re-sends crm.deal.add after a 500 or a timeout (it may have been processed)', async () => {
    sandbox.faults.failNext('crm.deal.add', 1, { status: 500, error: 'INTERNAL_SERVER_ERROR', description: 'Internal server error' });
    await expect(gatewayFor().addDeal({ TITLE: 'x' })).rejects.toBeInstanceOf(CrmUnavailableError);
    expect(httpCalls('crm.deal.add')).toBe(1);

    sandbox.resetLog();
    sandbox.faults.setFailureRates({ timeout: 1, timeoutMode: 'destroy' });
    await expect(gatewayFor().addDeal({ TITLE: 'y' })).rejects.toBeInstanceOf(CrmUnavailableError);
    sandbox.faults.reset();
    expect(httpCalls('crm.deal.add')).toBe(1);
    expect(sandbox.writeCalls()).toBe(1);
  });

  it('retries an idempotent update after a 500', async () => {
    const id = Number(sandbox.store.listDeals()[0]!.ID);
    sandbox.faults.failNext('crm.deal.update', 1, { status: 500, error: 'INTERNAL_SERVER_ERROR', description: 'Internal server error' });
    await gatewayFor().updateDeal(id, { TITLE: 'Updated twice-safe' });
    expect(sandbox.store.getDeal(id)?.TITLE).toBe('Updated twice-safe');
    expect(httpCalls('crm.deal.update')).toBe(2);
  });
});

describe('batch', () => {
  it('reports a sub-command with an empty-code error (which the SDK shows as an empty success) as a failure', async () => {
    const gateway = gatewayFor();
    const existing = Number(sandbox.store.listDeals()[0]!.ID);
    const out = await gateway.batch({ good: ['crm.deal.get', { id: existing }], missing: ['crm.deal.get', { id: 99_999_999 }] });
    expect(out.good?.ok).toBe(true);
    expect(out.missing?.ok).toBe(false);
    if (out.missing && !out.missing.ok) {
      expect(out.missing.error).toBeInstanceOf(CrmNotFoundError);
      expect(out.missing.error.description).toBe('Not found');
    }
    const strict = await gateway.batchStrict({ good: ['crm.deal.get', { id: existing }], missing: ['crm.deal.get', { id: 99_999_999 }] }).catch((e: unknown) => e);
    expect(strict).toBeInstanceOf(CrmBatchError);
    expect(Object.keys((strict as CrmBatchError).failures)).toEqual(['missing']);
    expect(Object.keys((strict as CrmBatchError).results)).toEqual(['good']);
    expect(sandbox.requestCount()).toBe(2);
  });

  it('counts a whole batch as one request against the shared budget', async () => {
    const gateway = gatewayFor();
    const commands = Object.fromEntries(Array.from({ length: 30 }, (_, i) => [`d${i}`, ['crm.deal.get', { id: i + 1 }] as const]));
    await gateway.batch(commands);
    expect(gateway.stats().requests).toBe(1);
    expect(sandbox.requestCount()).toBe(1);
  });
});

describe('row validation', () => {
  it('reports rows that do not parse, with entity and id, and keeps the rest', async () => {
    const ids = sandbox.store.listDeals().slice(0, 3).map((r) => Number(r.ID));
    const broken = ids[1]!;
    const gateway = gatewayFor();
    // Corrupt one stored row the way a broken portal answer could look: a non-numeric amount.
    (sandbox.store.getDeal(broken) as Record<string, unknown>).OPPORTUNITY = 'twelve';
    const result = await gateway.listDeals({ filter: { '@ID': ids }, select: ['ID', 'OPPORTUNITY'] });
    expect(result.items.map((d) => d.id)).toEqual(ids.filter((id) => id !== broken));
    expect(result.rejected).toHaveLength(1);
    expect(result.rejected[0]).toMatchObject({ entity: 'deal', id: String(broken) });
    expect(result.rejected[0]!.issues.join(' ')).toContain('OPPORTUNITY');
    const single = await gateway.getDeal(broken).catch((e: unknown) => e);
    expect(single).toBeInstanceOf(CrmRowError);
    expect((single as CrmRowError).entityId).toBe(String(broken));
  });
});

describe('incremental scans', () => {
  it('reads only what changed since the last tick, without repeats inside the overlap', async () => {
    const gateway = gatewayFor();
    const cursor = createScanCursor(redis, 'deals-test', { keyPrefix: uniquePrefix('cur') });
    const first = await gateway.scanChanges('deal', cursor, { select: ['ID', 'TITLE', 'DATE_MODIFY'] });
    expect(first.items).toHaveLength(sandbox.store.listDeals().length);
    await first.commit();

    // nothing changed: the overlap window is re-read but nothing is delivered twice
    const idle = await gateway.scanChanges('deal', cursor, { select: ['ID', 'TITLE', 'DATE_MODIFY'] });
    expect(idle.items).toEqual([]);
    await idle.commit();

    sandbox.clock.advance(5 * 60_000);
    const changed = sandbox.store.listDeals().slice(10, 17).map((r) => Number(r.ID));
    for (const id of changed) sandbox.store.updateDeal(id, { TITLE: `changed ${id}` });
    sandbox.resetLog();
    const tick = await gateway.scanChanges('deal', cursor, { select: ['ID', 'TITLE', 'DATE_MODIFY'] });
    expect(tick.items.map((d) => d.id).sort((a, b) => a - b)).toEqual(changed);
    expect(tick.requests).toBe(1);
    expect(sandbox.requestCount()).toBe(1);
    await tick.commit();
    const again = await gateway.scanChanges('deal', cursor, { select: ['ID', 'TITLE', 'DATE_MODIFY'] });
    expect(again.items).toEqual([]);
  });

  it('tracks new rows by ID', async () => {
    const gateway = gatewayFor();
    const cursor = createScanCursor(redis, 'new-deals', { keyPrefix: uniquePrefix('cur') });
    await (await gateway.scanChanges('deal', cursor, { field: 'ID', select: ['ID'] })).commit();
    const id = sandbox.store.addDeal({ TITLE: 'Brand new' });
    const tick = await gateway.scanChanges('deal', cursor, { field: 'ID', select: ['ID'] });
    expect(tick.items.map((d) => d.id)).toEqual([id]);
  });
});
