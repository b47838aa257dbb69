import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import { ADMIT_SCRIPT, GATE_SCRIPT, SPREAD_SCRIPT } from './lua.js';
import type { OutboxKeys } from './keys.js';

/**
 * Safety margins for the messenger's limits. A call admitted here reaches the messenger a few ms later and
 * that delay varies; a strict limit counted on arrival must still hold, so our windows are slightly wider.
 */
export const GLOBAL_WINDOW_MARGIN_MS = 40;
export const PER_CHAT_MARGIN_MS = 50;

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export interface Pacing {
  /** Waits until the bot-wide budget (sends + edits per rolling second) admits one more call. */
  waitForGlobalSlot(): Promise<void>;
  /** Takes the chat's slot for `holder`; answers 0 when taken, otherwise the ms until it frees up. */
  tryChatSlot(channel: string, chatId: string, holder: string): Promise<number>;
  /**
   * Waits until one send to a chat whose slot `holder` took may go: the bot-wide budget admits it and the chat
   * slot is re-armed from this moment, atomically. False when another holder took the chat slot meanwhile
   * (waiting for the budget outlasted it): take the slot again.
   */
  admitSend(channel: string, chatId: string, holder: string): Promise<boolean>;
  /** Reserves the next free send time (epoch ms) for a recipient, not before `earliest`. */
  reserve(recipient: number, earliest: number): Promise<number>;
}

export function createPacing(redis: Redis, keys: OutboxKeys, limits: { globalPerSecond: number; perChatIntervalMs: number }): Pacing {
  const instance = randomUUID().slice(0, 8);
  let counter = 0;
  const chatTtl = limits.perChatIntervalMs + PER_CHAT_MARGIN_MS;

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
    async tryChatSlot(channel, chatId, holder) {
      if (limits.perChatIntervalMs <= 0) return 0;
      const key = keys.chatSlot(channel, chatId);
      const current = await redis.set(key, holder, 'PX', chatTtl, 'NX', 'GET');
      if (current === null || current === holder) return 0;
      const ttl = await redis.pttl(key);
      return ttl > 0 ? ttl : 1;
    },
    async admitSend(channel, chatId, holder) {
      for (;;) {
        counter += 1;
        const wait = Number(await ADMIT_SCRIPT.run(redis, [keys.gate, keys.chatSlot(channel, chatId)], [
          limits.globalPerSecond, 1000 + GLOBAL_WINDOW_MARGIN_MS, `${instance}:${counter}`, holder,
          limits.perChatIntervalMs > 0 ? chatTtl : 0,
        ]));
        if (wait === 0) return true;
        if (wait < 0) return false;
        await sleep(wait);
      }
    },
    async reserve(recipient, earliest) {
      if (limits.perChatIntervalMs <= 0) return earliest;
      return Number(await SPREAD_SCRIPT.run(redis, [keys.spread(recipient)], [earliest, chatTtl]));
    },
  };
}
