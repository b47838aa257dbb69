import { afterEach, describe, expect, it } from 'vitest';
import { botTexts, createHarness, eventually, type Harness, intent } from './support.js';

let harness: Harness | undefined;
afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

describe('pacing', () => {
  it('a forced 429 pauses the queue and loses nothing', async () => {
    harness = await createHarness({ limits: { globalPerSecond: 5 }, settings: { globalPerSecond: 30 } });
    const { outbox, sandbox } = harness;
    const chats = await harness.addLinkedUsers(30, 8000);
    await outbox.enqueueMany([...chats.keys()].map((b24) => intent(b24, b24)));
    const worker = outbox.startWorker({ concurrency: 10 });
    await eventually(() => [...chats.values()].every((c) => botTexts(sandbox, c).length >= 1), 25_000, 'all delivered');
    expect(sandbox.stats().rateLimited429).toBeGreaterThan(0);
    for (const chat of chats.values()) expect(botTexts(sandbox, chat)).toHaveLength(1);
    expect(await outbox.queue.getFailedCount()).toBe(0);
    await worker.close(5000);
  });

  // 2,000 messages to 200 chats (10 each, enqueued chat by chat: the worst order). Telegram's shape with the
  // global budget scaled to 300/s on both sides, so the run takes ~10 s (the per-chat 1/s bound) instead of 67 s.
  it('a 2,000-message fan-out gets no 429 and never more than one message per chat per second', async () => {
    harness = await createHarness({ limits: { globalPerSecond: 300, perChatIntervalMs: 1000 }, settings: { globalPerSecond: 300 } });
    const { outbox, sandbox } = harness;
    const chats = await harness.addLinkedUsers(200, 9000);
    const intents = [...chats.keys()].flatMap((b24) => Array.from({ length: 10 }, (_, k) => intent(b24, b24 * 100 + k)));
    expect(new Set(await outbox.enqueueMany(intents))).toEqual(new Set(['queued']));
    const workers = [outbox.startWorker({ concurrency: 30 }), harness.twin().startWorker({ concurrency: 30 })];
    await eventually(() => sandbox.stats().sent >= 2000, 40_000, '2000 sends');
    const stats = sandbox.stats();
    expect(stats.rateLimited429).toBe(0);
    expect(stats.maxPerChatPerSecond).toBe(1);
    expect(stats.sent).toBe(2000);
    for (const chat of chats.values()) expect(new Set(botTexts(sandbox, chat)).size).toBe(10);
    await Promise.all(workers.map((w) => w.close(5000)));
  }, 60_000);
});
