import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SandboxEnvironment } from '../../src/demo/environment.js';
import { waitFor as eventually } from '../support/eventually.js';
import { addDeal, botMessages, buttonsOf, DAY, MANAGER, MOSCOW_HEAD, press, settle, startDealsEnvironment, tgOf, waitFor } from './helpers.js';

describe('deal buttons: moves, required fields, rejection, stale presses, payments', () => {
  let env: SandboxEnvironment;
  beforeAll(async () => {
    env = await startDealsEnvironment('dac');
  });
  afterAll(() => env?.stop());

  async function nudgeFor(title: string) {
    await env.app.capabilities.deals.scan();
    return waitFor(env, MANAGER, (e) => e.text.includes(title));
  }

  it('refuses a forged callback for a transition the rules do not allow, writing nothing', async () => {
    const id = addDeal(env, { title: 'Forged deal', stageId: 'NEW', daysAgo: 3 });
    const nudge = await nudgeFor('Forged deal');
    const writesBefore = env.bitrix.writeCalls();
    const queryId = env.pressPayload(tgOf(env, MANAGER), nudge.messageId!, `1|dm|${id}|WON`);
    const answer = await env.telegram.waitForCallbackAnswer(queryId, 10_000);
    expect(answer.text).toBe('Этот переход не разрешён.');
    expect(answer.showAlert).toBe(true);
    expect(env.bitrix.writeCalls()).toBe(writesBefore);
    expect(env.bitrix.store.getDeal(id)!.STAGE_ID).toBe('NEW');
  });

  it('after an approval that left a required field empty, the manager fills it with buttons and the deal moves', async () => {
    const id = addDeal(env, { title: 'Choice-field deal', stageId: 'UC_CONTRACT', daysAgo: 4 });
    const nudge = await nudgeFor('Choice-field deal');
    // Before the approval the move is not the manager's to make.
    const early = await env.telegram.waitForCallbackAnswer(env.pressPayload(tgOf(env, MANAGER), nudge.messageId!, `1|dm|${id}|PREPAYMENT_INVOICE`), 10_000);
    expect(early.text).toContain('только после согласования');
    expect(env.bitrix.store.getDeal(id)!.STAGE_ID).toBe('UC_CONTRACT');

    const round = await waitFor(env, MOSCOW_HEAD, (e) => e.text.includes('Choice-field deal') && e.text.includes('раунд 1'));
    await press(env, MOSCOW_HEAD, round.messageId!, '✅ Согласовать');
    // Approved, but the next stage needs the service type: the deal waits and the manager gets the move.
    const approved = await waitFor(env, MANAGER, (e) => e.text.includes('Choice-field deal') && e.text.includes('заполните: Тип услуги'));
    expect(env.bitrix.store.getDeal(id)!.STAGE_ID).toBe('UC_CONTRACT');
    const move = buttonsOf(approved).find((b) => b.data === `1|dm|${id}|PREPAYMENT_INVOICE`);
    expect(move?.text).toBe('➡️ Ожидание оплаты');
    const answer = await press(env, MANAGER, approved.messageId!, move!.text);
    expect(answer.text).toContain('Тип услуги');
    const asked = await waitFor(env, MANAGER, (e) => e.messageId === approved.messageId && e.text.includes('заполните поле «Тип услуги»'));
    expect(env.bitrix.store.getDeal(id)!.STAGE_ID).toBe('UC_CONTRACT');
    expect(buttonsOf(asked).map((b) => b.text)).toEqual(['Поставка', 'Монтаж', 'Поставка и монтаж', 'Проектирование']);
    await press(env, MANAGER, approved.messageId!, 'Монтаж');
    await waitFor(env, MANAGER, (e) => e.messageId === approved.messageId && e.text.includes('Переведена в «Ожидание оплаты»'));
    const deal = env.bitrix.store.getDeal(id)!;
    expect(deal.UF_CRM_SERVICE_TYPE).toBe('Монтаж');
    expect(deal.STAGE_ID).toBe('PREPAYMENT_INVOICE');
    expect(env.bitrix.store.dealStageHistory(id).map((h) => h.STAGE_ID)).toEqual(['UC_CONTRACT', 'PREPAYMENT_INVOICE']);
  });

  it('the audit comment of a stage move is written once when the portal fails it (500) or loses its answer', async () => {
    const comments = (id: number) => env.bitrix.store.listTimelineComments({ entityType: 'deal', entityId: id });
    for (const fault of ['500', 'lost'] as const) {
      const id = addDeal(env, { title: `Audit ${fault} deal`, stageId: 'NEW', daysAgo: 3 });
      const nudge = await nudgeFor(`Audit ${fault} deal`);
      if (fault === '500') env.bitrix.faults.failNext('crm.timeline.comment.add', 1, { status: 500, error: 'INTERNAL_SERVER_ERROR', description: 'Internal error' });
      else env.bitrix.faults.loseAnswerNext('crm.timeline.comment.add', 1);
      const answer = await press(env, MANAGER, nudge.messageId!, '➡️ Коммерческое предложение');
      expect(answer.text).toBe('Готово');
      expect(env.bitrix.store.getDeal(id)!.STAGE_ID).toBe('PREPARATION');
      await eventually(() => (comments(id).length > 0
        && (fault !== 'lost' || env.bitrix.callLog.some((c) => c.method === 'crm.timeline.comment.list')) ? true : undefined),
      `the audit comment after the ${fault} fault`, 10_000);
      await settle(500);
      expect(comments(id)).toHaveLength(1);
      expect(comments(id)[0]!.COMMENT).toContain('«Новая» → «Коммерческое предложение»');
    }
  });

  it('a press reads the deal once: the owner check and the action share one fresh read', async () => {
    const id = addDeal(env, { title: 'One-read deal', stageId: 'NEW', daysAgo: 3 });
    const nudge = await nudgeFor('One-read deal');
    const reads = () => env.bitrix.callLog.filter((c) => c.method === 'crm.deal.get' && Number((c.params as Record<string, unknown>).id) === id).length;
    const before = reads();
    const answer = await press(env, MANAGER, nudge.messageId!, '⏰ Отложить на 1 дн.');
    expect(answer.text).toBe('Готово');
    expect(reads() - before).toBe(1);
  });

  it('closes a deal as lost with a two-level reason: both fields, the lost stage and a timeline comment', async () => {
    const id = addDeal(env, { title: 'Reject deal', stageId: 'PREPARATION', daysAgo: 6 });
    const nudge = await nudgeFor('Reject deal');
    await press(env, MANAGER, nudge.messageId!, '❌ Отказ');
    await waitFor(env, MANAGER, (e) => e.messageId === nudge.messageId && e.text.includes('Выберите статус отказа'));
    await press(env, MANAGER, nudge.messageId!, 'Цена');
    const reasons = await waitFor(env, MANAGER, (e) => e.messageId === nudge.messageId && e.text.includes('Выберите причину'));
    expect(buttonsOf(reasons).map((b) => b.text)).toEqual(['Дорого', 'Выбрали конкурента']);
    await press(env, MANAGER, nudge.messageId!, 'Выбрали конкурента');
    const done = await waitFor(env, MANAGER, (e) => e.messageId === nudge.messageId && e.text.includes('Закрыта как проигранная'));
    expect(done.text).toContain('Цена / Выбрали конкурента');
    expect(buttonsOf(done).every((b) => b.data === undefined)).toBe(true);
    const deal = env.bitrix.store.getDeal(id)!;
    expect(deal.STAGE_ID).toBe('LOSE');
    expect(deal.UF_CRM_REJECT_STATUS).toBe('price');
    expect(deal.UF_CRM_REJECT_REASON).toBe('competitor');
    const comments = env.bitrix.store.listTimelineComments({ entityType: 'deal', entityId: id });
    expect(comments.map((c) => c.COMMENT).join('\n')).toContain('Причина: Выбрали конкурента');
  });

  it('refuses a reason id that is not in the rules file', async () => {
    const id = addDeal(env, { title: 'Bad-reason deal', stageId: 'NEW', daysAgo: 3 });
    const nudge = await nudgeFor('Bad-reason deal');
    const writesBefore = env.bitrix.writeCalls();
    const answer = await env.telegram.waitForCallbackAnswer(
      env.pressPayload(tgOf(env, MANAGER), nudge.messageId!, `1|dx|${id}|price|spam`), 10_000);
    expect(answer.showAlert).toBe(true);
    expect(env.bitrix.writeCalls()).toBe(writesBefore);
    expect(env.bitrix.store.getDeal(id)!.STAGE_ID).toBe('NEW');
  });

  it('a stale button after someone else moved the deal refreshes the message and writes nothing', async () => {
    const id = addDeal(env, { title: 'Stale deal', stageId: 'NEW', daysAgo: 3 });
    const nudge = await nudgeFor('Stale deal');
    // A colleague moves the deal in Bitrix24.
    env.bitrix.store.moveDealStage(id, 'PREPARATION', { silent: true });
    const writesBefore = env.bitrix.writeCalls();
    const answer = await press(env, MANAGER, nudge.messageId!, `1|dm|${id}|PREPARATION`);
    expect(answer.text).toBe('Сделка изменилась, показываю актуальное состояние.');
    const refreshed = await waitFor(env, MANAGER, (e) => e.messageId === nudge.messageId && e.text.includes('Сделка сейчас'));
    expect(refreshed.text).toContain('Стадия: Коммерческое предложение');
    // The refreshed message offers what the deal allows now.
    expect(buttonsOf(refreshed).map((b) => b.data)).toContain(`1|dm|${id}|UC_CONTRACT`);
    expect(env.bitrix.writeCalls()).toBe(writesBefore);
    expect(env.bitrix.store.dealStageHistory(id).map((h) => h.STAGE_ID)).toEqual(['NEW', 'PREPARATION']);
    expect(await env.app.capabilities.deals.state.snoozedUntil(id)).toBeUndefined();
  });

  it('a double press acts once', async () => {
    const id = addDeal(env, { title: 'Double deal', stageId: 'NEW', daysAgo: 3 });
    const nudge = await nudgeFor('Double deal');
    const tg = tgOf(env, MANAGER);
    const first = env.telegram.pressButton(tg, nudge.messageId!, `1|dm|${id}|PREPARATION`);
    const second = env.telegram.pressButton(tg, nudge.messageId!, `1|dm|${id}|PREPARATION`);
    const answers = await Promise.all([env.telegram.waitForCallbackAnswer(first, 10_000), env.telegram.waitForCallbackAnswer(second, 10_000)]);
    expect(answers.map((a) => a.text).sort()).toEqual(['Готово', 'Уже сделано.']);
    expect(env.bitrix.store.dealStageHistory(id).map((h) => h.STAGE_ID)).toEqual(['NEW', 'PREPARATION']);
  });

  it('payment reminder: the remaining amount, repeats on schedule, "Paid" asks the required date and moves', async () => {
    const id = addDeal(env, {
      title: 'Payment deal', stageId: 'PREPAYMENT_INVOICE', daysAgo: 4, opportunity: 50_000,
      extra: { UF_CRM_PAID_AMOUNT: '12000|RUB', UF_CRM_SERVICE_TYPE: 'Монтаж' },
    });
    const deals = env.app.capabilities.deals;
    await deals.scan();
    const first = await waitFor(env, MANAGER, (e) => e.text.includes('Payment deal'));
    expect(first.text).toContain('Позвоните клиенту по оплате');
    expect(first.text).toContain('Осталось оплатить: 38\u00a0000\u00a0₽');
    expect(buttonsOf(first).map((b) => b.text)).toEqual(expect.arrayContaining(['✅ Оплачено', '❌ Клиент отказывается']));
    expect(buttonsOf(first).some((b) => b.text.startsWith('📅 Ожидается'))).toBe(true);

    // Same period: nothing new. Two days later (paymentRepeatDays: 2): the next reminder, once.
    await deals.scan({ now: new Date(Date.now() + 3600_000) });
    await deals.scan({ now: new Date(Date.now() + 2 * DAY + 3600_000) });
    await deals.scan({ now: new Date(Date.now() + 2 * DAY + 2 * 3600_000) });
    await waitFor(env, MANAGER, (e) => e.text.includes('Payment deal') && e.messageId !== first.messageId);
    await settle();
    expect(botMessages(env, MANAGER, 'Payment deal')).toHaveLength(2);

    // Paid → EXECUTING requires the delivery date: asked as validated text.
    const paidAnswer = await press(env, MANAGER, first.messageId!, '✅ Оплачено');
    expect(paidAnswer.text).toContain('Дата поставки');
    await waitFor(env, MANAGER, (e) => e.messageId === first.messageId && e.text.includes('Дата поставки'));
    expect(env.bitrix.store.getDeal(id)!.STAGE_ID).toBe('PREPAYMENT_INVOICE');
    const tg = tgOf(env, MANAGER);
    env.telegram.sendText(tg, 'завтра');
    await waitFor(env, MANAGER, (e) => e.text.includes('Не похоже на правильное значение'));
    expect(env.bitrix.store.getDeal(id)!.STAGE_ID).toBe('PREPAYMENT_INVOICE');
    env.telegram.sendText(tg, '15.12.2026');
    await waitFor(env, MANAGER, (e) => e.text.includes('«Дата поставки» сохранено'));
    const deal = env.bitrix.store.getDeal(id)!;
    expect(deal.STAGE_ID).toBe('EXECUTING');
    expect(deal.UF_CRM_DELIVERY_DATE).toBe('2026-12-15');
    expect(deal.UF_CRM_PAID_AMOUNT).toBe('50000|RUB');
    // Out of the stage: no more reminders.
    const before = botMessages(env, MANAGER, 'Payment deal').length;
    await deals.scan({ now: new Date(Date.now() + 4 * DAY + 3600_000) });
    await settle();
    expect(botMessages(env, MANAGER, 'Payment deal')).toHaveLength(before);
  });

  it('"Expected on…" snoozes the payment reminder until that date', async () => {
    const id = addDeal(env, { title: 'Expect deal', stageId: 'PREPAYMENT_INVOICE', daysAgo: 3, opportunity: 20_000 });
    const deals = env.app.capabilities.deals;
    await deals.scan();
    const first = await waitFor(env, MANAGER, (e) => e.text.includes('Expect deal'));
    const offer = buttonsOf(first).filter((b) => b.text.startsWith('📅'))[1]!; // three days ahead
    await press(env, MANAGER, first.messageId!, offer.data!);
    await waitFor(env, MANAGER, (e) => e.messageId === first.messageId && e.text.includes('Оплата ожидается'));
    const until = await deals.state.snoozedUntil(id);
    expect(until!.getTime()).toBeGreaterThan(Date.now() + 2 * DAY);
    await deals.scan({ now: new Date(Date.now() + 2 * DAY + 3600_000) });
    await settle();
    expect(botMessages(env, MANAGER, 'Expect deal')).toHaveLength(1);
    await deals.scan({ now: new Date(until!.getTime() + 3600_000) });
    await waitFor(env, MANAGER, (e) => e.text.includes('Expect deal') && e.messageId !== first.messageId);
  });

  it('results sent but not fully paid: the manager gets the remaining amount and one chase task', async () => {
    const id = addDeal(env, {
      title: 'Unpaid results deal', stageId: 'FINAL_INVOICE', daysAgo: 1, opportunity: 30_000, extra: { UF_CRM_PAID_AMOUNT: '10000|RUB' },
    });
    const deals = env.app.capabilities.deals;
    await deals.scan();
    await deals.scan();
    const message = await waitFor(env, MANAGER, (e) => e.text.includes('Unpaid results deal'));
    expect(message.text).toContain('20\u00a0000\u00a0₽');
    const tasks = env.bitrix.callLog.filter((c) => c.method === 'tasks.task.add' && JSON.stringify(c.params).includes(`D_${id}`));
    expect(tasks).toHaveLength(1);
  });
});
