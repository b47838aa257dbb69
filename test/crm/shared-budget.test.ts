import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { startBitrixSandbox } from '@dealpilot/sandbox/bitrix';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCrmGateway } from '../../src/crm/index.js';
import { silentLogger } from '../../src/infra/log.js';
import { testRedis, testRedisUrl, uniquePrefix } from '../support/redis.js';

type Sandbox = Awaited<ReturnType<typeof startBitrixSandbox>>;

const WORKER = fileURLToPath(new URL('./fixtures/gateway-worker.ts', import.meta.url));
const redis = testRedis();
let sandbox: Sandbox;

// The portal: 10 at once, 10/s. DealPilot's budget: 8 at once, 8/s, shared by both processes.
const PORTAL = { burst: 10, drainPerSecond: 10 };
const BUDGET = { perSecond: 8, burst: 8 };
const CALLS_EACH = 16;

beforeAll(async () => {
  sandbox = await startBitrixSandbox({ seed: { deals: 60 }, rateLimit: { enabled: true, ...PORTAL } });
});
afterAll(async () => {
  await sandbox.close();
  await redis.quit();
});

interface WorkerSummary { ok: number; failures: string[]; requests: number; done: number[] }

function runWorker(env: Record<string, string>): Promise<WorkerSummary> {
  return new Promise((resolve, reject) => {
    const child = spawn('npx', ['tsx', WORKER], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (c: Buffer) => { out += c.toString(); });
    child.stderr.on('data', (c: Buffer) => { err += c.toString(); });
    child.on('error', reject);
    child.on('exit', (code) => {
      const line = out.trim().split('\n').pop() ?? '';
      if (code !== 0 || !line.startsWith('{')) reject(new Error(`worker exited ${code}: ${err.slice(-800)}`));
      else resolve(JSON.parse(line) as WorkerSummary);
    });
  });
}

describe('one rate budget for every process', () => {
  it('keeps two processes together under the portal limit: no 503, combined rate within the budget', async () => {
    const keyPrefix = uniquePrefix('shared');
    const startAt = Date.now() + 6000; // both sides fire at the same instant, after the child has booted
    const child = runWorker({
      REDIS_URL: testRedisUrl(), WEBHOOK_URL: sandbox.webhookUrl, KEY_PREFIX: keyPrefix, START_AT: String(startAt),
      CALLS: String(CALLS_EACH), PER_SECOND: String(BUDGET.perSecond), BURST: String(BUDGET.burst),
    });
    const gateway = createCrmGateway({
      webhookUrl: sandbox.webhookUrl, redis, log: silentLogger(), timezone: 'Europe/Moscow',
      rate: { ...BUDGET, keyPrefix }, retry: { attempts: 1 },
    });
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, startAt - Date.now())));
    const done: number[] = [];
    const mine = await Promise.allSettled(Array.from({ length: CALLS_EACH }, async () => {
      await gateway.call('crm.deal.list', { filter: { '>ID': 0 }, select: ['ID'], order: { ID: 'ASC' }, start: -1 });
      done.push(Date.now());
    }));
    const other = await child;

    expect(mine.filter((o) => o.status === 'rejected')).toEqual([]);
    expect(other).toMatchObject({ ok: CALLS_EACH, failures: [] });
    const calls = sandbox.callLog.filter((c) => c.method === 'crm.deal.list');
    expect(calls).toHaveLength(2 * CALLS_EACH);
    expect(sandbox.callLog.filter((c) => c.status === 503)).toEqual([]);
    // Combined pace: in any stretch of time the two processes together completed at most burst + rate × t
    // requests (+1 for response-time jitter).
    const all = [...done, ...other.done].sort((a, b) => a - b);
    expect(all).toHaveLength(2 * CALLS_EACH);
    let worst = -Infinity;
    for (let i = 0; i < all.length; i++) {
      for (let j = i; j < all.length; j++) {
        const allowed = BUDGET.burst + (BUDGET.perSecond * (all[j]! - all[i]!)) / 1000 + 1;
        worst = Math.max(worst, j - i + 1 - allowed);
      }
    }
    expect(worst).toBeLessThanOrEqual(0);
    // and the budget was really shared: the whole run took about (32 − 8) / 8 = 3 s, not 16 / 8 = 2 s
    expect(all[all.length - 1]! - all[0]!).toBeGreaterThanOrEqual(((2 * CALLS_EACH - BUDGET.burst - 2) / BUDGET.perSecond) * 1000);
  }, 60_000);
});
