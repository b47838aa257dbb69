import { DEMO } from '@dealpilot/sandbox/bitrix/demo-ids';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ACCOUNT_MANAGER, MANAGER, type Scenario, startScenario } from './environment.js';
import { MESSENGERS } from './messengers.js';
import { absentWhile, auditComments, crmWrites, leadFields, sendPortalEvents } from './support-extra.js';

// Sergey Petrov (10) is the demo's first Moscow manager; his colleagues 11 and 12 share the energy-keywords pool.
const MANAGER_NAME = 'Сергей Петров';
const ENERGY_COLLEAGUES = [11, 12];

// Bitrix24 chat runs twice: events pulled by the poll job, and pushed by the portal (push mode).
describe.each([...MESSENGERS, 'bitrix24-push'] as const)('leads in %s', (messenger) => {
  let s: Scenario;
  beforeAll(async () => {
    s = await startScenario(messenger, 'scl', [MANAGER, ACCOUNT_MANAGER]);
    // The demo's waiting leads would be routed by the scheduled scan in the middle of a scenario; each
    // scenario brings its own lead.
    for (const lead of s.env.bitrix.store.listLeads()) {
      if (Number(lead.ASSIGNED_BY_ID) === DEMO.users.intake) {
        s.env.bitrix.store.updateLead(Number(lead.ID), { ASSIGNED_BY_ID: DEMO.users.salesDirector }, { silent: true });
      }
    }
    // A new lead reaches the app as the portal's ONCRMLEADADD event, as in production.
    sendPortalEvents(s.env);
  });
  afterAll(() => s?.env.stop());

  const lead = (id: number) => s.env.bitrix.store.getLead(id)!;
  const commentsOf = (id: number) => auditComments(s.env, 'lead', id);
  const tasksOf = (id: number) => s.env.bitrix.store.listTasks().filter((t) => t.ufCrmTask.includes(`L_${id}`));
  /** An energy lead arrives while MANAGER's pool colleagues are away, so the rules give it to MANAGER. */
  const routedToManager = (fields: Parameters<typeof leadFields>[0]) => absentWhile(s.env, ENERGY_COLLEAGUES, async () => {
    const id = s.env.bitrix.store.addLead(leadFields(fields));
    return { id, note: await s.chat.waitFor(MANAGER, (m) => m.text.includes(`Новый лид #${id}`)) };
  });

  it('a routed lead reaches its manager with Take / Reject; Take puts it in work in Bitrix24 and the message says so', async () => {
    const { chat } = s;
    const { id, note } = await routedToManager({ title: 'Нужен трансформатор ТМГ', source: 'WEB', type: 'order', comments: 'Срочно, до конца месяца' });
    expect(note.text).toContain('Нужен трансформатор ТМГ');
    expect(note.text).toContain('Олег Орлов, +7 916 000-00-01');
    expect(note.text).toContain('Комментарий: Срочно, до конца месяца');
    expect(note.text).toContain('Взять в работу до:');
    expect(note.pressable).toEqual(expect.arrayContaining(['✅ Взять в работу', '❌ Отказ', '🔁 Переназначить']));
    expect(note.buttons).toContain('🔗 Открыть в Битрикс24');
    // The assignment as the portal holds it: owner, a task bound to the lead, an audit comment naming the rule.
    expect(Number(lead(id).ASSIGNED_BY_ID)).toBe(MANAGER);
    expect(lead(id).STATUS_ID).toBe('NEW');
    expect(tasksOf(id).map((t) => t.responsibleId)).toEqual([MANAGER]);
    expect(commentsOf(id)).toHaveLength(1);
    expect(commentsOf(id)[0]).toContain(`лид назначен на ${MANAGER_NAME}`);

    await chat.press(MANAGER, note, '✅ Взять в работу');
    const taken = await chat.waitFor(MANAGER, (m) => m.messageId === note.messageId && m.text.includes('в работе'));
    expect(taken.text).toBe(`✅ Лид #${id} «Нужен трансформатор ТМГ» в работе (${MANAGER_NAME}).`);
    expect(taken.buttons).toEqual(['🔗 Открыть в Битрикс24']);
    expect(lead(id).STATUS_ID).toBe('IN_PROCESS');
    expect(commentsOf(id)).toHaveLength(2);
    expect(commentsOf(id)[1]).toBe(`DealPilot: ${MANAGER_NAME} взял(а) лид в работу.`);
  });

  it('Reject asks for a top status, then a concrete reason (with a way back); the pick closes the lead in Bitrix24', async () => {
    const { env, chat } = s;
    const { id, note } = await routedToManager({ title: 'Спам про подстанцию', source: 'WEB', type: 'order' });
    const same = (text: string) => (m: { messageId: number; text: string }) => m.messageId === note.messageId && m.text.includes(text);

    await chat.press(MANAGER, note, '❌ Отказ');
    let menu = await chat.waitFor(MANAGER, same('выберите причину отказа'));
    expect(menu.pressable).toEqual(['Цена', 'Нет потребности', 'Некачественный лид']);

    // A wrong top status, then back to the list: nothing is written on the way.
    const writes = crmWrites(env);
    await chat.press(MANAGER, menu, 'Цена');
    menu = await chat.waitFor(MANAGER, same('отказ «Цена»'));
    expect(menu.pressable).toEqual(['Дорого', 'Выбрали конкурента', '⬅️ Назад']);
    // "Back" carries the same button data as "Reject" on the same message, and a person may press it within
    // the same second: it is a new press, not a replay.
    await chat.press(MANAGER, menu, '⬅️ Назад');
    menu = await chat.waitFor(MANAGER, same('выберите причину отказа'));
    await chat.press(MANAGER, menu, 'Некачественный лид');
    menu = await chat.waitFor(MANAGER, same('отказ «Некачественный лид»'));
    expect(menu.pressable).toEqual(['Спам', 'Не дозвонились', '⬅️ Назад']);
    expect(crmWrites(env)).toBe(writes);
    expect(lead(id).STATUS_ID).toBe('NEW');

    await chat.press(MANAGER, menu, 'Спам');
    const closed = await chat.waitFor(MANAGER, same('закрыт'));
    expect(closed.text).toBe(`❌ Лид #${id} «Спам про подстанцию» закрыт: Некачественный лид — Спам.`);
    expect(closed.buttons).toEqual(['🔗 Открыть в Битрикс24']);
    expect(lead(id)).toMatchObject({ STATUS_ID: 'JUNK', UF_CRM_REJECT_STATUS: 'bad_lead', UF_CRM_REJECT_REASON: 'spam' });
    expect(commentsOf(id).at(-1)).toBe(`DealPilot: ${MANAGER_NAME} отклонил(а) лид. Причина: Некачественный лид — Спам.`);
  });

  it('a lead no rule matches goes to the account manager, who assigns it by hand; the manager then takes it', async () => {
    const { env, chat } = s;
    const id = env.bitrix.store.addLead(leadFields({ title: 'Уточнить сроки доставки', source: 'CALL', type: 'question' }));
    const offer = await chat.waitFor(ACCOUNT_MANAGER, (m) => m.text.includes(`Лид #${id} ждёт ручного назначения`));
    expect(offer.text).toContain('Уточнить сроки доставки');
    expect(offer.text).toContain('Выберите менеджера');
    expect(Number(lead(id).ASSIGNED_BY_ID)).toBe(ACCOUNT_MANAGER);
    expect(commentsOf(id)).toHaveLength(1);
    expect(commentsOf(id)[0]).toContain('аккаунт-менеджеру');
    expect(tasksOf(id)).toEqual([]);
    const pick = offer.pressable.find((b) => b.includes(MANAGER_NAME));
    expect(pick).toMatch(/^🟢 Сергей Петров \(\d+\)$/u);

    await chat.press(ACCOUNT_MANAGER, offer, pick!);
    const done = await chat.waitFor(ACCOUNT_MANAGER, (m) => m.messageId === offer.messageId && m.text.includes('назначен на'));
    expect(done.text).toBe(`👤 Лид #${id} «Уточнить сроки доставки» назначен на ${MANAGER_NAME}.`);
    expect(Number(lead(id).ASSIGNED_BY_ID)).toBe(MANAGER);
    expect(tasksOf(id).map((t) => t.responsibleId)).toEqual([MANAGER]);
    expect(commentsOf(id).at(-1)).toBe(`DealPilot: Ольга Морозова назначил(а) лид на ${MANAGER_NAME} вручную.`);

    const note = await chat.waitFor(MANAGER, (m) => m.text.includes(`Новый лид #${id}`));
    await chat.press(MANAGER, note, '✅ Взять в работу');
    await chat.waitFor(MANAGER, (m) => m.messageId === note.messageId && m.text.includes('в работе'));
    expect(lead(id).STATUS_ID).toBe('IN_PROCESS');
  });
});
