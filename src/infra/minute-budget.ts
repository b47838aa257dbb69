import type { Redis } from 'ioredis';

/**
 * A fixed one-minute window per key in Redis (one INCR and an EXPIRE): true while the count is within `perMinute`.
 * Used for each person's presses and desk requests, so no one can spend more than their share of the portal budget.
 */
export async function withinMinuteBudget(redis: Redis, key: string, perMinute: number, nowMs = Date.now()): Promise<boolean> {
  const window = `${key}:${Math.floor(nowMs / 60_000)}`;
  const [[, used]] = (await redis.multi().incr(window).expire(window, 120).exec()) as [[unknown, number], unknown];
  return used <= perMinute;
}
