import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CrmGateway } from '../../src/crm/index.js';
import { type BitrixChatEvent, pullBitrixChatEvents } from '../../src/messengers/bitrix24/events.js';
import { testRedis, uniquePrefix } from '../support/redis.js';

const BOT = 77;

let redis: Redis;
beforeAll(() => { redis = testRedis(); });
afterAll(async () => { await redis.quit(); });

/** A bot queue as `imbot.v2.Event.get` documents it: `offset` acknowledges every event with a smaller id. */
function fakeQueue(texts: Array<{ userId: number; text: string }>): Pick<CrmGateway, 'call'> {
  const events = texts.map(({ userId, text }, i) => ({
    eventId: 1001 + i,
    type: 'ONIMBOTV2MESSAGEADD',
    data: {
      bot: { id: BOT }, user: { id: userId, bot: false }, chat: { dialogId: String(userId), type: 'private' },
      message: { id: 5000 + i, text }, language: 'ru',
    },
  }));
  return {
    call: (async (_method: string, params: Record<string, unknown>) => {
      const offset = typeof params.offset === 'number' ? params.offset : 0;
      const page = events.filter((e) => e.eventId >= offset);
      return { events: page, nextOffset: (page.at(-1)?.eventId ?? offset - 1) + 1, hasMore: false };
    }) as CrmGateway['call'],
  };
}

/**
 * A handler that keeps failing on one event (a deal the CRM answers 400 for, a bug in one feature) releases its
 * marker and rewinds the offset to that event on every tick, so every later event of every user waits behind it
 * forever: the Bitrix24 chat bot goes silent for the whole portal.
 */
describe('fetch mode: one event whose handler always fails', () => {
  it('does not hold back the other users\' events for ever', async () => {
    const crm = fakeQueue([{ userId: 1, text: 'poison' }, { userId: 2, text: 'привет' }]);
    const handled: BitrixChatEvent[] = [];
    let attempts = 0;
    const handle = async (event: BitrixChatEvent) => {
      if (event.kind === 'text' && event.text === 'poison') {
        attempts += 1;
        throw new Error('CRM answered 400');
      }
      handled.push(event);
    };
    const options = { redis, keyPrefix: `${uniquePrefix('fetch-poison')}:`, botToken: 'bot-token-x' };
    // Twenty ticks of the poll job: a minute and a half at the default 5-second interval.
    for (let tick = 0; tick < 20; tick += 1) await pullBitrixChatEvents(crm, BOT, handle, options);
    expect(handled.map((e) => e.userId)).toContain(2);
    // Given up after three attempts, not retried for ever.
    expect(attempts).toBe(3);
  });
});

describe('fetch mode: a poller that lost its lock', () => {
  it('stops before the next event and leaves it for the poller that holds the lock', async () => {
    const crm = fakeQueue([{ userId: 1, text: 'раз' }, { userId: 2, text: 'два' }, { userId: 3, text: 'три' }]);
    const handled: string[] = [];
    const handle = async (event: BitrixChatEvent) => { if (event.kind === 'text') handled.push(event.text); };
    const options = { redis, keyPrefix: `${uniquePrefix('fetch-lock')}:`, botToken: 'bot-token-x' };
    let checks = 0;
    const summary = await pullBitrixChatEvents(crm, BOT, handle, { ...options, keepAlive: async () => (checks += 1) <= 1 });
    expect(handled).toEqual(['раз']);
    expect(summary.handled).toBe(1);
    // The next poll (the lock's holder) handles the rest, and the first event is not handled twice.
    await pullBitrixChatEvents(crm, BOT, handle, options);
    expect(handled).toEqual(['раз', 'два', 'три']);
  });
});

describe('fetch mode: more events than one request returns', () => {
  it('reads on while the portal has more, pausing between requests as the docs ask', async () => {
    const events = [1, 2, 3].map((i) => ({
      eventId: 2000 + i, type: 'ONIMBOTV2MESSAGEADD',
      data: { bot: { id: BOT }, user: { id: i, bot: false }, chat: { dialogId: String(i), type: 'private' }, message: { id: 7000 + i, text: `t${i}` } },
    }));
    const calls: number[] = [];
    const crm: Pick<CrmGateway, 'call'> = {
      call: (async (_method: string, params: Record<string, unknown>) => {
        calls.push(Date.now());
        const offset = typeof params.offset === 'number' ? params.offset : 0;
        const rest = events.filter((e) => e.eventId >= offset);
        return { events: rest.slice(0, 1), nextOffset: (rest[0]?.eventId ?? offset - 1) + 1, hasMore: rest.length > 1 };
      }) as CrmGateway['call'],
    };
    const handled: number[] = [];
    const summary = await pullBitrixChatEvents(crm, BOT, async (e) => { handled.push(e.userId); }, {
      redis, keyPrefix: `${uniquePrefix('fetch-more')}:`, botToken: 'bot-token-x', limit: 1, roundPauseMs: 100,
    });
    expect(handled).toEqual([1, 2, 3]);
    expect(summary.fetched).toBe(3);
    expect(calls).toHaveLength(3);
    // A lower bound only: the pause is kept, however slow the machine.
    expect(calls[2]! - calls[0]!).toBeGreaterThanOrEqual(190); // timers may fire a millisecond early
  });
});
