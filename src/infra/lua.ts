import { createHash, randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import { sleep } from './timing.js';

/** A Lua script run by EVALSHA, loaded on first use (or after a Redis restart flushed the script cache). */
export class LuaScript {
  readonly sha: string;

  constructor(readonly source: string) {
    this.sha = createHash('sha1').update(source).digest('hex');
  }

  async run(redis: Redis, keys: readonly string[], args: ReadonlyArray<string | number>): Promise<unknown> {
    try {
      return await redis.evalsha(this.sha, keys.length, ...keys, ...args);
    } catch (error) {
      if (!(error instanceof Error) || !error.message.includes('NOSCRIPT')) throw error;
      return redis.eval(this.source, keys.length, ...keys, ...args);
    }
  }
}

/** Deletes a key only while it still holds the caller's token (release of a lock someone else may own now). */
export const RELEASE_SCRIPT = new LuaScript(`
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
`);

/** Extends a key's TTL (ms) only while it still holds the caller's token: 1 when extended, 0 when the lock is lost. */
export const EXTEND_SCRIPT = new LuaScript(`
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return 0
`);

/** Releases a lock taken with SET key token NX, unless it lapsed and someone else holds it now. */
export async function releaseLock(redis: Redis, key: string, token: string): Promise<void> {
  await RELEASE_SCRIPT.run(redis, [key], [token]);
}

/** Keeps a lock for another `ms` if the caller still holds it. */
export async function extendLock(redis: Redis, key: string, token: string, ms: number): Promise<boolean> {
  return Number(await EXTEND_SCRIPT.run(redis, [key], [token, ms])) === 1;
}

/**
 * Runs `fn` holding a Redis lock, across processes: waits for a held lock (polling) up to `waitMs`, and the lock
 * lapses by itself after `ttlMs` if its holder dies. Released only by its own holder.
 */
export async function withRedisLock<T>(
  redis: Redis, key: string, fn: () => Promise<T>, options: { ttlMs: number; waitMs: number; pollMs?: number; busy: () => Error },
): Promise<T> {
  const token = randomUUID();
  const poll = options.pollMs ?? 100;
  const deadline = Date.now() + options.waitMs;
  while ((await redis.set(key, token, 'PX', options.ttlMs, 'NX')) !== 'OK') {
    if (Date.now() >= deadline) throw options.busy();
    await sleep(poll);
  }
  try {
    return await fn();
  } finally {
    await releaseLock(redis, key, token);
  }
}
