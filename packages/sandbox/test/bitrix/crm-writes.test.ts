import { type BitrixSandbox, DEMO, startBitrixSandbox } from '@dealpilot/sandbox/bitrix';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { NOW, rest } from './helpers.js';

let sandbox: BitrixSandbox;

beforeAll(async () => {
  sandbox = await startBitrixSandbox({ now: NOW, seed: 'empty', rateLimit: { enabled: false } });
});
afterAll(async () => {
  await sandbox.close();
});
beforeEach(() => {
  sandbox.clock.set(NOW);
});

describe('deal writes', () => {
  it('adds a deal with stamps from the portal clock and its first history row', async () => {
    const added = await rest(sandbox, 'crm.deal.add', { fields: { TITLE: 'Новая сделка', CATEGORY_ID: 1, ASSIGNED_BY_ID: 15 } });
    expect(added.status).toBe(200);
    const id = added.body.result as number;
    expect(typeof id).toBe('number');
    const deal = (await rest(sandbox, 'crm.deal.get', { id })).body.result;
    expect(deal).toMatchObject({
      ID: String(id), CATEGORY_ID: '1', STAGE_ID: 'C1:NEW', STAGE_SEMANTIC_ID: 'P', CLOSED: 'N', ASSIGNED_BY_ID: '15',
      CREATED_BY_ID: '1', DATE_CREATE: '2026-03-02T09:00:00+03:00', MOVED_TIME: '2026-03-02T09:00:00+03:00',
    });
    const history = (await rest(sandbox, 'crm.stagehistory.list', { entityTypeId: 2, filter: { OWNER_ID: id } })).body;
    expect(history.result.items).toEqual([{
      ID: expect.any(Number), TYPE_ID: 1, OWNER_ID: id, CREATED_TIME: '2026-03-02T09:00:00+03:00', CATEGORY_ID: 1,
      STAGE_SEMANTIC_ID: 'P', STAGE_ID: 'C1:NEW',
    }]);
    expect(history.total).toBe(1);
  });

  it('a stage change writes history and moves MOVED_TIME, MOVED_BY_ID, semantics and CLOSED', async () => {
    const id = sandbox.store.addDeal({ TITLE: 'd', STAGE_ID: 'UC_CONTRACT' }, { silent: true });
    sandbox.clock.advance(3_600_000);
    await rest(sandbox, 'crm.deal.update', { id, fields: { STAGE_ID: 'UC_REWORK' } });
    sandbox.clock.advance(3_600_000);
    await rest(sandbox, 'crm.deal.update', { id, fields: { STAGE_ID: 'UC_CONTRACT' } });
    sandbox.clock.advance(3_600_000);
    await rest(sandbox, 'crm.deal.update', { id, fields: { STAGE_ID: 'LOSE', UF_CRM_REJECT_STATUS: 'price', UF_CRM_REJECT_REASON: 'competitor' } });
    const deal = (await rest(sandbox, 'crm.deal.get', { id })).body.result;
    expect(deal).toMatchObject({
      STAGE_ID: 'LOSE', STAGE_SEMANTIC_ID: 'F', CLOSED: 'Y', MOVED_BY_ID: '1', MOVED_TIME: '2026-03-02T12:00:00+03:00',
      DATE_MODIFY: '2026-03-02T12:00:00+03:00', UF_CRM_REJECT_STATUS: 'price', UF_CRM_REJECT_REASON: 'competitor',
    });
    const items = (await rest(sandbox, 'crm.stagehistory.list', {
      entityTypeId: 2, filter: { OWNER_ID: id }, order: { ID: 'ASC' }, select: ['STAGE_ID', 'TYPE_ID', 'CREATED_TIME'],
    })).body.result.items;
    expect(items.map((h: { STAGE_ID: string; TYPE_ID: number }) => [h.STAGE_ID, h.TYPE_ID])).toEqual([
      ['UC_CONTRACT', 1], ['UC_REWORK', 2], ['UC_CONTRACT', 2], ['LOSE', 3],
    ]);
    expect(items[1]).toEqual({ ID: expect.any(Number), STAGE_ID: 'UC_REWORK', TYPE_ID: 2, CREATED_TIME: '2026-03-02T10:00:00+03:00' });
    const after = (await rest(sandbox, 'crm.stagehistory.list', {
      entityTypeId: 2, filter: { OWNER_ID: id, '>CREATED_TIME': '2026-03-02T10:30:00+03:00' },
    })).body.result.items;
    expect(after.map((h: { STAGE_ID: string }) => h.STAGE_ID)).toEqual(['UC_CONTRACT', 'LOSE']);
  });

  it('keeps DATE_MODIFY on every update, ignores unknown fields and never changes CATEGORY_ID', async () => {
    const id = sandbox.store.addDeal({ TITLE: 'd', CATEGORY_ID: 0 }, { silent: true });
    sandbox.clock.advance(60_000);
    const r = await rest(sandbox, 'crm.deal.update', { id, fields: { TITLE: 'renamed', UF_CRM_TYPO_FIELD: 'x', CATEGORY_ID: 2, STAGE_ID: 'C2:NEW' } });
    expect(r.body.result).toBe(true);
    const deal = sandbox.store.getDeal(id)!;
    expect(deal.TITLE).toBe('renamed');
    expect(deal.CATEGORY_ID).toBe(0);
    expect(deal.STAGE_ID).toBe('NEW');
    expect(deal.UF_CRM_TYPO_FIELD).toBeUndefined();
    expect(deal.DATE_MODIFY).toBe(NOW.getTime() + 60_000);
    expect(sandbox.store.dealStageHistory(id)).toHaveLength(1);
  });

  it('stores dates and money the portal way', async () => {
    const id = sandbox.store.addDeal({ TITLE: 'd' }, { silent: true });
    await rest(sandbox, 'crm.deal.update', { id, fields: { UF_CRM_DELIVERY_DATE: '2025-04-29T13:03:20+03:00', UF_CRM_PAID_AMOUNT: '5000' } });
    const deal = (await rest(sandbox, 'crm.deal.get', { id })).body.result;
    expect(deal.UF_CRM_DELIVERY_DATE).toBe('2025-04-29T03:00:00+03:00');
    expect(deal.UF_CRM_PAID_AMOUNT).toBe('5000|RUB');
    await rest(sandbox, 'crm.deal.update', { id, fields: { UF_CRM_DELIVERY_DATE: '30.04.2025' } });
    expect(sandbox.store.getDeal(id)!.UF_CRM_DELIVERY_DATE).toBe('2025-04-30');
  });

  it('product rows: get and set', async () => {
    const id = sandbox.store.addDeal({ TITLE: 'd' }, { silent: true });
    const set = await rest(sandbox, 'crm.deal.productrows.set', { id, rows: [{ PRODUCT_ID: 101, PRODUCT_NAME: 'Трансформатор', PRICE: 850000, QUANTITY: 2 }] });
    expect(set.body.result).toBe(true);
    const rows = (await rest(sandbox, 'crm.deal.productrows.get', { id })).body.result;
    expect(rows).toEqual([expect.objectContaining({ OWNER_ID: String(id), OWNER_TYPE: 'D', PRODUCT_ID: 101, PRODUCT_NAME: 'Трансформатор',
      PRICE: 850000, QUANTITY: 2, PRICE_ACCOUNT: '850000.00' })]);
  });
});

describe('leads and contacts', () => {
  it('adds and updates a lead; a status change writes lead history with STATUS_ID', async () => {
    const id = (await rest(sandbox, 'crm.lead.add', { fields: { TITLE: 'Заявка', UF_CRM_REQUEST_TYPE: 'order', PHONE: [{ VALUE: '8 916 1112233', VALUE_TYPE: 'WORK' }] } })).body.result;
    sandbox.clock.advance(600_000);
    await rest(sandbox, 'crm.lead.update', { id, fields: { STATUS_ID: 'JUNK', ASSIGNED_BY_ID: 4 } });
    const lead = (await rest(sandbox, 'crm.lead.get', { id })).body.result;
    expect(lead).toMatchObject({ STATUS_ID: 'JUNK', STATUS_SEMANTIC_ID: 'F', ASSIGNED_BY_ID: '4', HAS_PHONE: 'Y',
      DATE_CLOSED: '2026-03-02T09:10:00+03:00', UF_CRM_REQUEST_TYPE: 'order' });
    expect(lead.PHONE[0].VALUE).toBe('8 916 1112233');
    const items = (await rest(sandbox, 'crm.stagehistory.list', { entityTypeId: 1, filter: { OWNER_ID: id } })).body.result.items;
    expect(items.map((h: Record<string, unknown>) => [h.STATUS_ID, h.STATUS_SEMANTIC_ID, h.TYPE_ID])).toEqual([['NEW', 'P', 1], ['JUNK', 'F', 3]]);
    expect(items[0].STAGE_ID).toBeUndefined();
  });

  it('refuses an add without fields', async () => {
    expect(await rest(sandbox, 'crm.lead.add', {})).toEqual({ status: 400, body: { error: '', error_description: "Parameter 'fields' must be array" } });
  });

  it('contacts keep date user fields with the technical time part', async () => {
    const id = (await rest(sandbox, 'crm.contact.add', { fields: { NAME: 'Ольга', UF_CRM_CHILD_BIRTHDAY: '2019-05-14', UF_CRM_CHILD_BIRTHDAY_TEXT: '14 мая' } })).body.result;
    await rest(sandbox, 'crm.contact.update', { id, fields: { LAST_NAME: 'Иванова' } });
    const list = (await rest(sandbox, 'crm.contact.list', { filter: { '!UF_CRM_CHILD_BIRTHDAY': '' }, select: ['ID', 'UF_CRM_CHILD_BIRTHDAY', 'UF_CRM_CHILD_BIRTHDAY_TEXT', 'LAST_NAME'] })).body.result;
    expect(list).toEqual([{ ID: String(id), LAST_NAME: 'Иванова', UF_CRM_CHILD_BIRTHDAY: '2019-05-14T03:00:00+03:00', UF_CRM_CHILD_BIRTHDAY_TEXT: '14 мая' }]);
  });
});

describe('timeline, tasks, notifications, people', () => {
  it('crm.timeline.comment.add takes only lowercase fields and checks the owner', async () => {
    const dealId = sandbox.store.addDeal({ TITLE: 'd' }, { silent: true });
    const ok = await rest(sandbox, 'crm.timeline.comment.add', { fields: { ENTITY_ID: dealId, ENTITY_TYPE: 'deal', COMMENT: 'Согласовано ботом' } });
    expect(typeof ok.body.result).toBe('number');
    expect(sandbox.store.listTimelineComments({ entityType: 'deal', entityId: dealId }).map((c) => c.COMMENT)).toEqual(['Согласовано ботом']);
    const upper = await rest(sandbox, 'crm.timeline.comment.add', { FIELDS: { ENTITY_ID: dealId, ENTITY_TYPE: 'deal', COMMENT: 'x' } });
    expect(upper.status).toBe(400);
    const orphan = await rest(sandbox, 'crm.timeline.comment.add', { fields: { ENTITY_ID: 999_999, ENTITY_TYPE: 'deal', COMMENT: 'x' } });
    expect(orphan.body.error).toBe('OWNER_NOT_FOUND');
  });

  it('tasks.task.add / get / list', async () => {
    const added = (await rest(sandbox, 'tasks.task.add', { fields: { TITLE: 'Позвонить клиенту', RESPONSIBLE_ID: 12, DEADLINE: '2026-03-02T11:00:00', UF_CRM_TASK: ['L_5'] } })).body.result.task;
    expect(added).toMatchObject({ title: 'Позвонить клиенту', responsibleId: '12', createdBy: '1', status: '2',
      deadline: '2026-03-02T11:00:00+03:00', ufCrmTask: ['L_5'] });
    const got = (await rest(sandbox, 'tasks.task.get', { taskId: Number(added.id) })).body.result.task;
    expect(got.id).toBe(added.id);
    await rest(sandbox, 'tasks.task.add', { fields: { TITLE: 'Другая', RESPONSIBLE_ID: 13 } });
    const list = (await rest(sandbox, 'tasks.task.list', { filter: { RESPONSIBLE_ID: 12 } })).body;
    expect(list.result.tasks.map((t: { title: string }) => t.title)).toEqual(['Позвонить клиенту']);
    expect(list.total).toBe(1);
    const missingTitle = await rest(sandbox, 'tasks.task.add', { fields: { RESPONSIBLE_ID: 12 } });
    expect(missingTitle.status).toBe(400);
  });

  it('im.notify.system.add keeps a per-user list; the same TAG replaces the earlier one', async () => {
    const first = (await rest(sandbox, 'im.notify.system.add', { USER_ID: 10, MESSAGE: 'Сделка 5 стоит', TAG: 'nudge|5' })).body.result;
    const second = (await rest(sandbox, 'im.notify.system.add', { USER_ID: 10, MESSAGE: 'Сделка 5 всё ещё стоит', TAG: 'nudge|5' })).body.result;
    await rest(sandbox, 'im.notify.system.add', { USER_ID: 11, MESSAGE: 'Другому' });
    expect(second).toBeGreaterThan(first);
    expect(sandbox.store.listNotifications(10).map((n) => n.message)).toEqual(['Сделка 5 всё ещё стоит']);
    expect(await rest(sandbox, 'im.notify.system.add', { MESSAGE: 'x' })).toEqual({ status: 400, body: { error: 'USER_ID_EMPTY', error_description: "User ID can't be empty" } });
  });

  it('presence: timeman.status and im.user.list.get absent', async () => {
    expect((await rest(sandbox, 'timeman.status', { USER_ID: DEMO.users.dayClosed })).body.result).toMatchObject({
      STATUS: 'CLOSED', TIME_START: '2026-03-01T09:00:00+03:00', TIME_FINISH: '2026-03-01T18:00:00+03:00', DURATION: '09:00:00' });
    expect((await rest(sandbox, 'timeman.status', { USER_ID: DEMO.users.dayPaused })).body.result.STATUS).toBe('PAUSED');
    const opened = (await rest(sandbox, 'timeman.status', { USER_ID: 10 })).body.result;
    expect(opened).toMatchObject({ STATUS: 'OPENED', TIME_START: '2026-03-02T09:00:00+03:00', TIME_FINISH: null, TZ_OFFSET: 10800 });
    expect(await rest(sandbox, 'timeman.status', { USER_ID: 777 })).toEqual({ status: 400, body: { error: '', error_description: 'User not found' } });
    const users = (await rest(sandbox, 'im.user.list.get', { ID: [DEMO.users.onVacation, 10] })).body.result;
    expect(users['13'].absent).toBe('2026-03-09T23:59:59+03:00');
    expect(users['10']).toMatchObject({ id: 10, absent: false, active: true, departments: [3] });
  });

  it('server.time and profile follow the portal clock and the webhook user', async () => {
    sandbox.clock.set('2026-06-01T12:30:00Z');
    expect((await rest(sandbox, 'server.time')).body.result).toBe('2026-06-01T15:30:00+03:00');
    expect((await rest(sandbox, 'profile')).body.result).toEqual({ ID: '1', ADMIN: true, NAME: 'Алексей', LAST_NAME: 'Смирнов', PERSONAL_GENDER: 'M', TIME_ZONE: '' });
  });
});
