import { DEMO } from '@dealpilot/sandbox/bitrix/demo-ids';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BirthdaysCapability } from '../../src/capabilities/birthdays/index.js';
import type { SandboxEnvironment } from '../../src/demo/environment.js';
import { capabilityAt, dealsOfContact, eventually, linkManager, startEnv } from './support.js';

const PARTY_PIPELINE = DEMO.pipelines.holidays;
const MANAGER = DEMO.users.moscowManagers[0];

/** 06:00 in Moscow on the given day (the schedule's hour). */
const morning = (ymd: string): Date => new Date(`${ymd}T06:00:00+03:00`);

describe('daily birthday reminders through the sandbox portal', () => {
  let env: SandboxEnvironment;
  let now = morning('2026-12-08');
  let birthdays: BirthdaysCapability;
  let tg: number;
  const contacts = { january5: 0, leapDay: 0, inactiveOwner: 0, march20: 0, yearless: 0 };
  const partyDeals = (contactId: number) => dealsOfContact(env, contactId, PARTY_PIPELINE);
  /** A bot message (new or edited) showing this text. */
  const shown = (chatId: number, text: string) => eventually(() => env.telegram.transcript(chatId).find((m) => m.direction === 'bot' && m.text.includes(text)));

  beforeAll(async () => {
    // The demo contacts' birthdays fall 27–29 days after the portal's seed date; seeded in June, none of them is
    // due on the December–March days this file walks through (seeded on the real today, they were when that was
    // 8 December).
    env = await startEnv('bdr', new Date('2026-06-01T09:00:00+03:00'));
    birthdays = capabilityAt(env, () => now);
    tg = await linkManager(env, MANAGER);
    const add = (name: string, fields: Record<string, unknown>) =>
      env.bitrix.store.addContact({ NAME: name, LAST_NAME: 'Тестова', ASSIGNED_BY_ID: MANAGER, ...fields }, { silent: true });
    contacts.january5 = add('Анна', { UF_CRM_CHILD_BIRTHDAY: '2020-01-05' });
    contacts.leapDay = add('Вера', { UF_CRM_CHILD_BIRTHDAY: '2020-02-29' });
    contacts.inactiveOwner = add('Галина', { UF_CRM_CHILD_BIRTHDAY: '2021-02-10', ASSIGNED_BY_ID: DEMO.users.formerManager });
    contacts.march20 = add('Дарья', { UF_CRM_CHILD_BIRTHDAY: '2019-03-20' });
    // Only a yearless text: reminded without an age.
    contacts.yearless = add('Елена', { UF_CRM_CHILD_BIRTHDAY_TEXT: '20 февраля' });
  });
  afterAll(() => env?.stop());

  it('finds a 5 January birthday on 8 December, opens the party deal and reminds the manager with the age', async () => {
    const run = await birthdays.runReminders();
    expect(run.today).toBe('2026-12-08');
    expect(run.created).toBe(1);
    const deals = partyDeals(contacts.january5);
    expect(deals).toHaveLength(1);
    expect(deals[0]).toMatchObject({ STAGE_ID: DEMO.stages.holidays.NEW, ASSIGNED_BY_ID: MANAGER });
    expect(String(deals[0]!.TITLE)).toContain('5 января 2027');

    const reminder = await env.telegram.waitForMessage(tg, { textIncludes: 'Через 28 дней' }, 10_000);
    expect(reminder.text).toContain('Анна Тестова');
    expect(reminder.text).toContain('5 января 2027, исполнится 7 лет');
    expect(JSON.stringify(reminder.replyMarkup)).toContain('Взять в работу');
    expect(JSON.stringify(reminder.replyMarkup)).toContain('Неактуально');
  });

  it('creates one deal when the job runs twice the same day', async () => {
    const again = await birthdays.runReminders();
    expect(again).toMatchObject({ due: 1, created: 0, duplicates: 1 });
    expect(partyDeals(contacts.january5)).toHaveLength(1);
    // Two instances racing (two workers) still make one deal.
    const [a, b] = await Promise.all([birthdays.runReminders(), capabilityAt(env, () => now).runReminders()]);
    expect(a.created + b.created).toBe(0);
    expect(partyDeals(contacts.january5)).toHaveLength(1);
  });

  it('celebrates 29 February on 28 February in a non-leap year, and catches up missed days up to today', async () => {
    now = morning('2027-01-30');
    const dayBefore = await birthdays.runReminders();
    expect(partyDeals(contacts.leapDay)).toHaveLength(0);
    // Missed since 8 December; the catch-up reaches back 31 days: 13 January (for 10 February) and 23 January
    // (for the yearless 20 February) are inside that window.
    expect(partyDeals(contacts.inactiveOwner)).toHaveLength(1);
    expect(partyDeals(contacts.inactiveOwner)[0]).toMatchObject({ ASSIGNED_BY_ID: DEMO.users.accountManager });
    expect(partyDeals(contacts.yearless)).toHaveLength(1);
    expect(dayBefore.created).toBe(2);

    now = morning('2027-01-31');
    // Two workers on the same tick: one deal per child.
    const [first, second] = await Promise.all([birthdays.runReminders(), capabilityAt(env, () => now).runReminders()]);
    expect(first.due).toBe(second.due);
    expect(first.created + second.created).toBe(first.due);
    const leap = partyDeals(contacts.leapDay);
    expect(leap).toHaveLength(1);
    expect(String(leap[0]!.TITLE)).toContain('28 февраля 2027');
    expect(String(leap[0]!.CLOSEDATE)).toContain('2027-02-28');
  });

  it('catches up a reminder due on a day the job did not run', async () => {
    now = morning('2027-02-18');
    expect((await birthdays.runReminders()).created).toBe(0);
    // 19 and 20 February missed; 20 February was 28 days before 20 March.
    now = morning('2027-02-21');
    const run = await birthdays.runReminders();
    expect(run.created).toBe(1);
    expect(partyDeals(contacts.march20)).toHaveLength(1);
    const reminder = await env.telegram.waitForMessage(tg, { textIncludes: 'Дарья' }, 10_000);
    expect(reminder.text).toContain('20 марта 2027, исполнится 8 лет');
  });

  it('a party deal whose answer was lost after the portal created it is found, not created again, on the retry', async () => {
    const child = env.bitrix.store.addContact({ NAME: 'Жанна', LAST_NAME: 'Тестова', ASSIGNED_BY_ID: MANAGER, UF_CRM_CHILD_BIRTHDAY: '2018-03-30' }, { silent: true });
    now = morning('2027-03-02'); // 28 days before 30 March
    env.bitrix.faults.loseAnswerNext('crm.deal.add', 1);
    await expect(birthdays.runReminders()).rejects.toThrow();
    expect(partyDeals(child)).toHaveLength(1); // the portal did create it
    const retry = await birthdays.runReminders(); // the job's retry
    expect(partyDeals(child)).toHaveLength(1);
    expect(retry.dealIds).toContain(Number(partyDeals(child)[0]!.ID));
    expect(partyDeals(child)[0]!.ORIGINATOR_ID).toBe('dealpilot');
    await env.telegram.waitForMessage(tg, { textIncludes: 'Жанна' }, 10_000);
  });

  it('moves the party deal on "Take in work" and closes it with a reason on "Not relevant"', async () => {
    const [taken] = partyDeals(contacts.january5);
    const takeMessage = await env.telegram.waitForMessage(tg, { textIncludes: 'Анна' }, 10_000);
    await env.telegram.pressButton(tg, takeMessage.messageId!, 'Взять в работу');
    await shown(tg, '— в работе');
    expect(env.bitrix.store.getDeal(Number(taken!.ID))?.STAGE_ID).toBe(DEMO.stages.holidays.PREPARATION);

    const [dropped] = partyDeals(contacts.march20);
    const dropMessage = await env.telegram.waitForMessage(tg, { textIncludes: 'Дарья' }, 10_000);
    await env.telegram.pressButton(tg, dropMessage.messageId!, 'Неактуально');
    await shown(tg, 'неактуальна?');
    await env.telegram.pressButton(tg, dropMessage.messageId!, 'Клиенту неинтересно');
    await shown(tg, 'неактуально: Клиенту неинтересно');
    expect(env.bitrix.store.getDeal(Number(dropped!.ID))?.STAGE_ID).toBe(DEMO.stages.holidays.LOSE);
    const comments = env.bitrix.store.listTimelineComments({ entityType: 'deal', entityId: Number(dropped!.ID) });
    expect(comments.map((c) => c.COMMENT).join('\n')).toContain('Клиенту неинтересно');
  });
});
