import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SandboxEnvironment } from '../../src/demo/environment.js';
import { addDeal, botMessages, buttonsOf, MANAGER, MOSCOW_HEAD, press, settle, startDealsEnvironment, tgOf, waitFor } from './helpers.js';

describe('contract approval loop through the sandbox', () => {
  let env: SandboxEnvironment;
  beforeAll(async () => {
    env = await startDealsEnvironment('dap');
  });
  afterAll(() => env?.stop());

  it('reject → comment → rework → resend → approve, with the portal stage history and one timeline comment per step', async () => {
    const contact = env.bitrix.store.addContact({ NAME: 'Иван', LAST_NAME: 'Клиентов' }, { silent: true });
    const id = addDeal(env, {
      title: 'Contract deal', stageId: 'UC_CONTRACT', daysAgo: 0, opportunity: 900_000,
      extra: { CONTACT_ID: contact, UF_CRM_NONSTD_CONDITIONS: 'Отсрочка 60 дней', UF_CRM_SERVICE_TYPE: 'Поставка' },
    });
    env.bitrix.store.setProductRows(id, [{ PRODUCT_NAME: 'Трансформатор ТМГ-400', PRICE: 450_000, QUANTITY: 2 }]);
    const deals = env.app.capabilities.deals;

    // The scan finds the deal in the approval stage: round 1 goes to the manager's supervisor, once.
    expect((await deals.scan()).approvalsSent).toBe(1);
    expect((await deals.scan()).approvalsSent).toBe(0);
    const round1 = await waitFor(env, MOSCOW_HEAD, (e) => e.text.includes('Contract deal') && e.text.includes('раунд 1'));
    expect(round1.text).toContain('Клиент: Иван Клиентов');
    expect(round1.text).toContain('Трансформатор ТМГ-400 — 2 × 450\u00a0000\u00a0₽ = 900\u00a0000\u00a0₽');
    expect(round1.text).toContain('Нестандартные условия: Отсрочка 60 дней');
    expect(buttonsOf(round1).map((b) => b.data)).toEqual(expect.arrayContaining([`1|dy|${id}|1`, `1|dn|${id}|1`]));

    // Decline: the bot asks for a comment, the supervisor types it.
    await press(env, MOSCOW_HEAD, round1.messageId!, '❌ Отклонить');
    await waitFor(env, MOSCOW_HEAD, (e) => e.messageId === round1.messageId && e.text.includes('Напишите комментарий'));
    expect(env.bitrix.store.getDeal(id)!.STAGE_ID).toBe('UC_CONTRACT');
    env.telegram.sendText(tgOf(env, MOSCOW_HEAD), 'Уберите отсрочку, максимум 30 дней');
    await waitFor(env, MOSCOW_HEAD, (e) => e.text.includes('Комментарий передан менеджеру'));
    await waitFor(env, MOSCOW_HEAD, (e) => e.messageId === round1.messageId && e.text.includes('Отклонил'));
    expect(env.bitrix.store.getDeal(id)!.STAGE_ID).toBe('UC_REWORK');
    const back = await waitFor(env, MANAGER, (e) => e.text.includes('вернул(а) договор на доработку'));
    expect(back.text).toContain('Уберите отсрочку, максимум 30 дней');

    // After the rework the manager re-sends: the deal returns to approval and round 2 goes out.
    await press(env, MANAGER, back.messageId!, '📤 Отправить на согласование');
    await waitFor(env, MANAGER, (e) => e.messageId === back.messageId && e.text.includes('раунд 2'));
    const round2 = await waitFor(env, MOSCOW_HEAD, (e) => e.text.includes('Contract deal') && e.text.includes('раунд 2'));
    expect(env.bitrix.store.getDeal(id)!.STAGE_ID).toBe('UC_CONTRACT');

    // The manager cannot approve their own contract, even with a forged press.
    const writes0 = env.bitrix.writeCalls();
    const own = await env.telegram.waitForCallbackAnswer(env.pressPayload(tgOf(env, MANAGER), back.messageId!, `1|dy|${id}|2`), 10_000);
    expect(own.showAlert).toBe(true);
    expect(env.bitrix.writeCalls()).toBe(writes0);

    // A button of the old round does nothing.
    const writes1 = env.bitrix.writeCalls();
    const stale = await env.telegram.waitForCallbackAnswer(env.pressPayload(tgOf(env, MOSCOW_HEAD), round1.messageId!, `1|dy|${id}|1`), 10_000);
    expect(stale.text).toBe('Сделка изменилась, показываю актуальное состояние.');
    expect(env.bitrix.writeCalls()).toBe(writes1);
    expect(env.bitrix.store.getDeal(id)!.STAGE_ID).toBe('UC_CONTRACT');

    // Approve: the deal moves on, the manager hears who approved, the message shows who and when.
    await press(env, MOSCOW_HEAD, round2.messageId!, '✅ Согласовать');
    const approved = await waitFor(env, MOSCOW_HEAD, (e) => e.messageId === round2.messageId && e.text.includes('Согласовал'));
    expect(buttonsOf(approved).every((b) => b.data === undefined)).toBe(true);
    await waitFor(env, MANAGER, (e) => e.text.includes('согласовал(а) договор (раунд 2)'));
    expect(env.bitrix.store.getDeal(id)!.STAGE_ID).toBe('PREPAYMENT_INVOICE');

    // A second approve press changes nothing.
    const writes2 = env.bitrix.writeCalls();
    const again = await env.telegram.waitForCallbackAnswer(env.pressPayload(tgOf(env, MOSCOW_HEAD), round2.messageId!, `1|dy|${id}|2`), 10_000);
    expect(again.text).toBe('Уже сделано.');
    expect(env.bitrix.writeCalls()).toBe(writes2);

    expect(env.bitrix.store.dealStageHistory(id).map((h) => h.STAGE_ID)).toEqual(['UC_CONTRACT', 'UC_REWORK', 'UC_CONTRACT', 'PREPAYMENT_INVOICE']);
    const comments = env.bitrix.store.listTimelineComments({ entityType: 'deal', entityId: id }).map((c) => c.COMMENT);
    expect(comments).toHaveLength(4);
    expect(comments[0]).toContain('раунд 1');
    expect(comments[1]).toContain('отклонён, раунд 1');
    expect(comments[1]).toContain('Уберите отсрочку');
    expect(comments[2]).toContain('отправлен на согласование, раунд 2');
    expect(comments[3]).toContain('согласован, раунд 2');
    await settle();
    // Exactly one message per round reached the supervisor (the scans did not resend).
    expect(botMessages(env, MOSCOW_HEAD, 'Contract deal')).toHaveLength(2);
  });

  it('a deal entering the approval stage (Bitrix24 event) sends a round to the supervisor, once', async () => {
    const id = addDeal(env, { title: 'Event contract deal', stageId: 'PREPARATION', daysAgo: 1, extra: { UF_CRM_SERVICE_TYPE: 'Монтаж' } });
    env.bitrix.store.moveDealStage(id, 'UC_CONTRACT', { silent: true });
    const deals = env.app.capabilities.deals;
    await deals.onBitrixEvent!({ event: 'ONCRMDEALUPDATE', entityId: id, ts: null });
    await deals.onBitrixEvent!({ event: 'ONCRMDEALUPDATE', entityId: id, ts: null });
    const round = await waitFor(env, MOSCOW_HEAD, (e) => e.text.includes('Event contract deal') && e.text.includes('раунд 1'));
    expect(round.text).toContain('нет товаров');
    expect((await deals.scan()).approvalsSent).toBe(0);
    await settle();
    expect(botMessages(env, MOSCOW_HEAD, 'Event contract deal')).toHaveLength(1);
  });
});
