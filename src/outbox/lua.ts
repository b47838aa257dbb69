import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';

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

/**
 * Sliding-log limiter on Redis server time (one clock for every worker host): admits a call when fewer than
 * ARGV[1] were admitted within the last ARGV[2] ms; otherwise answers how many ms to wait.
 */
export const GATE_SCRIPT = new LuaScript(`
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local limit, window = tonumber(ARGV[1]), tonumber(ARGV[2])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window)
if redis.call('ZCARD', KEYS[1]) < limit then
  redis.call('ZADD', KEYS[1], now, ARGV[3])
  redis.call('PEXPIRE', KEYS[1], window * 2)
  return 0
end
local oldest = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
return math.max(1, tonumber(oldest[2]) + window - now)
`);

/**
 * Reserves the next free send time for one recipient: max(earliest, reserved) and moves the reservation one
 * interval on. Spreads a burst for one chat over time at enqueue, so jobs rarely meet a busy chat slot.
 */
export const SPREAD_SCRIPT = new LuaScript(`
local earliest, interval = tonumber(ARGV[1]), tonumber(ARGV[2])
local reserved = tonumber(redis.call('GET', KEYS[1]) or '0')
local at = math.max(earliest, reserved)
redis.call('SET', KEYS[1], tostring(at + interval), 'PX', at + interval - earliest + 60000)
return at
`);

/** Deletes a key only while it still holds the caller's token (release of a lock someone else may own now). */
export const RELEASE_SCRIPT = new LuaScript(`
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
`);

/**
 * Decides how a digest-eligible item goes out, atomically, so an item is never both sent alone and folded.
 * KEYS: pending zset (score = due ms), items hash. ARGV: claim key prefix, digest list prefix, item id, now ms,
 * threshold, ttl s. Answers 'self' (send alone), 'digest' (this job sends the digest listed under
 * <digest prefix><id>) or 'folded' (another job's digest took it). A retry finds its earlier decision.
 */
export const CLAIM_SCRIPT = new LuaScript(`
local claimPrefix, digestPrefix, id = ARGV[1], ARGV[2], ARGV[3]
local now, threshold, ttl = tonumber(ARGV[4]), tonumber(ARGV[5]), tonumber(ARGV[6])
local mine = redis.call('GET', claimPrefix .. id)
if mine then
  if mine == 'self' or mine == 'digest' then return mine end
  return 'folded'
end
if not redis.call('ZSCORE', KEYS[1], id) then
  redis.call('SET', claimPrefix .. id, 'self', 'EX', ttl)
  return 'self'
end
local due = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', now)
local hasSelf = false
for _, m in ipairs(due) do
  if m == id then hasSelf = true end
end
if not hasSelf then table.insert(due, 1, id) end
if #due <= threshold then
  redis.call('ZREM', KEYS[1], id)
  redis.call('HDEL', KEYS[2], id)
  redis.call('SET', claimPrefix .. id, 'self', 'EX', ttl)
  return 'self'
end
local digestKey = digestPrefix .. id
redis.call('DEL', digestKey)
for _, m in ipairs(due) do
  local item = redis.call('HGET', KEYS[2], m)
  if item then redis.call('RPUSH', digestKey, item) end
  redis.call('ZREM', KEYS[1], m)
  redis.call('HDEL', KEYS[2], m)
  if m == id then
    redis.call('SET', claimPrefix .. m, 'digest', 'EX', ttl)
  else
    redis.call('SET', claimPrefix .. m, 'by:' .. id, 'EX', ttl)
  end
end
redis.call('EXPIRE', digestKey, ttl)
return 'digest'
`);

/**
 * The last step before a send, in one round trip so nothing slow sits between admission and the request:
 * KEYS[1] global log, KEYS[2] chat slot; ARGV limit, window ms, log member, holder, slot ttl ms. Answers 0
 * (admitted: logged and the chat slot re-armed from now), a positive wait for the global budget, or a
 * negative wait when another holder took the chat slot meanwhile.
 */
export const ADMIT_SCRIPT = new LuaScript(`
local holder = redis.call('GET', KEYS[2])
if holder and holder ~= ARGV[4] then
  return -math.max(1, redis.call('PTTL', KEYS[2]))
end
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local limit, window = tonumber(ARGV[1]), tonumber(ARGV[2])
if limit > 0 then
  redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window)
  if redis.call('ZCARD', KEYS[1]) >= limit then
    local oldest = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
    return math.max(1, tonumber(oldest[2]) + window - now)
  end
  redis.call('ZADD', KEYS[1], now, ARGV[3])
  redis.call('PEXPIRE', KEYS[1], window * 2)
end
if tonumber(ARGV[5]) > 0 then
  redis.call('SET', KEYS[2], ARGV[4], 'PX', tonumber(ARGV[5]))
end
return 0
`);
