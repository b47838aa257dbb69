import { DEMO, startBitrixSandbox } from '@dealpilot/sandbox/bitrix';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type CrmGateway, CrmNotFoundError, createCrmGateway } from '../../src/crm/index.js';
import { silentLogger } from '../../src/infra/log.js';
import { testRedis, uniquePrefix } from '../support/redis.js';

type Sandbox = Awaited<ReturnType<typeof startBitrixSandbox>>;

const redis = testRedis();
let sandbox: Sandbox;
let crm: CrmGateway;

beforeAll(async () => {
  sandbox = await startBitrixSandbox({ seed: 'demo', rateLimit: { enabled: false }, now: new Date('2026-03-02T09:00:00+03:00') });
  crm = createCrmGateway({
    webhookUrl: sandbox.webhookUrl, redis, log: silentLogger(), timezone: 'Europe/Moscow',
    rate: { perSecond: 1000, burst: 1000, keyPrefix: uniquePrefix('crm') }, retry: { baseDelayMs: 5 },
  });
});
afterAll(async () => {
  await sandbox.close();
  await redis.quit();
});
beforeEach(() => sandbox.resetLog());

describe('reference data', () => {
  it('reads pipeline stages with semantics, per pipeline, from one cached crm.status.list', async () => {
    const sales = await crm.getDealStages(DEMO.pipelines.sales);
    expect(sales.map((s) => s.statusId)).toEqual(expect.arrayContaining(['NEW', 'WON', 'LOSE']));
    expect(sales.find((s) => s.statusId === 'WON')?.semantics).toBe('success');
    expect(sales.find((s) => s.statusId === 'LOSE')?.semantics).toBe('failure');
    expect(sales.find((s) => s.statusId === 'NEW')?.semantics).toBe('process');
    const holidays = await crm.getDealStages(DEMO.pipelines.holidays);
    expect(holidays.every((s) => s.statusId.startsWith('C1:') && s.categoryId === 1)).toBe(true);
    const leadStatuses = await crm.getStatuses({ entityId: 'STATUS' });
    expect(leadStatuses.map((s) => s.statusId)).toContain('CONVERTED');
    expect(sandbox.callLog.filter((c) => c.method === 'crm.status.list')).toHaveLength(1);
    await crm.getStatuses({ refresh: true });
    expect(sandbox.callLog.filter((c) => c.method === 'crm.status.list')).toHaveLength(2);
  });

  it('reads pipelines', async () => {
    const categories = await crm.getCategories();
    expect(categories.map((c) => c.id)).toEqual(expect.arrayContaining([0, 1, 2]));
    expect(categories.find((c) => c.id === 0)?.isDefault).toBe(true);
  });

  it('reads only active users by default (FILTER in upper case), and all on request', async () => {
    const active = await crm.getUsers({ refresh: true });
    expect(active.some((u) => u.id === DEMO.users.formerManager)).toBe(false);
    expect(active.some((u) => u.id === DEMO.users.moscowHead)).toBe(true);
    expect(active.every((u) => u.active === true)).toBe(true);
    const everyone = await crm.getUsers({ includeInactive: true });
    expect(everyone.find((u) => u.id === DEMO.users.formerManager)?.active).toBe(false);
    const head = await crm.getUser(DEMO.users.moscowHead);
    expect(head.departmentIds).toContain(DEMO.departments.salesMoscow);
  });

  it('reads departments with parents and heads', async () => {
    const departments = await crm.getDepartments();
    const regions = departments.find((d) => d.id === DEMO.departments.salesRegions);
    expect(regions?.parentId).toBe(DEMO.departments.sales);
    expect(regions?.headId).toBeNull();
    expect(departments.find((d) => d.id === DEMO.departments.salesMoscow)?.headId).toBe(DEMO.users.moscowHead);
  });
});

describe('presence', () => {
  it('reads the workday status and the absence chart', async () => {
    expect((await crm.getTimemanStatus(DEMO.users.dayClosed)).status).toBe('CLOSED');
    expect((await crm.getTimemanStatus(DEMO.users.dayPaused)).status).toBe('PAUSED');
    const absences = await crm.getAbsences([DEMO.users.onVacation, DEMO.users.moscowHead, 99_999]);
    expect(absences.get(DEMO.users.onVacation)).toBeInstanceOf(Date);
    expect(absences.get(DEMO.users.moscowHead)).toBeNull();
    expect(absences.has(99_999)).toBe(false);
  });
});

describe('leads, deals, contacts', () => {
  it('lists, reads and updates a lead', async () => {
    const { items, rejected } = await crm.listLeads({ select: ['ID', 'TITLE', 'STATUS_ID', 'ASSIGNED_BY_ID', 'PHONE', 'DATE_CREATE'] });
    expect(rejected).toEqual([]);
    expect(items.length).toBe(sandbox.store.listLeads().length);
    const lead = items[0]!;
    await crm.updateLead(lead.id, { ASSIGNED_BY_ID: DEMO.users.moscowManagers[0] });
    expect((await crm.getLead(lead.id)).assignedById).toBe(DEMO.users.moscowManagers[0]);
  });

  it('adds a deal, reads its product rows and stage history', async () => {
    const id = await crm.addDeal({ TITLE: 'From test', CATEGORY_ID: 0, STAGE_ID: 'NEW', OPPORTUNITY: 1500.5 });
    const deal = await crm.getDeal(id);
    expect(deal).toMatchObject({ id, title: 'From test', stageId: 'NEW', categoryId: 0, opportunity: 1500.5, stageSemantic: 'process' });
    sandbox.store.setProductRows(id, [{ PRODUCT_NAME: 'Tour', PRICE: 1000, QUANTITY: 2 }]);
    const rows = await crm.getDealProductRows(id);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ ownerId: id, productName: 'Tour', price: 1000, quantity: 2 });
    await crm.updateDeal(id, { STAGE_ID: 'PREPARATION' });
    const history = await crm.listStageHistory('deal', { filter: { OWNER_ID: id } });
    expect(history.items.map((h) => h.stageId)).toEqual(['NEW', 'PREPARATION']);
    expect(history.items.every((h) => h.createdAt instanceof Date && h.ownerId === id)).toBe(true);
  });

  it('reads contacts with calendar birth dates and updates them', async () => {
    const target = Number(sandbox.store.listContacts()[0]!.ID);
    await crm.updateContact(target, { BIRTHDATE: '1990-12-31' });
    const { items, rejected } = await crm.listContacts({ select: ['ID', 'NAME', 'BIRTHDATE', 'PHONE'] });
    expect(rejected).toEqual([]);
    expect(items).toHaveLength(sandbox.store.listContacts().length);
    const withBirthday = items.find((c) => c.id === target);
    // rendered by the portal as 1990-12-31T03:00:00+03:00: still the 31st
    expect(withBirthday!.birthDate).toBe('1990-12-31');
    expect(withBirthday!.phones?.[0]?.value).toBeTruthy();
    await crm.updateContact(withBirthday!.id, { NAME: 'Renamed' });
    expect((await crm.getContact(withBirthday!.id)).name).toBe('Renamed');
    await expect(crm.getContact(99_999_999)).rejects.toBeInstanceOf(CrmNotFoundError);
  });
});

describe('writes', () => {
  it('adds a timeline comment, a task and a system notification', async () => {
    const dealId = Number(sandbox.store.listDeals()[0]!.ID);
    const commentId = await crm.addTimelineComment({ entityType: 'deal', entityId: dealId, comment: 'Audit: moved by bot' });
    expect(commentId).toBeGreaterThan(0);
    expect(sandbox.store.listTimelineComments({ entityType: 'deal', entityId: dealId }).map((c) => c.COMMENT)).toContain('Audit: moved by bot');
    const taskId = await crm.addTask({ title: 'Call back', responsibleId: DEMO.users.moscowHead, crmBindings: [`D_${dealId}`], deadline: new Date('2026-03-03T12:00:00Z') });
    expect(sandbox.store.getTask(taskId)).toBeDefined();
    const notificationId = await crm.notify({ userId: DEMO.users.moscowHead, message: 'Deal is stuck' });
    expect(notificationId).toBeGreaterThan(0);
    expect(sandbox.store.listNotifications(DEMO.users.moscowHead).map((n) => n.message)).toContain('Deal is stuck');
  });
});
