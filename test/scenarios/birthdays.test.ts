import { DEMO } from '@dealpilot/sandbox/bitrix/demo-ids';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { birthdayFieldsOf, dealsOfContact } from '../birthdays/support.js';
import { MANAGER, OTHER_MANAGER, type Scenario, startScenario } from './environment.js';
import { MESSENGERS, type SeenMessage } from './messengers.js';
import { auditComments, crmWrites, sendPortalEvents, writeUnanswered } from './support-extra.js';

const MANAGER_NAME = 'Сергей Петров';
const CHECK = DEMO.stages.birthdayCheck;

// Bitrix24 chat runs twice: events pulled by the poll job, and pushed by the portal (push mode).
describe.each([...MESSENGERS, 'bitrix24-push'] as const)('birthday manual check in %s', (messenger) => {
  let s: Scenario;
  beforeAll(async () => {
    s = await startScenario(messenger, 'scb', [MANAGER, OTHER_MANAGER]);
    // A contact saved in the portal reaches the app as ONCRMCONTACTADD; the app normalises it in its queue.
    sendPortalEvents(s.env);
  });
  afterAll(() => s?.env.stop());

  /** A contact of MANAGER saved with these birthday fields, and the check message the app sends about it. */
  async function contactInCheck(name: string, date: string, text: string): Promise<{ contactId: number; message: SeenMessage }> {
    const contactId = s.env.bitrix.store.addContact({ NAME: name, ASSIGNED_BY_ID: MANAGER, UF_CRM_CHILD_BIRTHDAY: date, UF_CRM_CHILD_BIRTHDAY_TEXT: text });
    const message = await s.chat.waitFor(MANAGER, (m) => m.text.includes(`Проверьте день рождения ребёнка — ${name}`));
    return { contactId, message };
  }
  const checkDealOf = (contactId: number) => {
    const deals = dealsOfContact(s.env, contactId, DEMO.pipelines.birthdayCheck);
    expect(deals).toHaveLength(1);
    return deals[0]!;
  };
  const auditOf = (contactId: number) => auditComments(s.env, 'contact', contactId);

  it('a date that disagrees with the text: the manager picks the text\'s date by a button and it is written to the contact', async () => {
    const { env, chat } = s;
    const { contactId, message } = await contactInCheck('Зоя', '2019-05-14', '15.05.2019');
    expect(message.text).toContain('Причина: текст не совпадает с полем даты');
    expect(message.text).toContain('Текст: «15.05.2019»');
    expect(message.buttons).toEqual(['Оставить 14 мая 2019', 'Взять 15 мая 2019', 'Ввести дату', 'Открыть в Битрикс24']);
    // Until someone decides, the contact keeps both values and a check deal waits for the manager.
    expect(birthdayFieldsOf(env, contactId)).toEqual({ date: '2019-05-14', text: '15.05.2019' });
    expect(checkDealOf(contactId)).toMatchObject({ STAGE_ID: CHECK.NEW, ASSIGNED_BY_ID: MANAGER, TITLE: 'Проверка дня рождения: Зоя' });

    await chat.press(MANAGER, message, 'Взять 15 мая 2019');
    const resolved = await chat.waitFor(MANAGER, (m) => m.messageId === message.messageId && m.text.includes('записан'));
    expect(resolved.text).toBe('✅ День рождения (Зоя) записан: 15 мая 2019.');
    expect(resolved.buttons).toEqual([]);
    expect(birthdayFieldsOf(env, contactId)).toEqual({ date: '2019-05-15', text: '' });
    expect(checkDealOf(contactId).STAGE_ID).toBe(CHECK.WON);
    expect(auditOf(contactId)).toEqual([`DealPilot: день рождения ребёнка подтверждён — 15 мая 2019 (${MANAGER_NAME}).`]);
  });

  it('"Keep" keeps the date field and clears the text; only the contact\'s manager was asked', async () => {
    const { env, chat } = s;
    const { contactId, message } = await contactInCheck('Ия', '2018-03-10', '11.03.2018');
    await chat.press(MANAGER, message, 'Оставить 10 марта 2018');
    await chat.waitFor(MANAGER, (m) => m.messageId === message.messageId && m.text === '✅ День рождения (Ия) записан: 10 марта 2018.');
    expect(birthdayFieldsOf(env, contactId)).toEqual({ date: '2018-03-10', text: '' });
    expect(checkDealOf(contactId).STAGE_ID).toBe(CHECK.WON);
    expect(chat.botMessages(OTHER_MANAGER).filter((m) => m.text.includes('Ия'))).toEqual([]);
  });

  it('a choice made after someone edited the contact in Bitrix24 is refused, and nothing is written', async () => {
    const { env, chat } = s;
    const { contactId, message } = await contactInCheck('Ася', '2019-06-01', '02.06.2019');
    env.bitrix.store.updateContact(contactId, { UF_CRM_CHILD_BIRTHDAY_TEXT: '03.06.2019' }, { silent: true });
    const writes = crmWrites(env);
    const feedback = await chat.press(MANAGER, message, 'Взять 2 июня 2019');
    expect(feedback.notice).toBe('Поля дня рождения изменились после отправки сообщения — ничего не записано, проверьте карточку.');
    expect(crmWrites(env)).toBe(writes);
    expect(birthdayFieldsOf(env, contactId)).toEqual({ date: '2019-06-01', text: '03.06.2019' });
    expect(checkDealOf(contactId).STAGE_ID).toBe(CHECK.NEW);
    // The check message is left as it was, for the manager to look at the card.
    expect(chat.botMessages(MANAGER).find((m) => m.messageId === message.messageId)?.text).toBe(message.text);
  });

  it('an unparseable text: "Type the date" asks for it, a wrong date is refused, the typed date is written', async () => {
    const { env, chat } = s;
    const { contactId, message } = await contactInCheck('Лея', '', 'скоро будет');
    expect(message.text).toContain('Причина: текст не похож на дату');
    expect(message.text).toContain('Поле даты: —');
    // Nothing to choose from: only typing the date is offered.
    expect(message.buttons).toEqual(['Ввести дату', 'Открыть в Битрикс24']);

    await chat.press(MANAGER, message, 'Ввести дату');
    const prompt = await chat.waitFor(MANAGER, (m) => m.text.startsWith('Введите дату рождения ребёнка (Лея)'));
    expect(prompt.messageId).toBeGreaterThan(message.messageId);

    const writes = crmWrites(env);
    await chat.write(MANAGER, '31.02.2019');
    await chat.waitFor(MANAGER, (m) => m.messageId > prompt.messageId && m.text.startsWith('Не получилось прочитать дату'));
    expect(crmWrites(env)).toBe(writes);
    expect(birthdayFieldsOf(env, contactId)).toEqual({ date: null, text: 'скоро будет' });

    await chat.write(MANAGER, '3 марта 2019');
    await chat.waitFor(MANAGER, (m) => m.messageId > prompt.messageId && m.text === '✅ День рождения (Лея) записан: 3 марта 2019.');
    expect(birthdayFieldsOf(env, contactId)).toEqual({ date: '2019-03-03', text: '' });
    expect(checkDealOf(contactId).STAGE_ID).toBe(CHECK.WON);
    expect(auditOf(contactId)).toEqual([`DealPilot: день рождения ребёнка подтверждён — 3 марта 2019 (${MANAGER_NAME}).`]);
    // The check message itself gives way to the outcome, so nobody presses its stale button.
    const original = await chat.waitFor(MANAGER, (m) => m.messageId === message.messageId && m.text.includes('записан'));
    expect(original.buttons).toEqual([]);

    // The question is closed: a later text is not taken as a date.
    const answered = chat.botMessages(MANAGER).length;
    await writeUnanswered(env, messenger, MANAGER, '04.03.2019');
    expect(birthdayFieldsOf(env, contactId)).toEqual({ date: '2019-03-03', text: '' });
    expect(chat.botMessages(MANAGER).slice(answered).filter((m) => m.text.includes('записан'))).toEqual([]);
  });
});
