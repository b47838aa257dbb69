import { imbotOf } from '@dealpilot/sandbox/bitrix/imbot';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readRulesFile } from '../../src/config/load.js';
import { addDeal, MANAGER, MOSCOW_HEAD, OTHER_MANAGER, type Scenario, settle, startScenario } from './environment.js';
import { MESSENGERS } from './messengers.js';
import { auditComments, crmWrites } from './support-extra.js';

const RULES = readRulesFile('config/rules.example.yaml').rules!;
/** Every STATUS_ID the rules file declares that occurs in a text as a whole word (should be none). */
function rawStageIds(text: string): string[] {
  const ids = RULES.pipelines.flatMap((p) => p.stages.map((st) => st.id));
  return ids.filter((id) => new RegExp(`(^|[^A-Za-z0-9_:])${id.replace(':', '\\:')}($|[^A-Za-z0-9_])`).test(text));
}

// Deals also run with the Bitrix24 bot in push mode: the same path, events posted by the portal.
describe.each([...MESSENGERS, 'bitrix24-push'] as const)('deals in %s', (messenger) => {
  let s: Scenario;
  beforeAll(async () => {
    s = await startScenario(messenger, 'scd', [MANAGER, MOSCOW_HEAD, OTHER_MANAGER]);
  });
  afterAll(() => s?.env.stop());

  it('a stuck deal nudges its manager once; a button moves it to an allowed stage in Bitrix24 and the message shows it', async () => {
    const { env, chat } = s;
    const id = addDeal(env, { title: 'Stuck scenario deal', stageId: 'NEW', daysAgo: 3 });
    await env.app.capabilities.deals.scan();
    await env.app.capabilities.deals.scan();
    const nudge = await chat.waitFor(MANAGER, (m) => m.text.includes('Stuck scenario deal'));
    expect(nudge.text).toContain('стоит на месте 3 дн.');
    expect(nudge.buttons).toContain('❌ Отказ');
    await settle();
    expect(chat.botMessages(MANAGER).filter((m) => m.text.includes('Stuck scenario deal'))).toHaveLength(1);

    // Stages are named as the portal names them (the rules file names none): no raw STATUS_ID anywhere.
    expect(nudge.text).toContain('Стадия: Новая');
    expect(nudge.buttons).toContain('➡️ Коммерческое предложение');
    expect(rawStageIds(`${nudge.text}\n${nudge.buttons.join('\n')}`)).toEqual([]);
    await chat.press(MANAGER, nudge, '➡️ Коммерческое предложение');
    const moved = await chat.waitFor(MANAGER, (m) => m.messageId === nudge.messageId && m.text.includes('Переведена'));
    expect(moved.text).toContain('«Коммерческое предложение»');
    expect(rawStageIds(moved.text)).toEqual([]);
    const audit = auditComments(env, 'deal', id);
    expect(audit.at(-1)).toContain('«Новая» → «Коммерческое предложение»');
    expect(env.bitrix.store.getDeal(id)!.STAGE_ID).toBe('PREPARATION');
    expect(env.bitrix.store.dealStageHistory(id).map((h) => h.STAGE_ID)).toEqual(['NEW', 'PREPARATION']);
    if (messenger === 'bitrix24-push') {
      // The press reached the app as the portal's POST, answered 200 (no poll job runs in push mode).
      const posts = imbotOf(env.bitrix.store).webhookDeliveries();
      expect(posts.length).toBeGreaterThan(0);
      expect(posts.every((p) => p.status === 200)).toBe(true);
    }
  });

  it('a press on another manager\'s deal is refused and writes nothing', async () => {
    const { env, chat } = s;
    const id = addDeal(env, { title: 'Someone else deal', stageId: 'NEW', daysAgo: 3, assignedTo: OTHER_MANAGER });
    const mine = addDeal(env, { title: 'My own deal', stageId: 'NEW', daysAgo: 3 });
    await env.app.capabilities.deals.scan();
    const nudge = await chat.waitFor(MANAGER, (m) => m.text.includes('My own deal'));
    const writes = crmWrites(env);
    const feedback = await chat.forge(MANAGER, nudge, `1|dm|${id}|PREPARATION`);
    expect(feedback.notice).toContain('нет прав');
    expect(crmWrites(env)).toBe(writes);
    expect(env.bitrix.store.getDeal(id)!.STAGE_ID).toBe('NEW');
    expect(env.bitrix.store.getDeal(mine)!.STAGE_ID).toBe('NEW');
  });

  it('contract approval cannot be bypassed: no forward move button, a forged move is refused for the manager and the supervisor', async () => {
    const { env, chat } = s;
    const id = addDeal(env, { title: 'Bypass scenario deal', stageId: 'UC_CONTRACT', daysAgo: 5, extra: { UF_CRM_SERVICE_TYPE: 'Поставка' } });
    await env.app.capabilities.deals.scan();
    const nudge = await chat.waitFor(MANAGER, (m) => m.text.includes('Bypass scenario deal') && m.text.includes('стоит на месте'));
    // The manager is offered the approval and the rejection, never the stage after approval.
    expect(nudge.buttons).toContain('📤 Отправить на согласование');
    expect(nudge.buttons).toContain('❌ Отказ');
    expect(nudge.buttons.some((b) => b.includes('PREPAYMENT_INVOICE') || b.includes('Ожидание оплаты'))).toBe(false);

    const writes = crmWrites(env);
    const own = await chat.forge(MANAGER, nudge, `1|dm|${id}|PREPAYMENT_INVOICE`);
    expect(own.notice).toContain('только после согласования');
    // The supervisor's own forged move (on a message of their dialog) is refused too: only "Approve" moves on.
    await chat.write(MOSCOW_HEAD, '/help');
    const headMessage = chat.botMessages(MOSCOW_HEAD).at(-1)!;
    const head = await chat.forge(MOSCOW_HEAD, headMessage, `1|dm|${id}|PREPAYMENT_INVOICE`);
    expect(head.notice).toContain('только после согласования');
    expect(crmWrites(env)).toBe(writes);
    expect(env.bitrix.store.getDeal(id)!.STAGE_ID).toBe('UC_CONTRACT');
    expect(env.bitrix.store.dealStageHistory(id).map((h) => h.STAGE_ID)).toEqual(['UC_CONTRACT']);
  });

  it('contract approval: the supervisor declines with a typed comment, the manager resends, the supervisor approves', async () => {
    const { env, chat } = s;
    const id = addDeal(env, {
      title: 'Approval scenario deal', stageId: 'UC_CONTRACT', daysAgo: 0, opportunity: 900_000,
      extra: { UF_CRM_NONSTD_CONDITIONS: 'Отсрочка 60 дней', UF_CRM_SERVICE_TYPE: 'Поставка' },
    });
    const deals = env.app.capabilities.deals;
    expect((await deals.scan()).approvalsSent).toBe(1);
    const round1 = await chat.waitFor(MOSCOW_HEAD, (m) => m.text.includes('Approval scenario deal') && m.text.includes('раунд 1'));
    expect(round1.text).toContain('Нестандартные условия: Отсрочка 60 дней');

    // Decline: the bot asks for a comment in this conversation, the supervisor types it.
    await chat.press(MOSCOW_HEAD, round1, '❌ Отклонить');
    await chat.waitFor(MOSCOW_HEAD, (m) => m.messageId === round1.messageId && m.text.includes('Напишите комментарий'));
    await chat.write(MOSCOW_HEAD, 'Уберите отсрочку, максимум 30 дней');
    await chat.waitFor(MOSCOW_HEAD, (m) => m.text.includes('Комментарий передан менеджеру'));
    await chat.waitFor(MOSCOW_HEAD, (m) => m.messageId === round1.messageId && m.text.includes('Отклонил'));
    expect(env.bitrix.store.getDeal(id)!.STAGE_ID).toBe('UC_REWORK');
    const back = await chat.waitFor(MANAGER, (m) => m.text.includes('вернул(а) договор на доработку'));
    expect(back.text).toContain('Уберите отсрочку, максимум 30 дней');

    // The manager re-sends; round 2 reaches the supervisor, who approves.
    await chat.press(MANAGER, back, '📤 Отправить на согласование');
    const round2 = await chat.waitFor(MOSCOW_HEAD, (m) => m.text.includes('Approval scenario deal') && m.text.includes('раунд 2'));
    await chat.press(MOSCOW_HEAD, round2, '✅ Согласовать');
    await chat.waitFor(MOSCOW_HEAD, (m) => m.messageId === round2.messageId && m.text.includes('Согласовал'));
    await chat.waitFor(MANAGER, (m) => m.text.includes('согласовал(а) договор (раунд 2)'));
    expect(env.bitrix.store.getDeal(id)!.STAGE_ID).toBe('PREPAYMENT_INVOICE');
    expect(env.bitrix.store.dealStageHistory(id).map((h) => h.STAGE_ID)).toEqual(['UC_CONTRACT', 'UC_REWORK', 'UC_CONTRACT', 'PREPAYMENT_INVOICE']);
    const comments = env.bitrix.store.listTimelineComments({ entityType: 'deal', entityId: id }).map((c) => c.COMMENT);
    expect(comments).toHaveLength(4);
    expect(comments[1]).toContain('Уберите отсрочку');
  });
});
