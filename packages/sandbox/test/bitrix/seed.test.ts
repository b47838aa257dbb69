import { BitrixStore, createClock, DEMO, generatePortal, PortalTime, seedDemo } from '@dealpilot/sandbox/bitrix';
import { DEAL_SCHEMA } from '@dealpilot/sandbox/bitrix/fields';
import { runList } from '@dealpilot/sandbox/bitrix/query';
import { describe, expect, it } from 'vitest';
import { NOW } from './helpers.js';

function demoStore(): BitrixStore {
  const store = new BitrixStore({ time: new PortalTime('Europe/Moscow'), clock: createClock(NOW) });
  seedDemo(store);
  return store;
}

const digits = (phone: string): string => phone.replace(/\D/g, '').replace(/^8/, '7');

describe('demo seed', () => {
  const store = demoStore();

  it('builds the org chart the example rules file expects', () => {
    expect(store.getDepartment(DEMO.departments.salesRegions)).toMatchObject({ PARENT: DEMO.departments.sales, UF_HEAD: null });
    expect(store.getDepartment(DEMO.departments.salesMoscow)).toMatchObject({ PARENT: 2, UF_HEAD: DEMO.users.moscowHead });
    expect(store.getDepartment(DEMO.departments.hr)!.UF_HEAD).toBe(DEMO.users.hrHead);
    expect(store.getUser(DEMO.users.formerManager)).toMatchObject({ ACTIVE: false, UF_DEPARTMENT: [3] });
    expect(store.getUser(DEMO.users.ceo)!.IS_ADMIN).toBe(true);
    expect(store.getUser(DEMO.users.intake)!.NAME).toBe('Входящие');
    for (const id of DEMO.users.regionManagers) expect(store.getUser(id)!.UF_DEPARTMENT).toEqual([DEMO.departments.salesRegions]);
  });

  it('plants the phone traps: 16 shares a mobile with inactive 22, 11 and 12 share a work phone', () => {
    const u16 = store.getUser(16)!;
    const u22 = store.getUser(22)!;
    expect(u16.PERSONAL_MOBILE).not.toBe(u22.PERSONAL_MOBILE);
    expect(digits(u16.PERSONAL_MOBILE)).toBe(digits(u22.PERSONAL_MOBILE));
    expect(store.getUser(11)!.WORK_PHONE).toBe(store.getUser(12)!.WORK_PHONE);
    const mobiles = store.listUsers().filter((u) => u.ACTIVE && u.PERSONAL_MOBILE).map((u) => digits(u.PERSONAL_MOBILE));
    expect(new Set(mobiles).size).toBe(mobiles.length);
  });

  it('sets presence: 13 on vacation, 17 closed, 18 paused, others at work', () => {
    expect(store.isAbsent(13)).toBe(true);
    expect(store.getPresence(17).timeman).toBe('CLOSED');
    expect(store.getPresence(18).timeman).toBe('PAUSED');
    expect(store.getPresence(10)).toEqual({ timeman: 'OPENED', absentUntil: null });
  });

  it('has new leads waiting at the intake user and varied older leads', () => {
    const leads = store.listLeads();
    expect(leads.length).toBe(300);
    const fresh = leads.filter((l) => l.STATUS_ID === 'NEW');
    expect(fresh.length).toBeGreaterThanOrEqual(25);
    expect(fresh.every((l) => l.ASSIGNED_BY_ID === DEMO.users.intake)).toBe(true);
    expect(new Set(leads.map((l) => l.UF_CRM_REQUEST_TYPE))).toEqual(new Set(['order', 'question', 'partnership', 'hr']));
    expect(leads.some((l) => l.UF_CRM_REGION === '' && l.ADDRESS_CITY !== '')).toBe(true);
    expect(leads.some((l) => /трансформатор/i.test(String(l.TITLE)))).toBe(true);
    const ids = leads.map((l) => l.ID as number);
    expect(ids).toEqual([...ids].sort((a, b) => a - b));
  });

  it('spreads deals over pipelines, stages and 0–40 days of MOVED_TIME, with back-and-forth history', () => {
    const deals = store.listDeals();
    expect(new Set(deals.map((d) => d.CATEGORY_ID))).toEqual(new Set([0, 1, 2]));
    const ages = deals.map((d) => (NOW.getTime() - (d.MOVED_TIME as number)) / 86_400_000);
    expect(Math.min(...ages)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...ages)).toBeGreaterThan(30);
    expect(Math.max(...ages)).toBeLessThanOrEqual(41);
    const reworked = deals.filter((d) => store.dealStageHistory(d.ID as number).filter((h) => h.STAGE_ID === 'UC_CONTRACT').length > 1);
    expect(reworked.length).toBeGreaterThan(0);
    const lost = deals.filter((d) => d.STAGE_ID === 'LOSE');
    expect(lost.some((d) => d.UF_CRM_REJECT_REASON !== '')).toBe(true);
    const contract = deals.filter((d) => d.STAGE_ID === 'UC_CONTRACT');
    expect(contract.length).toBeGreaterThan(0);
    expect(contract.every((d) => store.getProductRows(d.ID as number).length > 0)).toBe(true);
    for (const d of deals) {
      const last = store.dealStageHistory(d.ID as number).at(-1)!;
      expect(last.STAGE_ID).toBe(d.STAGE_ID);
      expect(last.CREATED_TIME).toBe(d.MOVED_TIME);
    }
  });

  it('gives contacts every messy birthday form, some due in 28 days', () => {
    const text = (id: number): unknown => store.getContact(id)!.UF_CRM_CHILD_BIRTHDAY_TEXT;
    expect(text(DEMO.contacts.textRuMonthYear)).toBe('14 мая 2019');
    expect(text(DEMO.contacts.impossibleDate)).toBe('31.02.2019');
    expect(store.getContact(DEMO.contacts.leapDay)!.UF_CRM_CHILD_BIRTHDAY).toBe('2020-02-29');
    expect(store.getContact(DEMO.contacts.dateIn28Days)!.UF_CRM_CHILD_BIRTHDAY).toBe('2018-03-30');
    expect(text(DEMO.contacts.textIn28Days)).toBe('30.03.2020');
  });

  it('is deterministic for the same clock', () => {
    const again = demoStore();
    expect(again.listDeals()).toEqual(store.listDeals());
    expect(again.listLeads()).toEqual(store.listLeads());
  });
});

describe('generated portal', () => {
  const store = generatePortal({ deals: 20_000, leads: 500, seed: 3, now: NOW });
  const time = store.time;

  it('has the requested size, ID-ordered', () => {
    expect(store.listDeals()).toHaveLength(20_000);
    expect(store.listLeads()).toHaveLength(500);
    expect(store.dealStageHistory().length).toBeGreaterThanOrEqual(20_000);
  });

  it('answers cursor pages exactly like a full scan would', () => {
    const rows = store.listDeals() as Parameters<typeof runList>[0];
    const filter = { STAGE_SEMANTIC_ID: 'P', '@ASSIGNED_BY_ID': [10, 11] };
    const expected = rows.filter((r) => r.STAGE_SEMANTIC_ID === 'P' && [10, 11].includes(r.ASSIGNED_BY_ID as number)).map((r) => r.ID);
    const walked: unknown[] = [];
    let cursor = 0;
    for (;;) {
      const page = runList(rows, DEAL_SCHEMA, { filter: { ...filter, '>ID': cursor }, order: { ID: 'ASC' }, start: -1 }, time);
      walked.push(...page.rows.map((r) => r.ID));
      if (page.rows.length < 50) break;
      cursor = page.rows.at(-1)!.ID as number;
    }
    expect(walked).toEqual(expected);
    const counted = runList(rows, DEAL_SCHEMA, { filter, start: 100 }, time);
    expect(counted.total).toBe(expected.length);
    expect(counted.rows.map((r) => r.ID)).toEqual(expected.slice(100, 150));
    const desc = runList(rows, DEAL_SCHEMA, { filter: { '<ID': 101 }, order: { ID: 'DESC' }, start: -1 }, time);
    expect(desc.rows.map((r) => r.ID)).toEqual(Array.from({ length: 50 }, (_, i) => 100 - i));
  });
});
