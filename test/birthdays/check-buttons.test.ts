import { DEMO } from '@dealpilot/sandbox/bitrix/demo-ids';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeCallback } from '../../src/chat/callback-codec.js';
import type { SandboxEnvironment } from '../../src/demo/environment.js';
import { t } from '../../src/i18n/index.js';
import { birthdayFieldsOf, dealsOfContact, eventually, linkManager, startEnv } from './support.js';

const MANAGER = DEMO.users.moscowManagers[0];
const OTHER_MANAGER = DEMO.users.moscowManagers[1];
const CHECK = DEMO.stages.birthdayCheck;

describe('manual birthday check buttons (real bot, sandbox portal)', () => {
  let env: SandboxEnvironment;
  let tg: number;
  const shown = (text: string) =>
    eventually(() => env.telegram.transcript(tg).find((m) => m.direction === 'bot' && m.text.includes(text)));
  const checkDealOf = (contactId: number) => {
    const deals = dealsOfContact(env, contactId, DEMO.pipelines.birthdayCheck).filter((d) => String(d.TITLE).startsWith('Проверка'));
    expect(deals).toHaveLength(1);
    return deals[0]!;
  };
  /** A contact of MANAGER with these birthday fields, sent to the manual check by the app's own capability. */
  async function contactInCheck(name: string, date: string, text: string): Promise<{ contactId: number; messageId: number }> {
    const contactId = env.bitrix.store.addContact(
      { NAME: name, ASSIGNED_BY_ID: MANAGER, UF_CRM_CHILD_BIRTHDAY: date, UF_CRM_CHILD_BIRTHDAY_TEXT: text }, { silent: true });
    expect(await env.app.capabilities.birthdays.normaliseRecord('contact', contactId)).toBe('manual_check');
    const message = await env.telegram.waitForMessage(tg, { textIncludes: name }, 10_000);
    return { contactId, messageId: message.messageId! };
  }

  beforeAll(async () => {
    env = await startEnv('bdc');
    tg = await linkManager(env, MANAGER);
  });
  afterAll(() => env?.stop());

  it('"Use <date from text>" writes that date, clears the text and closes the check as won', async () => {
    const { contactId, messageId } = await contactInCheck('Зоя', '2019-05-14', '15.05.2019');
    await env.telegram.pressButton(tg, messageId, 'Взять 15 мая 2019');
    await shown('записан: 15 мая 2019');
    expect(birthdayFieldsOf(env, contactId)).toEqual({ date: '2019-05-15', text: '' });
    expect(checkDealOf(contactId).STAGE_ID).toBe(CHECK.WON);
    const audit = env.bitrix.store.listTimelineComments({ entityType: 'contact', entityId: contactId });
    expect(audit.map((c) => c.COMMENT).join('\n')).toContain('15 мая 2019');
  });

  it('"Keep <date>" keeps the date field and clears the text; a second press changes nothing', async () => {
    const { contactId, messageId } = await contactInCheck('Ия', '2018-03-10', '11.03.2018');
    await env.telegram.pressButton(tg, messageId, 'Оставить 10 марта 2018');
    await shown('записан: 10 марта 2018');
    expect(birthdayFieldsOf(env, contactId)).toEqual({ date: '2018-03-10', text: '' });
    expect(checkDealOf(contactId).STAGE_ID).toBe(CHECK.WON);

    const writesBefore = env.bitrix.writeCalls();
    // The edited message has no buttons left, so replay the old press as a (stale) client would.
    const queryId = env.pressPayload(tg, messageId, encodeCallback('bday.keep', Number(checkDealOf(contactId).ID)));
    const answer = await env.telegram.waitForCallbackAnswer(queryId);
    expect(answer.text).toContain('уже закрыта');
    expect(env.bitrix.writeCalls()).toBe(writesBefore);
  });

  it('"Type the date" asks for a date, rejects an impossible one and writes a valid reply', async () => {
    const { contactId, messageId } = await contactInCheck('Лея', '', 'скоро будет');
    await env.telegram.pressButton(tg, messageId, 'Ввести дату');
    await shown('Введите дату рождения ребёнка (Лея)');
    env.telegram.sendText(tg, '31.02.2019');
    await shown('Не получилось прочитать дату');
    expect(birthdayFieldsOf(env, contactId)).toEqual({ date: null, text: 'скоро будет' });
    env.telegram.sendText(tg, '3 марта 2019');
    await shown('записан: 3 марта 2019');
    expect(birthdayFieldsOf(env, contactId)).toEqual({ date: '2019-03-03', text: '' });
    expect(checkDealOf(contactId).STAGE_ID).toBe(CHECK.WON);
    // The original check message lost its buttons.
    const original = env.telegram.transcript(tg).find((m) => m.messageId === messageId);
    expect(original?.text).toContain('записан');
    expect(JSON.stringify(original?.replyMarkup ?? {})).not.toContain('callback_data');
  });

  it('refuses a choice when the fields changed after the message was sent', async () => {
    const { contactId, messageId } = await contactInCheck('Ася', '2019-06-01', '02.06.2019');
    env.bitrix.store.updateContact(contactId, { UF_CRM_CHILD_BIRTHDAY_TEXT: '03.06.2019' }, { silent: true });
    const queryId = env.telegram.pressButton(tg, messageId, 'Взять 2 июня 2019');
    const answer = await env.telegram.waitForCallbackAnswer(queryId);
    expect(answer.text).toContain('изменились');
    expect(checkDealOf(contactId).STAGE_ID).toBe(CHECK.NEW);
    expect(birthdayFieldsOf(env, contactId)).toEqual({ date: '2019-06-01', text: '03.06.2019' });
  });

  it('does not let another manager resolve someone else\'s check', async () => {
    const { contactId, messageId } = await contactInCheck('Ева', '2019-07-01', '02.07.2019');
    expect(messageId).toBeGreaterThan(0);
    const other = await linkManager(env, OTHER_MANAGER);
    env.telegram.sendCommand(other, '/help');
    const ownMessage = await env.telegram.waitForMessage(other, {}, 10_000);
    // The other manager crafts the Keep press for a check that is not theirs.
    const queryId = env.pressPayload(other, ownMessage.messageId!, encodeCallback('bday.keep', Number(checkDealOf(contactId).ID)));
    const answer = await env.telegram.waitForCallbackAnswer(queryId);
    expect(answer.text).toBe(t('ru', 'errors.not_allowed'));
    expect(birthdayFieldsOf(env, contactId)).toEqual({ date: '2019-07-01', text: '02.07.2019' });
    expect(checkDealOf(contactId).STAGE_ID).toBe(CHECK.NEW);
  });
});
