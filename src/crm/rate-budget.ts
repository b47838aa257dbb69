import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';
import { sleep } from '../infra/timing.js';

/**
 * One request budget per portal, shared by every DealPilot process through Redis.
 *
 * GCRA (a token bucket expressed as a "theoretical arrival time") in one Lua script, so a reservation is atomic
 * across processes and costs one round trip. Every caller reserves its slot immediately and is told how long to
 * wait for it, so waiters queue up in arrival order instead of polling. Redis' own clock is used, so processes
 * with skewed clocks still share one timeline.
 *
 * Budget: `burst` requests at once, then `perSecond`. Bitrix24 allows 50 at once and 2/s per portal; the default
 * burst of 40 keeps headroom for other integrations and for network reordering.
 */
const RESERVE_SCRIPT = `
local interval = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local tat = tonumber(redis.call('GET', KEYS[1]) or '0')
if tat < now then tat = now end
local wait = tat - (burst - 1) * interval - now
if wait < 0 then wait = 0 end
local newTat = tat + interval
redis.call('SET', KEYS[1], tostring(newTat), 'PX', math.ceil(newTat - now + burst * interval) + 1000)
return math.ceil(wait)
`;

/** Pushes the shared timeline forward (after the portal answered QUERY_LIMIT_EXCEEDED): every process slows down. */
const PENALIZE_SCRIPT = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local tat = tonumber(redis.call('GET', KEYS[1]) or '0')
-- An empty bucket plus the pause: the next reservation anywhere waits ARGV[1] ms.
local floor = now + tonumber(ARGV[2]) + tonumber(ARGV[1])
if tat < floor then
  redis.call('SET', KEYS[1], tostring(floor), 'PX', math.ceil(floor - now) + 1000)
end
return 1
`;

export interface RateBudgetOptions {
  /** Sustained requests per second (default 2). */
  perSecond?: number;
  /** Requests allowed at once (default 40). */
  burst?: number;
  /** Redis key prefix (default `dealpilot`). */
  keyPrefix?: string;
}

export interface RateBudget {
  readonly key: string;
  /** Waits until this process may send one request (a batch is one request). Resolves with the ms waited. */
  acquire(): Promise<number>;
  /** Makes every process sharing the budget hold off for `ms` (used after a 503 from the portal). */
  penalize(ms: number): Promise<void>;
}

/** Redis key of a portal's budget: a hash of the origin only, so the webhook code never reaches Redis. */
export function rateBudgetKey(origin: string, keyPrefix = 'dealpilot'): string {
  const hash = createHash('sha256').update(new URL(origin).origin).digest('hex').slice(0, 16);
  return `${keyPrefix}:b24:rate:${hash}`;
}


export function createRateBudget(redis: Redis, origin: string, options: RateBudgetOptions = {}): RateBudget {
  const perSecond = options.perSecond ?? 2;
  const burst = Math.max(1, Math.floor(options.burst ?? 40));
  if (!(perSecond > 0)) throw new Error('rate.perSecond must be positive');
  const intervalMs = 1000 / perSecond;
  const key = rateBudgetKey(origin, options.keyPrefix);
  return {
    key,
    async acquire() {
      const wait = Number(await redis.eval(RESERVE_SCRIPT, 1, key, String(intervalMs), String(burst)));
      if (wait > 0) await sleep(wait);
      return wait;
    },
    async penalize(ms) {
      await redis.eval(PENALIZE_SCRIPT, 1, key, String(Math.ceil(ms)), String((burst - 1) * intervalMs));
    },
  };
}
