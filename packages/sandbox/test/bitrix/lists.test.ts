import { type BitrixSandbox, DEMO, startBitrixSandbox } from '@dealpilot/sandbox/bitrix';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NOW, rest } from './helpers.js';

let sandbox: BitrixSandbox;
const ids = (body: Record<string, any>): number[] => (body.result as Array<{ ID: string }>).map((r) => Number(r.ID));

beforeAll(async () => {
  sandbox = await startBitrixSandbox({ now: NOW, seed: 'empty', rateLimit: { enabled: false } });
  const { store } = sandbox;
  // 120 deals with predictable values: ID n has OPPORTUNITY n*1000, every third is in PREPARATION.
  for (let n = 1; n <= 120; n += 1) {
    store.addDeal({
      TITLE: n % 10 === 0 ? `Поставка ТРАНСФОРМАТОРА №${n}` : `Сделка ${n}`, OPPORTUNITY: n * 1000,
      STAGE_ID: n % 3 === 0 ? 'PREPARATION' : 'NEW', ASSIGNED_BY_ID: 10 + (n % 5),
      UF_CRM_SERVICE_TYPE: n % 4 === 0 ? 'Монтаж' : '', UF_CRM_PAID_AMOUNT: n === 7 ? 12000 : '',
      DATE_CREATE: NOW.getTime() - (120 - n) * 3_600_000,
    }, { allowReadOnly: true, silent: true });
  }
});
afterAll(async () => {
  await sandbox.close();
});

describe('list paging', () => {
  it('pages by 50 with next and total', async () => {
    const first = await rest(sandbox, 'crm.deal.list', { select: ['ID'] });
    expect(first.body.result).toHaveLength(50);
    expect(first.body.next).toBe(50);
    expect(first.body.total).toBe(120);
    const last = await rest(sandbox, 'crm.deal.list', { select: ['ID'], start: 100 });
    expect(ids(last.body)).toEqual(Array.from({ length: 20 }, (_, i) => 101 + i));
    expect(last.body.next).toBeUndefined();
    expect(last.body.total).toBe(120);
  });

  it('start -1 skips the count: no next, total 0 (as the docs show), cursor walks with >ID', async () => {
    const page = await rest(sandbox, 'crm.deal.list', { select: ['ID'], order: { ID: 'ASC' }, filter: { '>ID': 60 }, start: -1 });
    expect(ids(page.body)).toEqual(Array.from({ length: 50 }, (_, i) => 61 + i));
    expect(page.body.next).toBeUndefined();
    expect(page.body.total).toBe(0);
  });

  it('orders by any field, ID numerically, ties by ID', async () => {
    const desc = await rest(sandbox, 'crm.deal.list', { select: ['ID'], order: { ID: 'DESC' }, start: -1 });
    expect(ids(desc.body).slice(0, 3)).toEqual([120, 119, 118]);
    const byStage = await rest(sandbox, 'crm.deal.list', { select: ['ID', 'STAGE_ID'], order: { STAGE_ID: 'DESC', ID: 'ASC' }, filter: { '<=ID': 6 } });
    expect(ids(byStage.body)).toEqual([3, 6, 1, 2, 4, 5]);
    const byAmount = await rest(sandbox, 'crm.deal.list', { select: ['ID'], order: { OPPORTUNITY: 'DESC' }, filter: { '<ID': 12 } });
    expect(ids(byAmount.body)).toEqual([11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1]);
  });
});

describe('filters', () => {
  const filtered = async (filter: Record<string, unknown>): Promise<number[]> =>
    ids((await rest(sandbox, 'crm.deal.list', { select: ['ID'], filter, start: -1 })).body);

  it('= (bare key), ! and arrays', async () => {
    expect((await filtered({ STAGE_ID: 'PREPARATION', '<=ID': 12 }))).toEqual([3, 6, 9, 12]);
    expect((await filtered({ '!STAGE_ID': 'PREPARATION', '<=ID': 5 }))).toEqual([1, 2, 4, 5]);
    expect((await filtered({ ASSIGNED_BY_ID: [10, 11], '<=ID': 6 }))).toEqual([1, 5, 6]);
  });

  it('> >= < <= on numbers and datetimes', async () => {
    expect(await filtered({ '>OPPORTUNITY': 117000 })).toEqual([118, 119, 120]);
    expect(await filtered({ '>=OPPORTUNITY': 117000, '<OPPORTUNITY': 119000 })).toEqual([117, 118]);
    expect(await filtered({ '<=ID': 2 })).toEqual([1, 2]);
    // DATE_CREATE of deal n is NOW - (120 - n) hours; ISO with offset and portal-local forms both work.
    expect(await filtered({ '>DATE_CREATE': '2026-03-02T06:30:00+03:00' })).toEqual([118, 119, 120]);
    expect(await filtered({ '>=DATE_CREATE': '2026-03-02 07:00:00' })).toEqual([118, 119, 120]);
  });

  it('@ (in) and !@ (not in)', async () => {
    expect(await filtered({ '@ID': [5, 50, 500] })).toEqual([5, 50]);
    expect(await filtered({ '!@ASSIGNED_BY_ID': [10, 11, 12, 13], '<=ID': 10 })).toEqual([4, 9]);
  });

  it('% is a case-insensitive substring match', async () => {
    expect(await filtered({ '%TITLE': 'трансформатора' })).toEqual([10, 20, 30, 40, 50, 60, 70, 80, 90, 100, 110, 120]);
  });

  it("'' means empty and '!' with '' means filled, user fields included", async () => {
    const filled = await filtered({ '!UF_CRM_SERVICE_TYPE': '', '<=ID': 12 });
    expect(filled).toEqual([4, 8, 12]);
    expect((await filtered({ UF_CRM_SERVICE_TYPE: '', '<=ID': 4 }))).toEqual([1, 2, 3]);
  });
});

describe('select and values', () => {
  it('defaults to * plus UF_*, with legacy string values and money as "12000|RUB"', async () => {
    const { body } = await rest(sandbox, 'crm.deal.list', { filter: { ID: 7 } });
    const deal = body.result[0];
    expect(deal).toMatchObject({
      ID: '7', OPPORTUNITY: '7000.00', ASSIGNED_BY_ID: '12', CATEGORY_ID: '0', STAGE_SEMANTIC_ID: 'P',
      UF_CRM_PAID_AMOUNT: '12000|RUB', UF_CRM_SERVICE_TYPE: '', DATE_CREATE: '2026-02-25T16:00:00+03:00',
    });
    expect(deal.PHONE).toBeUndefined();
  });

  it('* leaves user fields out, UF_* brings only them, explicit names add multiple fields', async () => {
    const star = (await rest(sandbox, 'crm.deal.list', { filter: { ID: 1 }, select: ['*'] })).body.result[0];
    expect(Object.keys(star).some((k) => k.startsWith('UF_'))).toBe(false);
    expect(star.TITLE).toBe('Сделка 1');
    const uf = (await rest(sandbox, 'crm.deal.list', { filter: { ID: 1 }, select: ['UF_*'] })).body.result[0];
    expect(Object.keys(uf).sort()).toEqual(['ID', 'UF_CRM_DELIVERY_DATE', 'UF_CRM_NONSTD_CONDITIONS', 'UF_CRM_PAID_AMOUNT',
      'UF_CRM_REJECT_REASON', 'UF_CRM_REJECT_STATUS', 'UF_CRM_SERVICE_TYPE']);
    sandbox.store.updateLead(sandbox.store.addLead({ TITLE: 'x', PHONE: [{ VALUE: '+7 916 000-00-00', VALUE_TYPE: 'WORK' }] }), {});
    const lead = (await rest(sandbox, 'crm.lead.list', { select: ['ID', 'PHONE'] })).body.result[0];
    expect(lead.PHONE).toEqual([{ ID: expect.any(String), VALUE_TYPE: 'WORK', VALUE: '+7 916 000-00-00', TYPE_ID: 'PHONE' }]);
  });

  it('describes fields like crm.deal.fields', async () => {
    const { body } = await rest(sandbox, 'crm.deal.fields');
    expect(body.result.CATEGORY_ID).toMatchObject({ type: 'crm_category', isImmutable: true, isReadOnly: false });
    expect(body.result.STAGE_ID).toMatchObject({ type: 'crm_status', statusType: 'DEAL_STAGE' });
    expect(body.result.UF_CRM_PAID_AMOUNT).toMatchObject({ type: 'money', isDynamic: true, title: 'UF_CRM_PAID_AMOUNT' });
    expect(body.result.UF_CRM_DELIVERY_DATE.type).toBe('date');
  });
});

describe('directories', () => {
  it('crm.status.list: lead statuses, sources and per-pipeline stages with semantics', async () => {
    const statuses = (await rest(sandbox, 'crm.status.list', { filter: { ENTITY_ID: 'STATUS' } })).body.result;
    expect(statuses.map((s: { STATUS_ID: string }) => s.STATUS_ID)).toEqual(['NEW', 'IN_PROCESS', 'PROCESSED', 'CONVERTED', 'JUNK']);
    expect(statuses.find((s: { STATUS_ID: string }) => s.STATUS_ID === 'JUNK')).toMatchObject({ NAME: 'Некачественный лид', SEMANTICS: 'F' });
    const sources = (await rest(sandbox, 'crm.status.list', { filter: { ENTITY_ID: 'SOURCE' } })).body.result;
    expect(sources.map((s: { STATUS_ID: string }) => s.STATUS_ID)).toEqual([...DEMO.sources]);
    const holidays = (await rest(sandbox, 'crm.status.list', { filter: { ENTITY_ID: 'DEAL_STAGE_1' } })).body.result;
    expect(holidays[0]).toMatchObject({ ENTITY_ID: 'DEAL_STAGE_1', STATUS_ID: 'C1:NEW', NAME: 'Новая', CATEGORY_ID: '1', SEMANTICS: null,
      EXTRA: { SEMANTICS: 'process' } });
    expect(holidays.at(-1)).toMatchObject({ STATUS_ID: 'C1:LOSE', SEMANTICS: 'F', EXTRA: { SEMANTICS: 'failure' } });
    const sales = (await rest(sandbox, 'crm.status.list', { filter: { ENTITY_ID: 'DEAL_STAGE' } })).body.result;
    expect(sales.map((s: { STATUS_ID: string }) => s.STATUS_ID)).toEqual(Object.values(DEMO.stages.sales));
    expect(sales.find((s: { STATUS_ID: string }) => s.STATUS_ID === 'WON')).toMatchObject({ SEMANTICS: 'S', CATEGORY_ID: null });
  });

  it('crm.category.list gives the pipelines', async () => {
    const { body } = await rest(sandbox, 'crm.category.list', { entityTypeId: 2 });
    expect(body.total).toBe(3);
    expect(body.result.categories.map((c: { id: number; name: string; isDefault: string }) => [c.id, c.name, c.isDefault]))
      .toEqual([[0, 'Продажи', 'Y'], [1, 'Праздники', 'N'], [2, 'Проверка дня рождения', 'N']]);
    expect(body.result.categories[1]).toMatchObject({ entityTypeId: 2, sort: 200 });
  });

  it('user.get filters by FILTER or filter (ACTIVE, UF_DEPARTMENT, ID) and returns typed values', async () => {
    const dept3 = (await rest(sandbox, 'user.get', { FILTER: { UF_DEPARTMENT: 3 } })).body;
    expect(ids(dept3)).toEqual([3, 10, 11, 12, 13, 14, 22]);
    const activeDept3 = (await rest(sandbox, 'user.get', { filter: { UF_DEPARTMENT: 3, ACTIVE: true } })).body;
    expect(ids(activeDept3)).toEqual([3, 10, 11, 12, 13, 14]);
    const topLevel = (await rest(sandbox, 'user.get', { ID: 22 })).body.result[0];
    expect(topLevel).toMatchObject({ ID: '22', ACTIVE: false, UF_DEPARTMENT: [3], USER_TYPE: 'employee' });
    const cursor = (await rest(sandbox, 'user.get', { filter: { '>ID': 20 }, sort: 'ID', order: 'ASC', start: -1 })).body;
    expect(ids(cursor)).toEqual([21, 22, 25, 99]);
  });

  it('department.get with UF_HEAD only where set and SORT as a number', async () => {
    const { body } = await rest(sandbox, 'department.get', { PARENT: 2 });
    expect(body.result).toEqual([
      { ID: '3', NAME: 'Продажи Москва', SORT: 500, PARENT: '2', UF_HEAD: '3' },
      { ID: '4', NAME: 'Продажи Регионы', SORT: 500, PARENT: '2' },
    ]);
    expect(body.total).toBe(2);
  });
});

describe('crm.duplicate.findbycomm', () => {
  it('finds contacts and leads by a phone in another format; nothing found is an empty array; bad input is a 400', async () => {
    const { startBitrixSandbox } = await import('@dealpilot/sandbox/bitrix');
    const sandbox = await startBitrixSandbox({ seed: 'empty', now: new Date('2026-03-02T09:00:00+03:00') });
    try {
      const contact = sandbox.store.addContact({ NAME: 'Анна', PHONE: [{ VALUE: '+7 (916) 123-45-67', VALUE_TYPE: 'MOBILE' }] }, { silent: true });
      const lead = sandbox.store.addLead({ TITLE: 'Звонок', PHONE: [{ VALUE: '89161234567', VALUE_TYPE: 'WORK' }] }, { silent: true });
      const { rest } = await import('./helpers.js');
      expect((await rest(sandbox, 'crm.duplicate.findbycomm', { type: 'PHONE', values: ['8 916 123 45 67'] })).body.result).toEqual({ LEAD: [lead], CONTACT: [contact] });
      expect((await rest(sandbox, 'crm.duplicate.findbycomm', { type: 'PHONE', values: ['79161234567'], entity_type: 'CONTACT' })).body.result).toEqual({ CONTACT: [contact] });
      expect((await rest(sandbox, 'crm.duplicate.findbycomm', { type: 'PHONE', values: ['+7 999 000-00-00'] })).body.result).toEqual([]);
      expect((await rest(sandbox, 'crm.duplicate.findbycomm', { type: 'FAX', values: ['1'] })).status).toBe(400);
      expect((await rest(sandbox, 'crm.duplicate.findbycomm', { type: 'PHONE', values: Array.from({ length: 21 }, (_, i) => String(i)) })).status).toBe(400);
    } finally {
      await sandbox.close();
    }
  });
});

describe('crm.company.*', () => {
  it('adds, gets and lists companies, with the portal\'s substring filter on the name', async () => {
    const { startBitrixSandbox } = await import('@dealpilot/sandbox/bitrix');
    const { rest } = await import('./helpers.js');
    const sandbox = await startBitrixSandbox({ seed: 'empty', now: new Date('2026-03-02T09:00:00+03:00') });
    try {
      const added = await rest(sandbox, 'crm.company.add', { fields: { TITLE: 'ООО «Энергосеть»', ASSIGNED_BY_ID: 10 } });
      const id = Number(added.body.result);
      expect(id).toBeGreaterThan(0);
      expect((await rest(sandbox, 'crm.company.get', { id })).body.result).toMatchObject({ ID: String(id), TITLE: 'ООО «Энергосеть»', ASSIGNED_BY_ID: '10' });
      await rest(sandbox, 'crm.company.add', { fields: { TITLE: 'ИП Кабельщик' } });
      const found = await rest(sandbox, 'crm.company.list', { filter: { '%TITLE': 'энерго' }, select: ['ID', 'TITLE'] });
      expect(found.body.result).toEqual([{ ID: String(id), TITLE: 'ООО «Энергосеть»' }]);
      expect(found.body.total).toBe(1);
      expect((await rest(sandbox, 'crm.company.get', { id: 999 })).status).toBe(400);
    } finally {
      await sandbox.close();
    }
  });
});
