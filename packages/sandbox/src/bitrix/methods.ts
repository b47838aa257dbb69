/**
 * REST method handlers of the sandbox portal. Each one takes the request params (already merged from query,
 * body or a batch sub-command) and returns `{result, total?, next?}` or throws a RestError with the status and
 * body the real portal answers. Shapes follow apidocs.bitrix24.com (repo bitrix24/b24restdocs).
 */

import {
  COMPANY_SCHEMA, CONTACT_SCHEMA, DEAL_HISTORY_SCHEMA, DEAL_SCHEMA, DEPARTMENT_SCHEMA, describeField, LEAD_HISTORY_SCHEMA, LEAD_SCHEMA,
  type MultiFieldValue, type Row, type Schema, STATUS_SCHEMA, TASK_SCHEMA, TIMELINE_COMMENT_SCHEMA, USER_SCHEMA,
} from './fields.js';
import { imbotMethods } from './imbot.js';

export type { MethodContext, MethodHandler, MethodResult, Params } from './method-types.js';

import type { MethodContext, MethodHandler, MethodResult, Params } from './method-types.js';
import type { PortalTime } from './portal-time.js';
import { formatLegacy, formatTyped, type ListPage, projectRow, resolveSelect, runList } from './query.js';
import type { BitrixStore, SandboxTask, SandboxUser, StageDef } from './store.js';


export class RestError extends Error {
  constructor(readonly status: number, readonly code: string, readonly description: string) {
    super(`${code || '(empty code)'}: ${description}`);
    this.name = 'RestError';
  }

  body(): { error: string; error_description: string } {
    return { error: this.code, error_description: this.description };
  }
}




/** Legacy CRM errors carry an empty code. */
const crmError = (description: string): RestError => new RestError(400, '', description);
const notFound = (): RestError => crmError('Not found');

/** Parameter lookup ignoring key case (legacy methods accept `filter` and `FILTER`). */
export function param(params: Params, name: string): unknown {
  if (name in params) return params[name];
  const lower = name.toLowerCase();
  for (const [k, v] of Object.entries(params)) if (k.toLowerCase() === lower) return v;
  return undefined;
}

function legacyId(params: Params): number {
  const raw = param(params, 'id');
  const id = Number(raw);
  if (raw === undefined || raw === '' || !Number.isInteger(id) || id <= 0) throw crmError('ID is not defined or invalid');
  return id;
}

function fieldsParam(params: Params): Record<string, unknown> {
  const fields = param(params, 'fields');
  if (!fields || typeof fields !== 'object' || Array.isArray(fields)) throw crmError("Parameter 'fields' must be array");
  return fields as Record<string, unknown>;
}

function listResult(page: ListPage, result: unknown): MethodResult {
  const out: MethodResult = { result, total: page.total };
  if (page.next !== undefined) out.next = page.next;
  return out;
}

/** crm.<entity>.get returns every field; multiple fields only when filled, as the portal does. */
function fullRow(row: Readonly<Row>, schema: Schema, time: PortalTime): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [name, def] of Object.entries(schema)) {
    if (def.isMultiple && ((row[name] as readonly MultiFieldValue[] | undefined)?.length ?? 0) === 0) continue;
    out[name] = formatLegacy(def, row[name], time);
  }
  return out;
}

interface CrmEntityOps {
  schema: Schema;
  rows: (s: BitrixStore) => readonly Readonly<Row>[];
  get: (s: BitrixStore, id: number) => Readonly<Row> | undefined;
  add: (s: BitrixStore, fields: Record<string, unknown>, by: number) => number;
  update: (s: BitrixStore, id: number, fields: Record<string, unknown>, by: number) => boolean;
}

const ENTITIES: Record<'lead' | 'deal' | 'contact' | 'company', CrmEntityOps> = {
  lead: {
    schema: LEAD_SCHEMA, rows: (s) => s.listLeads(), get: (s, id) => s.getLead(id),
    add: (s, f, by) => s.addLead(f, { byUserId: by }), update: (s, id, f, by) => s.updateLead(id, f, { byUserId: by }),
  },
  deal: {
    schema: DEAL_SCHEMA, rows: (s) => s.listDeals(), get: (s, id) => s.getDeal(id),
    add: (s, f, by) => s.addDeal(f, { byUserId: by }), update: (s, id, f, by) => s.updateDeal(id, f, { byUserId: by }),
  },
  contact: {
    schema: CONTACT_SCHEMA, rows: (s) => s.listContacts(), get: (s, id) => s.getContact(id),
    add: (s, f, by) => s.addContact(f, { byUserId: by }), update: (s, id, f, by) => s.updateContact(id, f, { byUserId: by }),
  },
  company: {
    schema: COMPANY_SCHEMA, rows: (s) => s.listCompanies(), get: (s, id) => s.getCompany(id),
    add: (s, f, by) => s.addCompany(f, { byUserId: by }), update: (s, id, f, by) => s.updateCompany(id, f, { byUserId: by }),
  },
};

function crmMethods(entity: keyof typeof ENTITIES): Record<string, MethodHandler> {
  const ops = ENTITIES[entity];
  return {
    [`crm.${entity}.list`]: (params, { store, time }) => {
      const page = runList(ops.rows(store) as Row[], ops.schema, {
        filter: param(params, 'filter'), order: param(params, 'order'), start: param(params, 'start'),
      }, time);
      const fields = resolveSelect(ops.schema, param(params, 'select'));
      return listResult(page, page.rows.map((row) => projectRow(row, ops.schema, fields, time)));
    },
    [`crm.${entity}.get`]: (params, { store, time }) => {
      const row = ops.get(store, legacyId(params));
      if (!row) throw notFound();
      return { result: fullRow(row, ops.schema, time) };
    },
    [`crm.${entity}.add`]: (params, { store, userId }) => ({ result: ops.add(store, fieldsParam(params), userId) }),
    [`crm.${entity}.update`]: (params, { store, userId }) => {
      const id = legacyId(params);
      const fields = fieldsParam(params);
      if (!ops.update(store, id, fields, userId)) throw notFound();
      return { result: true };
    },
    [`crm.${entity}.fields`]: () => ({
      result: Object.fromEntries(Object.entries(ops.schema).map(([name, def]) => [name, describeField(name, def)])),
    }),
  };
}

// ---- stages, categories, history -----------------------------------------------------------------------------

const SYSTEM_STATUSES = new Set(['NEW', 'WON', 'LOSE', 'CONVERTED', 'JUNK', 'PROCESSED', 'IN_PROCESS']);

function statusRows(store: BitrixStore): Array<{ row: Row; stage: StageDef }> {
  return store.stages.map((stage, index) => ({
    stage,
    row: {
      ID: index + 1, ENTITY_ID: stage.entityId, STATUS_ID: stage.statusId, NAME: stage.name, SORT: stage.sort,
      SEMANTICS: stage.semantics === 'P' ? '' : stage.semantics, CATEGORY_ID: stage.categoryId ?? 0,
    },
  }));
}

function formatStatus(stage: StageDef, id: number): Record<string, unknown> {
  const local = stage.statusId.includes(':') ? stage.statusId.split(':')[1]! : stage.statusId;
  const out: Record<string, unknown> = {
    ID: String(id), ENTITY_ID: stage.entityId, STATUS_ID: stage.statusId, NAME: stage.name,
    NAME_INIT: SYSTEM_STATUSES.has(local) ? stage.name : '', SORT: String(stage.sort),
    SYSTEM: SYSTEM_STATUSES.has(local) ? 'Y' : 'N',
    CATEGORY_ID: stage.categoryId ? String(stage.categoryId) : null, COLOR: stage.color,
    SEMANTICS: stage.semantics === 'P' ? null : stage.semantics,
  };
  if (stage.entityId === 'STATUS' || stage.entityId.startsWith('DEAL_STAGE')) {
    out.EXTRA = { SEMANTICS: { P: 'process', S: 'success', F: 'failure' }[stage.semantics], COLOR: stage.color };
  }
  return out;
}

function historyMethod(params: Params, { store, time }: MethodContext): MethodResult {
  const entityTypeId = Number(param(params, 'entityTypeId'));
  if (entityTypeId !== 1 && entityTypeId !== 2) {
    throw new RestError(400, 'NOT_SUPPORTED', `Entity type ${String(param(params, 'entityTypeId'))} is not supported`);
  }
  const schema = entityTypeId === 1 ? LEAD_HISTORY_SCHEMA : DEAL_HISTORY_SCHEMA;
  const rows = entityTypeId === 1 ? store.leadHistory : store.dealHistory;
  const page = runList(rows, schema, {
    filter: param(params, 'filter'), order: param(params, 'order'), start: param(params, 'start'),
  }, time);
  const fields = resolveSelect(schema, param(params, 'select'), ['*']);
  return listResult(page, { items: page.rows.map((row) => projectRow(row, schema, fields, time, formatTyped)) });
}

// ---- users, departments, presence ----------------------------------------------------------------------------

function userRow(user: SandboxUser, store: BitrixStore): Row {
  return {
    ID: user.ID, ACTIVE: user.ACTIVE, NAME: user.NAME, LAST_NAME: user.LAST_NAME, SECOND_NAME: user.SECOND_NAME,
    EMAIL: user.EMAIL, PERSONAL_MOBILE: user.PERSONAL_MOBILE, WORK_PHONE: user.WORK_PHONE,
    PERSONAL_PHONE: user.PERSONAL_PHONE, PERSONAL_GENDER: user.PERSONAL_GENDER, UF_DEPARTMENT: user.UF_DEPARTMENT,
    UF_PHONE_INNER: user.UF_PHONE_INNER, WORK_POSITION: user.WORK_POSITION, TIME_ZONE: user.TIME_ZONE,
    USER_TYPE: user.USER_TYPE, IS_ONLINE: store.getPresence(user.ID).timeman === 'OPENED' ? 'Y' : 'N',
  };
}

function formatUser(user: SandboxUser, store: BitrixStore): Record<string, unknown> {
  const row = userRow(user, store);
  return { ...row, ID: String(user.ID), UF_DEPARTMENT: [...user.UF_DEPARTMENT] };
}

const USER_GET_RESERVED = new Set(['sort', 'order', 'start', 'admin_mode', 'select', 'image_resize', 'filter', 'auth']);

function userFilter(params: Params): unknown {
  // The SDK's callList adds a lowercase `filter`; when both are sent the portal uses that one (b24jssdk #483).
  if (params.filter !== undefined) return params.filter;
  if (params.FILTER !== undefined) return params.FILTER;
  return Object.fromEntries(Object.entries(params).filter(([k]) => !USER_GET_RESERVED.has(k.toLowerCase())));
}

function userGet(params: Params, { store, time }: MethodContext): MethodResult {
  const users = store.listUsers();
  const rows = users.map((u) => userRow(u, store));
  const sort = param(params, 'sort');
  const order = sort ? { [String(sort)]: String(param(params, 'order') ?? 'ASC') } : undefined;
  const page = runList(rows, USER_SCHEMA, { filter: userFilter(params), order, start: param(params, 'start') }, time);
  return listResult(page, page.rows.map((row) => formatUser(store.getUser(row.ID as number)!, store)));
}

function departmentGet(params: Params, { store, time }: MethodContext): MethodResult {
  const rows: Row[] = store.listDepartments().map((d) => ({ ...d }));
  // Filter fields are upper-case top-level params; lower-case `sort` / `order` choose the order.
  const filter = Object.fromEntries(Object.entries(params)
    .filter(([k]) => ['ID', 'NAME', 'SORT', 'PARENT', 'UF_HEAD'].includes(k.replace(/^[!<>=@%]+/, ''))));
  const sort = param(params, 'sort');
  const order = sort ? { [String(sort)]: String(param(params, 'order') ?? 'ASC') } : undefined;
  const page = runList(rows, DEPARTMENT_SCHEMA, { filter, order, start: param(params, 'START') }, time);
  return listResult(page, page.rows.map((d) => {
    const out: Record<string, unknown> = { ID: String(d.ID), NAME: d.NAME, SORT: d.SORT };
    if (d.PARENT !== null) out.PARENT = String(d.PARENT);
    if (d.UF_HEAD !== null) out.UF_HEAD = String(d.UF_HEAD);
    return out;
  }));
}

function timemanStatus(params: Params, { store, time, userId }: MethodContext): MethodResult {
  const raw = param(params, 'USER_ID');
  const id = raw === undefined || raw === '' ? userId : Number(raw);
  if (!store.getUser(id)) throw crmError('User not found');
  const presence = store.getPresence(id);
  const now = store.clock.nowMs();
  const today = time.dateOf(now);
  const [y, m, d] = today.split('-').map(Number) as [number, number, number];
  const dayStart = time.localToEpoch(y, m, d, 9, 0, 0);
  const yesterdayStart = dayStart - 86_400_000;
  // A day closed before noon is yesterday's (09:00–18:00); later it is today's, closed after four hours.
  const closed = presence.timeman === 'CLOSED';
  const closedYesterday = closed && now < time.localToEpoch(y, m, d, 13, 0, 0);
  const start = presence.timeman === 'EXPIRED' || closedYesterday ? yesterdayStart : dayStart;
  const finish = !closed ? null : closedYesterday ? start + 9 * 3_600_000 : start + 4 * 3_600_000;
  const hms = (ms: number): string => {
    const s = Math.max(0, Math.floor(ms / 1000));
    return [Math.floor(s / 3600), Math.floor(s / 60) % 60, s % 60].map((n) => String(n).padStart(2, '0')).join(':');
  };
  return {
    result: {
      STATUS: presence.timeman,
      TIME_START: time.formatDateTime(start),
      TIME_FINISH: finish === null ? null : time.formatDateTime(finish),
      DURATION: finish === null ? '00:00:00' : hms(finish - start),
      TIME_LEAKS: presence.timeman === 'PAUSED' ? '00:15:00' : '00:00:00',
      ACTIVE: true, IP_OPEN: '', IP_CLOSE: '', LAT_OPEN: 0, LON_OPEN: 0, LAT_CLOSE: 0, LON_CLOSE: 0,
      TZ_OFFSET: time.offsetMinutes(now) * 60,
      TIME_FINISH_DEFAULT: time.formatDateTime(start + 9 * 3_600_000),
    },
  };
}

function imUserListGet(params: Params, { store, time }: MethodContext): MethodResult {
  let ids = param(params, 'ID');
  if (typeof ids === 'string') {
    try {
      ids = JSON.parse(ids);
    } catch {
      ids = undefined;
    }
  }
  const list = Array.isArray(ids) ? ids : ids && typeof ids === 'object' ? Object.values(ids) : undefined;
  if (!list || list.length === 0) throw new RestError(400, 'INVALID_FORMAT', 'A wrong format for the ID field is passed');
  const users = list.map(Number).map((id) => store.getUser(id)).filter((u): u is SandboxUser => u !== undefined);
  const format = (u: SandboxUser): Record<string, unknown> => {
    const presence = store.getPresence(u.ID);
    const absent = store.isAbsent(u.ID) && presence.absentUntil
      ? time.formatDateTime(time.localToEpoch(...(presence.absentUntil.split('-').map(Number) as [number, number, number]), 23, 59, 59))
      : false;
    return {
      id: u.ID, active: u.ACTIVE, name: `${u.NAME} ${u.LAST_NAME}`.trim(), first_name: u.NAME, last_name: u.LAST_NAME,
      work_position: u.WORK_POSITION, color: '#df532d', avatar: '', avatar_hr: '', gender: u.PERSONAL_GENDER, birthday: '',
      extranet: u.USER_TYPE === 'extranet', network: false, bot: u.USER_TYPE === 'bot', connector: false,
      external_auth_id: 'default', status: 'online', idle: false,
      last_activity_date: time.formatDateTime(store.clock.nowMs()), mobile_last_date: false, desktop_last_date: false,
      absent, departments: [...u.UF_DEPARTMENT],
      phones: { work_phone: u.WORK_PHONE, personal_mobile: u.PERSONAL_MOBILE, inner_phone: u.UF_PHONE_INNER },
      website: '', email: u.EMAIL, bot_data: null, type: 'user',
    };
  };
  if (String(param(params, 'RESULT_TYPE') ?? '').toLowerCase() === 'array') return { result: users.map(format) };
  return { result: Object.fromEntries(users.map((u) => [String(u.ID), format(u)])) };
}

// ---- tasks ---------------------------------------------------------------------------------------------------

function taskRow(t: SandboxTask): Row {
  return {
    ID: t.id, TITLE: t.title, DESCRIPTION: t.description, RESPONSIBLE_ID: t.responsibleId, CREATED_BY: t.createdBy,
    CREATED_DATE: t.createdDate, CHANGED_DATE: t.changedDate, DEADLINE: t.deadline, REAL_STATUS: t.status,
    PRIORITY: t.priority, UF_CRM_TASK: t.ufCrmTask as unknown as number[], CLOSED_DATE: null, GROUP_ID: 0,
  };
}

function formatTask(t: SandboxTask, time: PortalTime): Record<string, unknown> {
  return {
    id: String(t.id), parentId: null, title: t.title, description: t.description, priority: String(t.priority),
    status: String(t.status), createdBy: String(t.createdBy), createdDate: time.formatDateTime(t.createdDate),
    responsibleId: String(t.responsibleId), changedBy: String(t.createdBy), changedDate: time.formatDateTime(t.changedDate),
    closedBy: null, closedDate: null, deadline: t.deadline === null ? null : time.formatDateTime(t.deadline),
    groupId: '0', ufCrmTask: [...t.ufCrmTask], auditors: [], accomplices: [],
  };
}

function taskAdd(params: Params, { store, time, userId }: MethodContext): MethodResult {
  const fields = param(params, 'fields');
  if (!fields || typeof fields !== 'object') throw new RestError(400, 'ERROR_CORE', 'Task fields are not specified');
  const f = fields as Params;
  const title = String(param(f, 'TITLE') ?? '').trim();
  if (title === '') throw new RestError(400, 'ERROR_CORE', 'Task title is not specified');
  const responsible = Number(param(f, 'RESPONSIBLE_ID'));
  if (!Number.isInteger(responsible) || responsible <= 0) throw new RestError(400, 'ERROR_CORE', 'Assignee is not specified');
  const deadlineRaw = param(f, 'DEADLINE');
  const crm = param(f, 'UF_CRM_TASK');
  const task = store.addTask({
    title, responsibleId: responsible, description: String(param(f, 'DESCRIPTION') ?? ''),
    createdBy: Number(param(f, 'CREATED_BY') ?? userId) || userId,
    deadline: deadlineRaw === undefined || deadlineRaw === '' ? null : time.parseDateTime(deadlineRaw),
    ufCrmTask: Array.isArray(crm) ? crm.map(String) : crm && typeof crm === 'object' ? Object.values(crm).map(String) : [],
    priority: Number(param(f, 'PRIORITY') ?? 1) || 1,
  });
  return { result: { task: formatTask(task, time) } };
}

function taskGet(params: Params, { store, time }: MethodContext): MethodResult {
  const task = store.getTask(Number(param(params, 'taskId')));
  if (!task) throw new RestError(400, 'ERROR_CORE', 'Task not found or not accessible');
  return { result: { task: formatTask(task, time) } };
}

function taskList(params: Params, { store, time }: MethodContext): MethodResult {
  const tasks = store.listTasks();
  const page = runList(tasks.map(taskRow), TASK_SCHEMA, {
    filter: param(params, 'filter'), order: param(params, 'order'), start: param(params, 'start'),
  }, time, [{ field: 'ID', desc: true }]);
  return listResult(page, { tasks: page.rows.map((row) => formatTask(store.getTask(row.ID as number)!, time)) });
}

// ---- registry ------------------------------------------------------------------------------------------------

export const METHODS: Readonly<Record<string, MethodHandler>> = {
  ...crmMethods('lead'),
  ...crmMethods('deal'),
  ...crmMethods('contact'),
  ...crmMethods('company'),

  'crm.deal.productrows.get': (params, { store }) => {
    const id = legacyId(params);
    if (!store.getDeal(id)) throw notFound();
    return {
      result: store.getProductRows(id).map((r) => ({
        ID: String(r.ID), OWNER_ID: String(r.OWNER_ID), OWNER_TYPE: 'D', PRODUCT_ID: r.PRODUCT_ID,
        PRODUCT_NAME: r.PRODUCT_NAME, ORIGINAL_PRODUCT_NAME: r.PRODUCT_NAME, PRODUCT_DESCRIPTION: null,
        PRICE: r.PRICE, PRICE_EXCLUSIVE: r.PRICE, PRICE_NETTO: r.PRICE, PRICE_BRUTTO: r.PRICE,
        PRICE_ACCOUNT: r.PRICE.toFixed(2), QUANTITY: r.QUANTITY, DISCOUNT_TYPE_ID: 2, DISCOUNT_RATE: r.DISCOUNT_RATE,
        DISCOUNT_SUM: r.DISCOUNT_SUM, TAX_RATE: r.TAX_RATE, TAX_INCLUDED: r.TAX_INCLUDED, CUSTOMIZED: 'Y',
        MEASURE_CODE: r.MEASURE_CODE, MEASURE_NAME: r.MEASURE_NAME, SORT: r.SORT, TYPE: 1, STORE_ID: 0,
      })),
    };
  },
  'crm.deal.productrows.set': (params, { store }) => {
    const id = legacyId(params);
    if (!store.getDeal(id)) throw notFound();
    const raw = param(params, 'rows');
    const rows = Array.isArray(raw) ? raw : raw && typeof raw === 'object' ? Object.values(raw) : [];
    store.setProductRows(id, rows.filter((r): r is Params => !!r && typeof r === 'object').map((r) => ({
      PRODUCT_ID: Number(param(r, 'PRODUCT_ID') ?? 0), PRODUCT_NAME: String(param(r, 'PRODUCT_NAME') ?? ''),
      PRICE: Number(param(r, 'PRICE') ?? 0), QUANTITY: Number(param(r, 'QUANTITY') ?? 1),
      DISCOUNT_RATE: Number(param(r, 'DISCOUNT_RATE') ?? 0), DISCOUNT_SUM: Number(param(r, 'DISCOUNT_SUM') ?? 0),
      MEASURE_NAME: String(param(r, 'MEASURE_NAME') ?? 'шт'),
    })));
    return { result: true };
  },

  'crm.status.list': (params, { store, time }) => {
    const entries = statusRows(store);
    const page = runList(entries.map((e) => e.row), STATUS_SCHEMA, {
      filter: param(params, 'filter'), order: param(params, 'order'), start: param(params, 'start'),
    }, time, [{ field: 'SORT', desc: false }]);
    return listResult(page, page.rows.map((row) => formatStatus(entries[(row.ID as number) - 1]!.stage, row.ID as number)));
  },

  'crm.category.list': (params, { store }) => {
    const entityTypeId = Number(param(params, 'entityTypeId'));
    if (!Number.isInteger(entityTypeId) || entityTypeId <= 0) {
      throw new RestError(400, 'NOT_FOUND', 'Entity type not found');
    }
    const categories = entityTypeId !== 2 ? [] : [...store.categories]
      .sort((a, b) => a.sort - b.sort || a.id - b.id)
      .map((c) => ({
        id: c.id, name: c.name, sort: c.sort, entityTypeId: 2, isDefault: c.isDefault ? 'Y' : 'N',
        ...(c.isDefault ? {} : { originId: '', originatorId: '' }),
      }));
    return { result: { categories }, total: categories.length };
  },

  'crm.stagehistory.list': historyMethod,

  // Ids of leads and contacts holding any of the phones (or e-mails); a portal compares phones by their digits, so
  // "+7 (916) 123-45-67" finds "8 916 1234567". At most 20 values; nothing found answers an empty array, not {}.
  'crm.duplicate.findbycomm': (params, { store }) => {
    const type = param(params, 'type');
    const values = param(params, 'values');
    if (type !== 'PHONE' && type !== 'EMAIL') throw new RestError(400, '', 'Parameter type is not defined or invalid');
    if (!Array.isArray(values) || values.length === 0) throw new RestError(400, '', 'Parameter values is not defined or empty');
    if (values.length > 20) throw new RestError(400, '', 'Too many values (20 at most)');
    const key = (value: unknown): string => {
      const text = String(value ?? '').trim().toLowerCase();
      if (type === 'EMAIL') return text;
      const digits = text.replace(/\D/g, '');
      return digits.length >= 10 ? digits.slice(-10) : digits;
    };
    const wanted = new Set(values.map(key).filter((v) => v !== ''));
    const entityType = param(params, 'entity_type');
    const holders = (rows: readonly Readonly<Row>[]): number[] => rows
      .filter((row) => Array.isArray(row[type]) && (row[type] as Array<{ VALUE?: unknown }>).some((m) => wanted.has(key(m.VALUE))))
      .map((row) => Number(row.ID)).slice(0, 20);
    const result: Record<string, number[]> = {};
    if (entityType === undefined || entityType === 'LEAD') {
      const ids = holders(store.listLeads());
      if (ids.length > 0) result.LEAD = ids;
    }
    if (entityType === undefined || entityType === 'CONTACT') {
      const ids = holders(store.listContacts());
      if (ids.length > 0) result.CONTACT = ids;
    }
    return { result: Object.keys(result).length > 0 ? result : [] };
  },

  'crm.timeline.comment.add': (params, { store, userId }) => {
    // Since crm 23.100.0 only lowercase `fields` is accepted.
    const fields = params.fields;
    if (!fields || typeof fields !== 'object' || Array.isArray(fields)) {
      throw new RestError(400, 'INVALID_ARG_VALUE', 'Required parameter "fields" is not set');
    }
    const f = fields as Params;
    const entityType = String(f.ENTITY_TYPE ?? '').toLowerCase();
    const entityId = Number(f.ENTITY_ID);
    const owner = entityType === 'deal' ? store.getDeal(entityId) : entityType === 'lead' ? store.getLead(entityId)
      : entityType === 'contact' ? store.getContact(entityId) : undefined;
    if (!owner) throw new RestError(400, 'OWNER_NOT_FOUND', 'Owner of the item not found');
    const comment = String(f.COMMENT ?? '');
    if (comment.trim() === '') throw new RestError(400, 'INVALID_ARG_VALUE', 'Empty comment');
    const author = Number(f.AUTHOR_ID ?? userId) || userId;
    return { result: store.addTimelineComment({ ENTITY_TYPE: entityType, ENTITY_ID: entityId, COMMENT: comment, AUTHOR_ID: author }) };
  },

  // The docs make ENTITY_ID and ENTITY_TYPE mandatory in the filter; the error a portal gives without them is a guess.
  'crm.timeline.comment.list': (params, { store, time }) => {
    const filter = param(params, 'filter');
    const f = filter && typeof filter === 'object' && !Array.isArray(filter) ? filter as Params : {};
    if (f.ENTITY_ID === undefined || f.ENTITY_TYPE === undefined) {
      throw new RestError(400, 'INVALID_ARG_VALUE', 'ENTITY_ID and ENTITY_TYPE are required in filter');
    }
    const rows: Row[] = store.listTimelineComments({ entityType: String(f.ENTITY_TYPE), entityId: Number(f.ENTITY_ID) })
      .map((c) => ({ ID: c.ID, CREATED: c.CREATED, ENTITY_ID: c.ENTITY_ID, ENTITY_TYPE: c.ENTITY_TYPE, AUTHOR_ID: c.AUTHOR_ID, COMMENT: c.COMMENT }));
    const rest = Object.fromEntries(Object.entries(f).filter(([k]) => k !== 'ENTITY_ID' && k !== 'ENTITY_TYPE'));
    const page = runList(rows, TIMELINE_COMMENT_SCHEMA, { filter: rest, order: param(params, 'order'), start: param(params, 'start') }, time);
    const fields = resolveSelect(TIMELINE_COMMENT_SCHEMA, param(params, 'select'), ['*']);
    return listResult(page, page.rows.map((row) => projectRow(row, TIMELINE_COMMENT_SCHEMA, fields, time, formatLegacy)));
  },

  'user.get': userGet,
  'user.current': (_params, { store, userId }) => {
    const user = store.getUser(userId);
    return { result: user ? formatUser(user, store) : {} };
  },
  'department.get': departmentGet,
  'timeman.status': timemanStatus,
  'im.user.list.get': imUserListGet,

  'tasks.task.add': taskAdd,
  'tasks.task.get': taskGet,
  'tasks.task.list': taskList,

  'im.notify.system.add': (params, { store }) => {
    const userId = Number(param(params, 'USER_ID'));
    if (!Number.isInteger(userId) || userId <= 0) throw new RestError(400, 'USER_ID_EMPTY', "User ID can't be empty");
    const message = String(param(params, 'MESSAGE') ?? '');
    if (message.trim() === '') throw new RestError(400, 'MESSAGE_EMPTY', "Message can't be empty");
    return {
      result: store.addNotification(userId, message, String(param(params, 'TAG') ?? ''), String(param(params, 'SUB_TAG') ?? '')),
    };
  },

  'server.time': (_params, { store, time }) => ({ result: time.formatDateTime(store.clock.nowMs()) }),
  profile: (_params, { store, userId }) => {
    const user = store.getUser(userId);
    if (!user?.ACTIVE) return { result: {} };
    return {
      result: {
        ID: String(user.ID), ADMIN: user.IS_ADMIN, NAME: user.NAME, LAST_NAME: user.LAST_NAME,
        PERSONAL_GENDER: user.PERSONAL_GENDER, TIME_ZONE: user.TIME_ZONE,
      },
    };
  },
};

/** Write methods for the call counters: names ending in .add/.update/.delete/.set. */
export function isWriteMethod(method: string): boolean {
  return /\.(add|update|delete|set)$/i.test(method);
}

// ---- chat bots (imbot.v2, see imbot.ts) ---------------------------------------------------------------------
Object.assign(METHODS, imbotMethods((status, code, description) => new RestError(status, code, description)));
