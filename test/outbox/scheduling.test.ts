import { afterEach, describe, expect, it } from 'vitest';
import { notificationId } from '../../src/outbox/index.js';
import { botTexts, createHarness, eventually, intent, type Harness } from './support.js';

let harness: Harness | undefined;
afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

const quietRules = { start: '09:00', end: '18:00', days: [1, 2, 3, 4, 5], quietStart: '20:00', quietEnd: '09:00', holidays: [] };

describe('working hours', () => {
  it('holds a message through quiet hours and delivers it when the window opens; urgent kinds go at once', async () => {
    // Wednesday 2026-03-04, 08:59:58.5 in Moscow (UTC+3): 1.5 s of quiet hours left. The fake clock runs at real speed.
    const fakeStart = Date.parse('2026-03-04T05:59:58.500Z');
    const realStart = Date.now();
    const clock = () => new Date(fakeStart + (Date.now() - realStart));
    harness = await createHarness({ clock, settings: { workingHours: quietRules, urgentKinds: ['lead.hot'] } });
    const { outbox, sandbox } = harness;
    const chats = await harness.addLinkedUsers(2, 6000);
    await outbox.enqueue(intent(6000, 1));
    await outbox.enqueue(intent(6001, 2, { kind: 'lead.hot' }));
    expect(await outbox.queue.getJobState(notificationId(6000, 'lead.new:lead:1'))).toBe('delayed');
    const worker = outbox.startWorker();
    const urgent = await sandbox.waitForMessage(chats.get(6001)!, { textIncludes: '#2' }, 10_000);
    const held = await sandbox.waitForMessage(chats.get(6000)!, { textIncludes: '#1' }, 10_000);
    const fakeAt = (realAt: number) => fakeStart + (realAt - realStart);
    const nineOClock = Date.parse('2026-03-04T06:00:00.000Z');
    expect(fakeAt(urgent.at)).toBeLessThan(nineOClock);
    expect(fakeAt(held.at)).toBeGreaterThanOrEqual(nineOClock);
    await worker.close(5000);
  });

  it("waits for the recipient's own quiet hours and for notBefore", async () => {
    // Saturday 2026-03-07 12:00 Moscow: a day off by the rules file.
    const fakeNow = Date.parse('2026-03-07T09:00:00.000Z');
    const realStart = Date.now();
    const clock = () => new Date(fakeNow + (Date.now() - realStart));
    harness = await createHarness({ clock, settings: { workingHours: quietRules } });
    const { outbox, identity, sandbox } = harness;
    const chats = await harness.addLinkedUsers(3, 6100);
    await identity.setPreferences(6101, { weekendsOff: false });
    await identity.setPreferences(6102, { weekendsOff: false });
    await outbox.enqueueMany([
      intent(6100, 1),
      intent(6101, 2),
      intent(6102, 3, { notBefore: new Date(fakeNow + 60 * 60_000) }),
    ]);
    const worker = outbox.startWorker();
    await sandbox.waitForMessage(chats.get(6101)!, { textIncludes: '#2' }, 10_000);
    const weekend = await outbox.queue.getJob(notificationId(6100, 'lead.new:lead:1'));
    const later = await outbox.queue.getJob(notificationId(6102, 'lead.new:lead:3'));
    expect(await weekend!.getState()).toBe('delayed');
    // Monday 09:00 Moscow is 45 hours away; notBefore is one hour away.
    expect(weekend!.delay).toBeGreaterThan(44 * 3600_000);
    expect(weekend!.delay).toBeLessThanOrEqual(45 * 3600_000);
    expect(later!.delay).toBeGreaterThan(59 * 60_000);
    expect(botTexts(sandbox, chats.get(6100)!)).toHaveLength(0);
    await worker.close(5000);
  });
});

describe('digests', () => {
  it('folds more than K pending messages of one kind into one message and sends the rest one by one', async () => {
    harness = await createHarness({ settings: { digestThreshold: 3 } });
    const { outbox, sandbox } = harness;
    const chats = await harness.addLinkedUsers(1, 7000);
    const stuck = [1, 2, 3, 4, 5].map((n) => intent(7000, n, {
      kind: 'deal.stuck', entity: { type: 'deal', id: n }, key: `deal.stuck:${n}:L1`,
      digestLine: { ru: `Сделка #${n} стоит 15 дней`, en: `Deal #${n} stuck for 15 days` },
    }));
    const leads = [10, 11].map((n) => intent(7000, n, { digestLine: { ru: `Лид #${n}`, en: `Lead #${n}` } }));
    await outbox.enqueueMany([...stuck, ...leads]);
    const worker = outbox.startWorker({ concurrency: 4 });
    const chat = chats.get(7000)!;
    await eventually(() => botTexts(sandbox, chat).length >= 3, 15_000, 'three messages');
    await eventually(async () => (await outbox.queue.getCompletedCount()) === 7, 5000, 'all jobs done');
    const texts = botTexts(sandbox, chat);
    expect(texts).toHaveLength(3);
    const digest = sandbox.transcript(chat).find((e) => e.text.includes('Уведомлений: 5'))!;
    for (const n of [1, 2, 3, 4, 5]) expect(digest.text).toContain(`Сделка #${n} стоит 15 дней`);
    const keyboard = (digest.replyMarkup as { inline_keyboard: Array<Array<{ text: string; callback_data: string }>> }).inline_keyboard;
    expect(keyboard.flat().map((b) => b.callback_data).sort()).toEqual(['take:1', 'take:2', 'take:3', 'take:4', 'take:5']);
    expect(texts.filter((t) => /Новый лид #1[01]/.test(t))).toHaveLength(2);
    const ref = await outbox.findRef('deal.stuck', { type: 'deal', id: 4 }, 7000);
    expect(ref).toMatchObject({ messageId: String(digest.messageId), digest: true });
    expect(harness.metricsLog.filter((m) => m === 'dedup:deal.stuck:folded')).toHaveLength(4);
    await worker.close(5000);
  });

  it('pages a long digest under the 100-button limit, one chat message per second', async () => {
    harness = await createHarness({ settings: { digestThreshold: 5 } });
    const { outbox, sandbox } = harness;
    const chats = await harness.addLinkedUsers(1, 7100);
    await outbox.enqueueMany(Array.from({ length: 120 }, (_, i) => intent(7100, i + 1, {
      kind: 'payment.wait', key: `payment.wait:${i + 1}`, digestLine: { ru: `Счёт #${i + 1}`, en: `Invoice #${i + 1}` },
    })));
    const worker = outbox.startWorker({ concurrency: 8 });
    const chat = chats.get(7100)!;
    await sandbox.waitForMessage(chat, { textIncludes: 'стр. 2/2' }, 15_000);
    const pages = sandbox.transcript(chat).filter((e) => e.direction === 'bot');
    expect(pages).toHaveLength(2);
    expect(pages[0]!.text).toContain('стр. 1/2');
    const buttons = pages.map((p) => (p.replyMarkup as { inline_keyboard: unknown[][] }).inline_keyboard.flat().length);
    expect(buttons[0]).toBeLessThanOrEqual(100);
    expect(buttons[0]! + buttons[1]!).toBe(120);
    expect(pages[1]!.at - pages[0]!.at).toBeGreaterThanOrEqual(1000);
    expect(sandbox.stats().rateLimited429).toBe(0);
    await worker.close(5000);
  });
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
