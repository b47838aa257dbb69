import { afterAll, describe, expect, it } from 'vitest';
import { createRateBudget, rateBudgetKey } from '../../src/crm/rate-budget.js';
import { testRedis, uniquePrefix } from '../support/redis.js';

const redis = testRedis();
afterAll(async () => { await redis.quit(); });

describe('shared rate budget', () => {
  it('keys the budget by portal origin, never by the webhook code', () => {
    const a = rateBudgetKey('https://portal.example/rest/1/secretcode/', 'p');
    expect(a).toBe(rateBudgetKey('https://portal.example', 'p'));
    expect(a).not.toContain('secretcode');
    expect(a).not.toBe(rateBudgetKey('https://other.example', 'p'));
  });

  it('lets a burst through, then spaces requests by 1/rate, across two budget instances', async () => {
    const keyPrefix = uniquePrefix('rate');
    const one = createRateBudget(redis, 'http://127.0.0.1:1', { perSecond: 50, burst: 4, keyPrefix, interactiveReserve: 0 });
    const two = createRateBudget(redis, 'http://127.0.0.1:1', { perSecond: 50, burst: 4, keyPrefix, interactiveReserve: 0 });
    expect(one.key).toBe(two.key);
    const waits: number[] = [];
    for (let i = 0; i < 7; i++) waits.push(await (i % 2 ? two : one).acquire());
    // 4 at once; each later one had to wait for its own 20 ms slot (sleeping in between only shortens later waits)
    expect(waits.slice(0, 4)).toEqual([0, 0, 0, 0]);
    for (const w of waits.slice(4)) expect(w).toBeGreaterThan(0);
    // ≤ one slot, plus 1 ms: Redis' clock is read in whole ms and a timer may fire up to 1 ms early (seen under load).
    for (const w of waits.slice(4)) expect(w).toBeLessThanOrEqual(21);
  });

  it('keeps a reserve for people pressing buttons: background work never takes it, across two processes', async () => {
    const keyPrefix = uniquePrefix('prio');
    const options = { perSecond: 10, burst: 8, keyPrefix, interactiveReserve: 2 };
    const scan = createRateBudget(redis, 'http://127.0.0.1:3', options);
    const otherProcess = createRateBudget(testRedis(), 'http://127.0.0.1:3', options);
    // Background work takes the burst less the reserve at once…
    const first = await Promise.all(Array.from({ length: 6 }, () => scan.acquire('background')));
    expect(first).toEqual([0, 0, 0, 0, 0, 0]);
    // …then a long queue of background callers waits without reserving future slots…
    const started = Date.now();
    const queued = Promise.all(Array.from({ length: 6 }, () => scan.acquire('background')));
    await new Promise((resolve) => setTimeout(resolve, 30));
    // …so presses, in this process and another, are served at once from the reserve.
    expect(await otherProcess.acquire('interactive')).toBe(0);
    expect(await scan.acquire('interactive')).toBe(0);
    // Background still progresses at the sustained rate (10/s: 6 more within about a second, not starved).
    const waits = await queued;
    expect(waits.every((w) => w > 0)).toBe(true);
    expect(Date.now() - started).toBeLessThan(3_000);
  });

  it('without a reserve, a press queues behind background reservations (the behaviour the reserve replaces)', async () => {
    const budget = createRateBudget(redis, 'http://127.0.0.1:4', { perSecond: 10, burst: 4, keyPrefix: uniquePrefix('noprio'), interactiveReserve: 0 });
    await Promise.all(Array.from({ length: 4 }, () => budget.acquire('background')));
    const queued = Promise.all(Array.from({ length: 5 }, () => budget.acquire('background')));
    const press = await budget.acquire('interactive');
    expect(press).toBeGreaterThanOrEqual(450); // behind five 100 ms slots
    await queued;
  });

  it('reserves slots in arrival order for concurrent callers', async () => {
    const budget = createRateBudget(redis, 'http://127.0.0.1:2', { perSecond: 100, burst: 2, keyPrefix: uniquePrefix('rate'), interactiveReserve: 0 });
    const waits = await Promise.all(Array.from({ length: 6 }, () => budget.acquire()));
    const sorted = [...waits].sort((a, b) => a - b);
    expect(sorted.slice(0, 2)).toEqual([0, 0]);
    // the k-th extra caller waits for the k-th 10 ms slot (less whatever time passed before its call arrived)
    sorted.slice(2).forEach((w, k) => {
      expect(w).toBeGreaterThan(0);
      expect(w).toBeLessThanOrEqual((k + 1) * 10);
    });
    expect(sorted[5]).toBeGreaterThanOrEqual(25);
  });

  it('makes every process hold off after a penalty', async () => {
    const keyPrefix = uniquePrefix('rate');
    const a = createRateBudget(redis, 'http://127.0.0.1:3', { perSecond: 1000, burst: 10, keyPrefix });
    const b = createRateBudget(redis, 'http://127.0.0.1:3', { perSecond: 1000, burst: 10, keyPrefix });
    expect(await b.acquire()).toBe(0);
    await a.penalize(80);
    expect(await b.acquire()).toBeGreaterThanOrEqual(70);
  });
});
