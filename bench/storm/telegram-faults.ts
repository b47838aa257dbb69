/**
 * Storm: an outbox fan-out while Telegram answers 5xx, floods with 429 and a long retry_after, and loses answers
 * after the message was sent. Goal: nothing lost; a message repeats only where its answer was lost, once.
 */
import { botTexts, createHarness, eventually, intent } from '../../test/outbox/support.js';

export interface TelegramFaultsResult {
  messages: number;
  delivered: number;
  lost: number;
  repeated: number;
  serverErrors: number;
  floodWaits: number;
  lostAnswers: number;
  failed: number;
  seconds: number;
}

export async function runTelegramFaults(options: { chats: number; perChat: number; retryAfter: number }): Promise<TelegramFaultsResult> {
  const harness = await createHarness({
    limits: { globalPerSecond: 1_000, perChatIntervalMs: 0 },
    settings: { globalPerSecond: 1_000, perChatIntervalMs: 0, attempts: 10, backoffBaseMs: 50, backoffMaxMs: 2_000 },
  });
  try {
    const { outbox, sandbox } = harness;
    sandbox.setFaults({ serverError: 0.1, floodWait: 0.02, retryAfter: options.retryAfter, lostAnswer: 0.05, seed: 5 });
    const chats = await harness.addLinkedUsers(options.chats, 20_000);
    const intents = [...chats.keys()].flatMap((b24) => Array.from({ length: options.perChat }, (_, k) => intent(b24, b24 * 100 + k)));
    const started = performance.now();
    await outbox.enqueueMany(intents);
    const worker = outbox.startWorker({ concurrency: 20 });
    const idle = async () => (await outbox.queue.getActiveCount()) + (await outbox.queue.getWaitingCount()) + (await outbox.queue.getDelayedCount()) === 0;
    await eventually(idle, 600_000, 'the fan-out to finish');
    const seconds = (performance.now() - started) / 1000;
    const delivered = [...chats.values()].flatMap((chat) => botTexts(sandbox, chat));
    const distinct = new Set(delivered).size;
    const faults = sandbox.stats().faults;
    const failed = await outbox.queue.getFailedCount();
    await worker.close(5_000);
    return {
      messages: intents.length, delivered: distinct, lost: intents.length - distinct, repeated: delivered.length - distinct,
      serverErrors: faults.serverErrors, floodWaits: faults.floodWaits, lostAnswers: faults.lostAnswers, failed, seconds,
    };
  } finally {
    await harness.close();
  }
}
