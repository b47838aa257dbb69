import { afterEach, describe, expect, it } from 'vitest';
import { botTexts, createHarness, eventually, type Harness, intent } from './support.js';

let harness: Harness | undefined;
afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

/** The short version of `npm run storm -- telegram`. */
describe('Telegram misbehaving under a fan-out', () => {
  it('5xx, 429 with retry_after and answers lost after sending: nothing lost, repeats only where an answer was lost', async () => {
    harness = await createHarness({
      limits: { globalPerSecond: 1_000, perChatIntervalMs: 0 },
      settings: { globalPerSecond: 1_000, perChatIntervalMs: 0, attempts: 10, backoffBaseMs: 20, backoffMaxMs: 200 },
    });
    const { outbox, sandbox } = harness;
    sandbox.setFaults({ serverError: 0.1, floodWait: 0.03, retryAfter: 1, lostAnswer: 0.05, seed: 11 });
    const chats = await harness.addLinkedUsers(30, 12_000);
    const intents = [...chats.keys()].flatMap((b24) => Array.from({ length: 10 }, (_, k) => intent(b24, b24 * 100 + k)));
    await outbox.enqueueMany(intents);
    const worker = outbox.startWorker({ concurrency: 10 });
    await eventually(async () => [...chats.values()].every((chat) => new Set(botTexts(sandbox, chat)).size === 10)
      && (await outbox.queue.getActiveCount()) + (await outbox.queue.getWaitingCount()) + (await outbox.queue.getDelayedCount()) === 0, 60_000, 'all 300 delivered');
    const faults = sandbox.stats().faults;
    expect(faults.serverErrors).toBeGreaterThan(0);
    expect(faults.floodWaits).toBeGreaterThan(0);
    expect(faults.lostAnswers).toBeGreaterThan(0);
    const delivered = [...chats.values()].flatMap((chat) => botTexts(sandbox, chat));
    const repeats = delivered.length - new Set(delivered).size;
    // Only a message whose answer was lost can be sent again, and then once.
    expect(repeats).toBeLessThanOrEqual(faults.lostAnswers);
    expect(await outbox.queue.getFailedCount()).toBe(0);
    await worker.close(5_000);
  }, 90_000);
});
