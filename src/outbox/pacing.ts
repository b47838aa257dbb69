import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import { GATE_SCRIPT, SPREAD_SCRIPT } from './lua.js';
import type { OutboxKeys } from './keys.js';

/**
 * Safety margins for the messenger's limits. A call admitted here reaches the messenger a few ms later and
 * that delay varies; a strict limit counted on arrival must still hold, so our windows are slightly wider.
 */
export const GLOBAL_WINDOW_MARGIN_MS = 30;
export const PER_CHAT_MARGIN_MS = 50;

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export interface Pacing {
  /** Waits until the bot-wide budget (sends + edits per rolling second) admits one more call. */
  waitForGlobalSlot(): Promise<void>;
  /** Takes the chat's slot; answers 0 when taken, otherwise the ms until it frees up. */
  tryChatSlot(channel: string, chatId: string): Promise<number>;
  /** Re-arms a held chat slot from this moment (right before the send). */
  refreshChatSlot(channel: string, chatId: string): Promise<void>;
  /** Waits for the chat slot in-process (pages 2… of a digest). */
  waitForChatSlot(channel: string, chatId: string): Promise<void>;
  /** Reserves the next free send time (epoch ms) for a recipient, not before `earliest`. */
  reserve(recipient: number, earliest: number): Promise<number>;
}

export function createPacing(redis: Redis, keys: OutboxKeys, limits: { globalPerSecond: number; perChatIntervalMs: number }): Pacing {
  const instance = randomUUID().slice(0, 8);
  let counter = 0;
  const chatTtl = limits.perChatIntervalMs + PER_CHAT_MARGIN_MS;

  async function tryChatSlot(channel: string, chatId: string): Promise<number> {
    if (limits.perChatIntervalMs <= 0) return 0;
    const key = keys.chatSlot(channel, chatId);
    const taken = await redis.set(key, instance, 'PX', chatTtl, 'NX');
    if (taken === 'OK') return 0;
    const ttl = await redis.pttl(key);
    return ttl > 0 ? ttl : 1;
  }

  return {
    async waitForGlobalSlot() {
      if (limits.globalPerSecond <= 0) return;
      for (;;) {
        counter += 1;
        const wait = Number(await GATE_SCRIPT.run(redis, [keys.gate],
          [limits.globalPerSecond, 1000 + GLOBAL_WINDOW_MARGIN_MS, `${instance}:${counter}`]));
        if (wait <= 0) return;
        await sleep(wait);
      }
    },
    tryChatSlot,
    async refreshChatSlot(channel, chatId) {
      if (limits.perChatIntervalMs <= 0) return;
      await redis.set(keys.chatSlot(channel, chatId), instance, 'PX', chatTtl);
    },
    async waitForChatSlot(channel, chatId) {
      for (;;) {
        const wait = await tryChatSlot(channel, chatId);
        if (wait === 0) return;
        await sleep(wait);
      }
    },
    async reserve(recipient, earliest) {
      if (limits.perChatIntervalMs <= 0) return earliest;
      return Number(await SPREAD_SCRIPT.run(redis, [keys.spread(recipient)], [earliest, chatTtl]));
    },
  };
}
