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
/** Both scripts: Redis' clock, the timeline (TAT) and the wait for a slot within `burst` (ARGV: interval, burst). */
const TIMELINE = `
local interval = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local tat = tonumber(redis.call('GET', KEYS[1]) or '0')
if tat < now then tat = now end
local wait = tat - (burst - 1) * interval - now
`;
const TAKE_SLOT = `
local newTat = tat + interval
redis.call('SET', KEYS[1], tostring(newTat), 'PX', math.ceil(newTat - now + burst * interval) + 1000)
`;

/** Takes the next slot, now or in the future, and says how long to wait for it. */
const RESERVE_SCRIPT = `${TIMELINE}
if wait < 0 then wait = 0 end
${TAKE_SLOT}
return math.ceil(wait)
`;

/**
 * Background work may take a request only while `reserve` requests stay free for people pressing buttons: it
 * takes the slot when one is free within its smaller burst, and otherwise does NOT reserve a future slot (which
 * would push the shared timeline past the reserve) but is told when to ask again. Returns 0 = taken, else ms.
 */
const TRY_TAKE_SCRIPT = `${TIMELINE}
if wait > 0 then return math.ceil(wait) end
${TAKE_SLOT}
return 0
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
  /**
   * Requests of the burst kept for interactive calls (presses, typed answers, commands): background work never
   * takes them, so a press never queues behind a scan. Default: a quarter of the burst; 0 = one queue for all.
   */
  interactiveReserve?: number;
}

/** Who is asking: a person waiting for an answer, or background work (scans, outbox, pollers). */
export type CallPriority = 'interactive' | 'background';

export interface RateBudget {
  readonly key: string;
  /** Waits until this process may send one request (a batch is one request). Resolves with the ms waited. */
  acquire(priority?: CallPriority): Promise<number>;
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
  const reserve = Math.min(burst - 1, Math.max(0, Math.floor(options.interactiveReserve ?? burst / 4)));
  return {
    key,
    async acquire(priority = 'background') {
      if (priority === 'interactive' || reserve === 0) {
        const wait = Number(await redis.eval(RESERVE_SCRIPT, 1, key, String(intervalMs), String(burst)));
        if (wait > 0) await sleep(wait);
        return wait;
      }
      let waited = 0;
      for (;;) {
        const retryIn = Number(await redis.eval(TRY_TAKE_SCRIPT, 1, key, String(intervalMs), String(burst - reserve)));
        if (retryIn === 0) return waited;
        // A little spread so background callers waiting together do not all ask at the same instant.
        const pause = retryIn + Math.floor(Math.random() * intervalMs * 0.25);
        await sleep(pause);
        waited += pause;
      }
    },
    async penalize(ms) {
      await redis.eval(PENALIZE_SCRIPT, 1, key, String(Math.ceil(ms)), String((burst - 1) * intervalMs));
    },
  };
}
