import { afterEach, describe, expect, it } from 'vitest';
import { botTexts, createHarness, eventually, type Harness, intent } from './support.js';

let harness: Harness | undefined;
afterEach(async () => {
  await harness?.close();
  harness = undefined;
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
