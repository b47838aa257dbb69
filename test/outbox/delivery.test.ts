import { Job } from 'bullmq';
import { afterEach, describe, expect, it } from 'vitest';
import { type ChatAdapter, ChatRejectedError, ChatTransientError } from '../../src/chat/adapter.js';
import { notificationId } from '../../src/outbox/index.js';
import { botTexts, createHarness, eventually, type Harness, intent } from './support.js';

let harness: Harness | undefined;
afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

describe('outbox delivery', () => {
  it("delivers in the recipient's language, keeps a reference and edits the same message", async () => {
    harness = await createHarness();
    const { outbox, sandbox, identity } = harness;
    const chats = await harness.addLinkedUsers(2);
    await identity.setPreferences(1001, { locale: 'en' });
    expect(await outbox.enqueue(intent(1000, 1))).toBe('queued');
    expect(await outbox.enqueue(intent(1001, 2))).toBe('queued');
    const worker = outbox.startWorker({ concurrency: 4 });
    const ru = await sandbox.waitForMessage(chats.get(1000)!, { textIncludes: 'Новый лид #1' }, 10_000);
    await sandbox.waitForMessage(chats.get(1001)!, { textIncludes: 'New lead #2' }, 10_000);

    await eventually(async () => (await outbox.findRef('lead.new', { type: 'lead', id: 1 }, 1000)) !== null, 5000, 'ref');
    const ref = await outbox.findRef('lead.new', { type: 'lead', id: 1 }, 1000);
    expect(ref).toMatchObject({ channel: 'telegram', chatId: String(chats.get(1000)), messageId: String(ru.messageId), kind: 'lead.new', recipient: 1000 });
    await outbox.edit(ref!, { text: 'Лид #1 взят в работу' });
    const edited = sandbox.transcript(chats.get(1000)!).find((e) => e.messageId === ru.messageId);
    expect(edited).toMatchObject({ text: 'Лид #1 взят в работу', edited: 1 });
    expect(harness.metricsLog).toContain('sent:lead.new:telegram');
    expect(await worker.close(5000)).toBe(true);
  });

  it('delivers one key once across two enqueues, two workers and a later re-enqueue', async () => {
    harness = await createHarness({ settings: { globalPerSecond: 200 } });
    const { outbox, sandbox } = harness;
    const chats = await harness.addLinkedUsers(20);
    const second = harness.twin();
    const batch = [...chats.keys()].map((b24) => intent(b24, b24));
    const [first, again] = await Promise.all([outbox.enqueueMany(batch), second.enqueueMany(batch)]);
    // Each key is accepted by exactly one of the racing producers.
    batch.forEach((_, i) => expect([first[i], again[i]].sort()).toEqual(['duplicate', 'queued']));
    const workers = [outbox.startWorker({ concurrency: 5 }), second.startWorker({ concurrency: 5 })];
    await eventually(() => [...chats.values()].every((chat) => botTexts(sandbox, chat).length >= 1), 15_000, 'all delivered');
    expect(await outbox.enqueueMany(batch)).toEqual(batch.map(() => 'duplicate'));
    await new Promise((r) => setTimeout(r, 300));
    for (const chat of chats.values()) expect(botTexts(sandbox, chat)).toHaveLength(1);
    await Promise.all(workers.map((w) => w.close(5000)));
  });

  it('skips a job whose key was already delivered (a re-run after a crash)', async () => {
    harness = await createHarness();
    const { outbox, sandbox, redis, prefix } = harness;
    const chats = await harness.addLinkedUsers(1);
    // The sent record exists but the job is queued again, as after a crash between send and completion.
    await redis.set(`${prefix}:ob:sent:${notificationId(1000, 'lead.new:lead:7')}`, '{}', 'EX', 60);
    await outbox.queue.add('lead.new', {
      id: notificationId(1000, 'lead.new:lead:7'), recipient: 1000, kind: 'lead.new', entity: { type: 'lead', id: 7 },
      key: 'lead.new:lead:7', message: intent(1000, 7).message, dueAt: Date.now(), urgent: false,
    }, { jobId: notificationId(1000, 'lead.new:lead:7') });
    expect(await outbox.enqueue(intent(1000, 8))).toBe('queued');
    const worker = outbox.startWorker();
    await sandbox.waitForMessage(chats.get(1000)!, { textIncludes: '#8' }, 10_000);
    await eventually(async () => (await outbox.queue.getJobState(notificationId(1000, 'lead.new:lead:7'))) === 'completed', 5000, 'completed');
    expect(botTexts(sandbox, chats.get(1000)!).some((t) => t.includes('#7'))).toBe(false);
    expect(harness.metricsLog).toContain('dedup:lead.new:delivery');
    await worker.close(5000);
  });

  it('falls back to Bitrix24 notifications for a recipient without a link or who prefers Bitrix24', async () => {
    harness = await createHarness();
    const { outbox, identity } = harness;
    await harness.addLinkedUsers(1, 2000);
    await identity.setPreferences(2000, { channel: 'bitrix24' });
    await outbox.enqueueMany([intent(2000, 1), intent(2999, 2)]);
    const worker = outbox.startWorker();
    // Metrics are counted once the delivery is recorded, just after the fallback call returns.
    await eventually(() => harness!.metricsLog.filter((m) => m === 'sent:lead.new:fallback').length === 2, 10_000, 'fallbacks');
    expect(harness.fallback.map((f) => f.userId).sort()).toEqual([2000, 2999]);
    await eventually(async () => (await harness!.outbox.queue.getCompletedCount()) === 2, 5000, 'jobs completed');
    expect(harness.fallback.find((f) => f.userId === 2999)?.text).toBe('Новый лид #2');
    await worker.close(5000);
  });

  it('403: marks the user unreachable, falls back, and tells the supervisor exactly once', async () => {
    harness = await createHarness();
    const { outbox, sandbox, identity, supervisors } = harness;
    const chats = await harness.addLinkedUsers(2, 3000);
    supervisors.set(3000, 3001);
    sandbox.block(chats.get(3000)!);
    await outbox.enqueueMany([1, 2, 3].map((n) => intent(3000, n)));
    const worker = outbox.startWorker({ concurrency: 3 });
    await eventually(() => harness!.fallback.length === 3, 15_000, 'three fallbacks');
    expect((await identity.byBitrixUser(3000))?.unreachable).toBe(true);
    await sandbox.waitForMessage(chats.get(3001)!, { textIncludes: '#3000' }, 10_000);
    await outbox.enqueue(intent(3000, 4));
    await eventually(() => harness!.fallback.length === 4, 10_000, 'fourth fallback');
    await new Promise((r) => setTimeout(r, 300));
    expect(botTexts(sandbox, chats.get(3001)!).filter((t) => t.includes('#3000'))).toHaveLength(1);
    expect(botTexts(sandbox, chats.get(3000)!)).toHaveLength(0);
    await worker.close(5000);
  });

  it('retries transient failures with backoff, leaves exhausted jobs failed and never retries a rejection', async () => {
    const failures = new Map<string, number>();
    const flaky = (real: ChatAdapter): ChatAdapter => ({
      channel: 'telegram',
      edit: (ref, m) => real.edit(ref, m),
      async send(chatId, message) {
        if (message.text.includes('#666')) throw new ChatRejectedError("Bad Request: can't parse entities");
        const seen = failures.get(message.text) ?? 0;
        const budget = message.text.includes('#1') ? 2 : message.text.includes('#2') ? 10 : 0;
        if (seen < budget) {
          failures.set(message.text, seen + 1);
          throw new ChatTransientError('Bad Gateway');
        }
        return real.send(chatId, message);
      },
    });
    harness = await createHarness({ adapter: flaky, settings: { attempts: 3 } });
    const { outbox, sandbox } = harness;
    const chats = await harness.addLinkedUsers(3, 4000);
    await outbox.enqueueMany([intent(4000, 1), intent(4001, 2), intent(4002, 666)]);
    const worker = outbox.startWorker({ concurrency: 3 });
    await sandbox.waitForMessage(chats.get(4000)!, { textIncludes: '#1' }, 10_000);
    const exhausted = notificationId(4001, 'lead.new:lead:2');
    const rejected = notificationId(4002, 'lead.new:lead:666');
    await eventually(async () => (await outbox.queue.getJobState(exhausted)) === 'failed' && (await outbox.queue.getJobState(rejected)) === 'failed', 10_000, 'failed');
    expect((await Job.fromId(outbox.queue, exhausted))?.attemptsMade).toBe(3);
    expect((await Job.fromId(outbox.queue, rejected))?.attemptsMade).toBe(1);
    expect(failures.get('**Новый лид** #1')).toBe(2);
    expect(harness.metricsLog).toEqual(expect.arrayContaining(['failed:lead.new:exhausted', 'failed:lead.new:rejected']));
    expect(botTexts(sandbox, chats.get(4001)!)).toHaveLength(0);
    await worker.close(5000);
  });

  it('worker close resolves false when an active job outlives the deadline', async () => {
    let release!: () => void;
    const stuck = new Promise<void>((r) => { release = r; });
    const slow = (real: ChatAdapter): ChatAdapter => ({ ...real, channel: 'telegram', send: async (c, m) => { await stuck; return real.send(c, m); } });
    harness = await createHarness({ adapter: slow });
    await harness.addLinkedUsers(1, 5000);
    await harness.outbox.enqueue(intent(5000, 1));
    const worker = harness.outbox.startWorker();
    await eventually(async () => (await harness!.outbox.queue.getActiveCount()) === 1, 5000, 'active');
    expect(await worker.close(200)).toBe(false);
    release();
  });
});
