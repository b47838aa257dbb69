import { LuaScript } from '../infra/lua.js';

export { LuaScript, RELEASE_SCRIPT } from '../infra/lua.js';

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

