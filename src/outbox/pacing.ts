import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import { sleep } from '../infra/timing.js';
import type { OutboxKeys } from './keys.js';
import { LuaScript, SPREAD_SCRIPT } from './lua.js';

/**
 * How the bot-wide budget holds although a call admitted here reaches the messenger some time later, and
 * that delay varies (event-loop pauses of the sending process, the network): each call's entry in the
 * sliding log counts as "in flight" until the call's answer is back, and only then is it dated — with the
 * time of the answer, which is never before the messenger counted the call. So a call admitted when an entry
 * has left the window arrives a full window after that entry's call, whatever the delays were.
 *
 * So the margins only cover rounding to whole milliseconds and clocks read in different places.
 */
export const GLOBAL_WINDOW_MARGIN_MS = 10;
export const PER_CHAT_MARGIN_MS = 50;
/**
 * An unanswered call counts as in flight for at most this long (then as if answered at admission + lease):
 * bounds how long the calls of a crashed process hold the budget and their chats. A call still unanswered
 * after it is assumed to have reached the messenger by then — far beyond the send latencies we see (< 0.1 s).
 */
export const IN_FLIGHT_LEASE_MS = 10_000;
/** While every entry in the window is still in flight, look again this soon (an answer frees one). */
const IN_FLIGHT_POLL_MS = 5;

/**
 * Admits one call, atomically: KEYS[1] global log, KEYS[2] (optional) chat slot; ARGV limit, window ms, log
 * member, holder, slot ttl ms, lease ms, poll ms. Answers 0 (admitted: logged as in flight, scored admission
 * + lease, and the chat slot held for lease + slot ttl), a positive wait for the global budget, or a negative
 * wait when another holder took the chat slot meanwhile.
 */
const ADMIT_IN_FLIGHT_SCRIPT = new LuaScript(`
local slotTtl, lease = tonumber(ARGV[5]), tonumber(ARGV[6])
if KEYS[2] then
  local holder = redis.call('GET', KEYS[2])
  if holder and holder ~= ARGV[4] then
    return -math.max(1, redis.call('PTTL', KEYS[2]))
  end
end
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local limit, window = tonumber(ARGV[1]), tonumber(ARGV[2])
if limit > 0 then
  redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window)
  if redis.call('ZCARD', KEYS[1]) >= limit then
    -- The lowest score is the oldest answered call; if even that is in flight (scored ahead), poll.
    local oldest = tonumber(redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')[2])
    if oldest > now then return tonumber(ARGV[7]) end
    return math.max(1, oldest + window - now)
  end
  redis.call('ZADD', KEYS[1], now + lease, ARGV[3])
  redis.call('PEXPIRE', KEYS[1], window + lease)
end
if KEYS[2] and slotTtl > 0 then
  redis.call('SET', KEYS[2], ARGV[4], 'PX', slotTtl + lease)
end
return 0
`);

/**
 * The call's answer is back: re-dates its log entry (KEYS[1], member ARGV[1]) to now and re-arms the chat slot
 * (KEYS[2], optional) for ARGV[3] ms from now while ARGV[2] still holds it.
 */
const SETTLE_SCRIPT = new LuaScript(`
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('ZADD', KEYS[1], 'XX', now, ARGV[1])
if KEYS[2] and tonumber(ARGV[3]) > 0 and redis.call('GET', KEYS[2]) == ARGV[2] then
  redis.call('SET', KEYS[2], ARGV[2], 'PX', tonumber(ARGV[3]))
end
return 1
`);


/** An admitted call: `settle()` once its answer (or failure) is back, so the budget counts it from then. */
export interface Admission {
  settle(): Promise<void>;
}

export interface Pacing {
  /** Waits until the bot-wide budget (sends + edits per rolling second) admits one more call. */
  waitForGlobalSlot(): Promise<Admission>;
  /** Takes the chat's slot for `holder`; answers 0 when taken, otherwise the ms until it frees up. */
  tryChatSlot(channel: string, chatId: string, holder: string): Promise<number>;
  /**
   * Waits until one send to a chat whose slot `holder` took may go: the bot-wide budget admits it and the chat
   * slot is held from this moment, atomically. Null when another holder took the chat slot meanwhile (waiting
   * for the budget outlasted it): take the slot again.
   */
  admitSend(channel: string, chatId: string, holder: string): Promise<Admission | null>;
  /** Reserves the next free send time (epoch ms) for a recipient, not before `earliest`. */
  reserve(recipient: number, earliest: number): Promise<number>;
}

export function createPacing(redis: Redis, keys: OutboxKeys, limits: { globalPerSecond: number; perChatIntervalMs: number }): Pacing {
  const instance = randomUUID().slice(0, 8);
  let counter = 0;
  const chatTtl = limits.perChatIntervalMs + PER_CHAT_MARGIN_MS;
  const window = 1000 + GLOBAL_WINDOW_MARGIN_MS;

  /** Admits against the global log and, with `slot`, the chat slot; null when the slot went to another holder. */
  async function admit(slot?: { key: string; holder: string }): Promise<Admission | null> {
    const slotKeys = slot ? [slot.key] : [];
    const slotTtl = slot && limits.perChatIntervalMs > 0 ? chatTtl : 0;
    for (;;) {
      counter += 1;
      const member = `${instance}:${counter}`;
      const wait = Number(await ADMIT_IN_FLIGHT_SCRIPT.run(redis, [keys.gate, ...slotKeys], [
        limits.globalPerSecond, window, member, slot?.holder ?? '', slotTtl, IN_FLIGHT_LEASE_MS, IN_FLIGHT_POLL_MS,
      ]));
      if (wait < 0) return null;
      if (wait === 0) {
        return {
          settle: async () => {
            await SETTLE_SCRIPT.run(redis, [keys.gate, ...slotKeys], [member, slot?.holder ?? '', slotTtl]);
          },
        };
      }
      await sleep(wait);
    }
  }

  return {
    async waitForGlobalSlot() {
      if (limits.globalPerSecond <= 0) return { settle: async () => undefined };
      return (await admit())!;
    },
    async tryChatSlot(channel, chatId, holder) {
      if (limits.perChatIntervalMs <= 0) return 0;
      const key = keys.chatSlot(channel, chatId);
      const current = await redis.set(key, holder, 'PX', chatTtl, 'NX', 'GET');
      if (current === null || current === holder) return 0;
      const ttl = await redis.pttl(key);
      return ttl > 0 ? ttl : 1;
    },
    admitSend(channel, chatId, holder) {
      return admit({ key: keys.chatSlot(channel, chatId), holder });
    },
    async reserve(recipient, earliest) {
      if (limits.perChatIntervalMs <= 0) return earliest;
      return Number(await SPREAD_SCRIPT.run(redis, [keys.spread(recipient)], [earliest, chatTtl]));
    },
  };
}
