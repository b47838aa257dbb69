import { DEMO } from '@dealpilot/sandbox/bitrix/demo-ids';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BirthdaysCapability } from '../../src/capabilities/birthdays/index.js';
import type { SandboxEnvironment } from '../../src/demo/environment.js';
import { B24_EVENTS_PATH } from '../../src/http/b24-events.js';
import { birthdayFieldsOf, capabilityAt, dealsOfContact, eventually, linkManager, startEnv } from './support.js';

const C = DEMO.contacts;
const CHECK_PIPELINE = DEMO.pipelines.birthdayCheck;
/** Seed owners: contact n belongs to owners[(n - 1) % 10] (Moscow managers, then regional ones). */
const ownerOf = (contactId: number): number =>
  [...DEMO.users.moscowManagers, ...DEMO.users.regionManagers][(contactId - 1) % 10]!;

describe('birthday normalisation through the sandbox portal', () => {
  let env: SandboxEnvironment;
  let birthdays: BirthdaysCapability;
  /** Deals created by the test have higher ids (the seed has its own deals in every pipeline). */
  let seededDeals = 0;
  const checksOf = (contactId: number) => dealsOfContact(env, contactId, CHECK_PIPELINE).filter((d) => Number(d.ID) > seededDeals);
  beforeAll(async () => {
    env = await startEnv('bdn');
    seededDeals = Math.max(...env.bitrix.store.listDeals().map((d) => Number(d.ID)));
    // 1 July 2026: every seeded 2019/2020 date is in the past and the children are under 18.
    birthdays = capabilityAt(env, () => new Date('2026-07-01T09:00:00+03:00'));
  });
  afterAll(() => env?.stop());

  it('writes the date from a parsable text when the date field is empty (and drops the now redundant text)', async () => {
    expect(birthdayFieldsOf(env, C.textRuMonthYear)).toEqual({ date: null, text: '14 мая 2019' });
    expect(await birthdays.normaliseRecord('contact', C.textRuMonthYear)).toBe('write_date');
    expect(birthdayFieldsOf(env, C.textRuMonthYear)).toEqual({ date: '2019-05-14', text: '' });
    // Nothing left to do on a second pass.
    expect(await birthdays.normaliseRecord('contact', C.textRuMonthYear)).toBe('none');
  });

  it('clears the text when both fields hold the same date, leaving the date alone', async () => {
    expect(await birthdays.normaliseRecord('contact', C.dateAndText)).toBe('clear_text');
    expect(birthdayFieldsOf(env, C.dateAndText)).toEqual({ date: '2019-05-14', text: '' });
    expect(await birthdays.normaliseRecord('contact', C.leapDay)).toBe('clear_text');
    expect(birthdayFieldsOf(env, C.leapDay)).toEqual({ date: '2020-02-29', text: '' });
  });

  it('opens one manual-check deal for the responsible manager when text and date disagree, with Keep/Use/Type buttons', async () => {
    const manager = ownerOf(C.conflicting);
    const tg = await linkManager(env, manager);
    expect(await birthdays.normaliseRecord('contact', C.conflicting)).toBe('manual_check');
    const checks = checksOf(C.conflicting);
    expect(checks).toHaveLength(1);
    expect(checks[0]).toMatchObject({ STAGE_ID: DEMO.stages.birthdayCheck.NEW, ASSIGNED_BY_ID: manager });
    // Fields untouched until a person decides.
    expect(birthdayFieldsOf(env, C.conflicting)).toEqual({ date: '2019-05-14', text: '15.05.2019' });

    const message = await env.telegram.waitForMessage(tg, { textIncludes: 'Проверьте день рождения' }, 10_000);
    expect(message.text).toContain('текст не совпадает с полем даты');
    const labels = JSON.stringify(message.replyMarkup);
    expect(labels).toContain('Оставить 14 мая 2019');
    expect(labels).toContain('Взять 15 мая 2019');
    expect(labels).toContain('Ввести дату');

    expect(await birthdays.normaliseRecord('contact', C.conflicting)).toBe('check_already_open');
    expect(checksOf(C.conflicting)).toHaveLength(1);
  });

  it('sends unparseable, impossible and yearless texts to the manual check', async () => {
    const tg = await linkManager(env, ownerOf(C.unparseableWord));
    for (const id of [C.unparseableWord, C.impossibleDate, C.textRuMonthNoYear]) {
      expect(await birthdays.normaliseRecord('contact', id)).toBe('manual_check');
      expect(checksOf(id)).toHaveLength(1);
    }
    // Nothing to choose from for "скоро": only typing the date is offered.
    const message = await env.telegram.waitForMessage(tg, { textIncludes: '«скоро»' }, 10_000);
    expect(JSON.stringify(message.replyMarkup)).not.toContain('Оставить');
    expect(JSON.stringify(message.replyMarkup)).toContain('Ввести дату');
  });

  it('scans incrementally: the first pass reads every filled text, the next only what changed since', async () => {
    const first = await birthdays.runNormalisationScan();
    // Written: 14.05.2019, 4.5.19, 14/05/2019, 2019-05-14, ДР 14.05.2019, May 14, 2019 and the "in 28 days" text.
    expect(first.outcomes).toMatchObject({ write_date: 7, clear_text: 0, check_already_open: 4 });
    // Yearless "май 14" and "день рождения: 14 мая" need a person.
    expect(first.outcomes.manual_check).toBe(2);
    expect(checksOf(C.textMonthFirst)).toHaveLength(1);
    expect(birthdayFieldsOf(env, C.textShortYear)).toEqual({ date: '2019-05-04', text: '' });
    for (const id of [C.textDotted, C.textSlashes, C.textIso, C.textWithPrefix, C.textEnglish]) {
      expect(birthdayFieldsOf(env, id)).toEqual({ date: '2019-05-14', text: '' });
    }

    const callsBefore = env.bitrix.callLog.length;
    const second = await birthdays.runNormalisationScan();
    expect(second.scanned).toBe(0);
    // Only list reads (one batched request) with the cursor filter; no writes, no new checks.
    // (Messages to unlinked managers go out as portal notifications meanwhile: not CRM calls.)
    const calls = env.bitrix.callLog.slice(callsBefore).filter((c) => c.method.startsWith('crm.'));
    expect(calls.length).toBeGreaterThan(0);
    expect(new Set(calls.map((c) => c.method))).toEqual(new Set(['crm.contact.list']));
    expect(JSON.stringify(calls[0])).toContain('DATE_MODIFY');
  });

  it('normalises a contact when its update event arrives', async () => {
    env.bitrix.setEventHandler(`http://127.0.0.1:${env.app.httpPort}${B24_EVENTS_PATH}`, 'sandbox-application-token');
    try {
      const id = env.bitrix.store.addContact({ NAME: 'Ольга', ASSIGNED_BY_ID: 10 });
      env.bitrix.store.updateContact(id, { UF_CRM_CHILD_BIRTHDAY_TEXT: 'ДР 3 марта 2021' });
      // The app's own instance handles the event through its queue.
      const fields = await eventually(() => {
        const f = birthdayFieldsOf(env, id);
        return f.date ? f : undefined;
      });
      expect(fields).toEqual({ date: '2021-03-03', text: '' });
    } finally {
      env.bitrix.setEventHandler(null);
    }
  });
});
