import type { Redis } from 'ioredis';
import type { z } from 'zod';
import type { Logger } from '../infra/log.js';
import { createTtlCache } from './cache.js';
import { type CursorField, planChanges, type ScanCursor } from './cursor.js';
import { type CalendarDate, formatPortalDateTime, parseCalendarDate, parsePortalDateTime } from './dates.js';
import {
  type Category, type Company, type Contact, createEntitySchemas, type Deal, type Department, type EntityName, type EntitySchemas,
  type EntityTypes, formatIssues, type Lead, type ProductRow, type RejectedRow, rawIdOf, type Stage,
  type StageHistoryEntry, type User,
} from './entities.js';
import { CrmBatchError, CrmError, CrmRowError } from './errors.js';
import { type ListMode, type ListSpec, listRawPages } from './list.js';
import { forgetRead, sharedRead } from './priority.js';
import { createRateBudget } from './rate-budget.js';
import {
  type BatchCommand, type BatchEntry, type CallOptions, type CrmObserver, createTransport, type RetryOptions,
  type TransportStats,
} from './transport.js';

export interface CrmGatewayOptions {
  /** Inbound webhook `https://<portal>/rest/<userId>/<code>/` (http:// only for a loopback sandbox). */
  webhookUrl: string;
  redis: Redis;
  log: Logger;
  rate?: { perSecond?: number; burst?: number; keyPrefix?: string };
  /** The portal's IANA time zone: offset-less values are read in it, filters are written in it. */
  timezone: string;
  retry?: RetryOptions;
  timeoutMs?: number;
  /** TTL of the reference-data caches (users, departments, stages, pipelines); default 5 min. */
  cacheTtlMs?: number;
  /** Told about every request and failure (Prometheus counters in the app). */
  observer?: CrmObserver;
}

export interface ListQuery {
  filter?: Record<string, unknown>;
  /** Stop reading pages once this many rows are in (a search shows the first few, not every match). */
  limit?: number;
  select?: string[];
  mode?: ListMode;
  firstRequestPages?: number;
  pagesPerRequest?: number;
}

export interface Page<T> {
  items: T[];
  rejected: RejectedRow[];
}

export interface ListResult<T> {
  items: T[];
  rejected: RejectedRow[];
}

export interface ChangeScanOptions extends Omit<ListQuery, 'mode'> {
  /** Field that moves when a row changes (default DATE_MODIFY). */
  field?: CursorField;
  /** How far below the watermark each tick looks again (default 2 min). */
  overlapMs?: number;
  /** With no saved state: read everything (`all`, default) or start from now (`now`, nothing delivered). */
  initial?: 'all' | 'now';
}

export interface ChangeScan<T> {
  items: T[];
  rejected: RejectedRow[];
  /** HTTP requests this tick made. */
  requests: number;
  /** Saves the new watermark. Call after the items were processed, so a crash re-delivers instead of losing. */
  commit(): Promise<void>;
}

export interface TimemanStatus {
  status: 'OPENED' | 'CLOSED' | 'PAUSED' | 'EXPIRED' | string;
  active: boolean | null;
  startedAt: Date | null;
  finishedAt: Date | null;
}

export interface TimelineCommentInput {
  entityType: 'deal' | 'lead' | 'contact' | 'company';
  entityId: number;
  comment: string;
}

export interface TaskInput {
  title: string;
  responsibleId: number;
  description?: string;
  deadline?: Date;
  createdBy?: number;
  /** CRM bindings such as `D_10` (deal), `L_4` (lead), `C_7` (contact). */
  crmBindings?: string[];
  /** Further `tasks.task.add` fields, passed as is. */
  extra?: Record<string, unknown>;
}

export interface NotifyInput {
  userId: number;
  message: string;
  /** With a webhook the portal needs a CLIENT_ID next to TAG; a TAG replaces earlier notifications with it. */
  tag?: string;
}

export type UpdateOptions = { registerSonetEvent?: boolean };

export interface CrmGateway {
  readonly timezone: string;
  // reads at scale
  listAll<E extends EntityName>(entity: E, query?: ListQuery): AsyncGenerator<Page<EntityTypes[E]>>;
  scanChanges<E extends EntityName>(entity: E, cursor: ScanCursor, options?: ChangeScanOptions): Promise<ChangeScan<EntityTypes[E]>>;
  // leads
  listLeads(query?: ListQuery): Promise<ListResult<Lead>>;
  getLead(id: number): Promise<Lead>;
  updateLead(id: number, fields: Record<string, unknown>, options?: UpdateOptions): Promise<void>;
  // deals
  listDeals(query?: ListQuery): Promise<ListResult<Deal>>;
  getDeal(id: number): Promise<Deal>;
  addDeal(fields: Record<string, unknown>, options?: UpdateOptions): Promise<number>;
  updateDeal(id: number, fields: Record<string, unknown>, options?: UpdateOptions): Promise<void>;
  getDealProductRows(dealId: number): Promise<ProductRow[]>;
  // contacts
  listContacts(query?: ListQuery): Promise<ListResult<Contact>>;
  listCompanies(query?: ListQuery): Promise<ListResult<Company>>;
  /** Ids of leads or contacts holding this phone in any format (`crm.duplicate.findbycomm`: the portal compares digits). */
  findByPhone(phone: string, entityType: 'LEAD' | 'CONTACT'): Promise<number[]>;
  getContact(id: number): Promise<Contact>;
  updateContact(id: number, fields: Record<string, unknown>, options?: UpdateOptions): Promise<void>;
  // reference data (cached)
  getStatuses(options?: { entityId?: string; refresh?: boolean }): Promise<Stage[]>;
  getDealStages(categoryId: number, options?: { refresh?: boolean }): Promise<Stage[]>;
  getCategories(options?: { entityTypeId?: number; refresh?: boolean }): Promise<Category[]>;
  getUsers(options?: { ids?: number[]; includeInactive?: boolean; refresh?: boolean }): Promise<User[]>;
  getUser(id: number): Promise<User>;
  getDepartments(options?: { refresh?: boolean }): Promise<Department[]>;
  // history, presence
  listStageHistory(entity: 'deal' | 'lead', query?: ListQuery): Promise<ListResult<StageHistoryEntry>>;
  getTimemanStatus(userId: number): Promise<TimemanStatus>;
  /** `im.user.list.get` absence: user id → end of the absence, or null when present. Unknown users are left out. */
  getAbsences(userIds: number[]): Promise<Map<number, Date | null>>;
  // writes
  addTimelineComment(input: TimelineCommentInput): Promise<number>;
  addTask(input: TaskInput): Promise<number>;
  notify(input: NotifyInput): Promise<number>;
  // raw access
  call<T = unknown>(method: string, params?: Record<string, unknown>, options?: CallOptions): Promise<T>;
  /** One batch request; failed sub-commands come back as `{ok:false, error}`. */
  batch(commands: Record<string, BatchCommand>, options?: { halt?: boolean } & CallOptions): Promise<Record<string, BatchEntry>>;
  /** Like `batch`, but throws `CrmBatchError` (with the partial results) when any sub-command failed. */
  batchStrict(commands: Record<string, BatchCommand>, options?: { halt?: boolean } & CallOptions): Promise<Record<string, unknown>>;
  /** A date user field's value as a calendar day (the portal renders a technical time part). */
  calendarDate(value: unknown): CalendarDate | null;
  stats(): TransportStats;
}

interface EntityDescriptor {
  spec: ListSpec;
  schema: keyof EntitySchemas;
  label: string;
}

const ENTITIES: Record<EntityName, EntityDescriptor> = {
  lead: { spec: { method: 'crm.lead.list' }, schema: 'lead', label: 'lead' },
  deal: { spec: { method: 'crm.deal.list' }, schema: 'deal', label: 'deal' },
  contact: { spec: { method: 'crm.contact.list' }, schema: 'contact', label: 'contact' },
  company: { spec: { method: 'crm.company.list' }, schema: 'company', label: 'company' },
  // user.get: upper-case FILTER (a lowercase `filter` is a different, ignored key) and sort/order strings.
  user: { spec: { method: 'user.get', filterKey: 'FILTER', orderStyle: 'sort-order' }, schema: 'user', label: 'user' },
  dealStageHistory: { spec: { method: 'crm.stagehistory.list', params: { entityTypeId: 2 }, itemsKey: 'items' }, schema: 'dealStageHistory', label: 'deal stage history' },
  leadStageHistory: { spec: { method: 'crm.stagehistory.list', params: { entityTypeId: 1 }, itemsKey: 'items' }, schema: 'leadStageHistory', label: 'lead stage history' },
};

const yn = (flag: boolean | undefined, fallback: 'Y' | 'N'): 'Y' | 'N' => (flag === undefined ? fallback : flag ? 'Y' : 'N');

function positiveInt(value: unknown, method: string): number {
  const n = typeof value === 'number' ? value : typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : NaN;
  if (!Number.isInteger(n) || n <= 0) {
    throw new CrmError({ code: 'UNEXPECTED_ANSWER', status: 200, method, description: `expected a new id, got ${JSON.stringify(value)}` });
  }
  return n;
}

export function createCrmGateway(options: CrmGatewayOptions): CrmGateway {
  const log = options.log.child({ module: 'crm' });
  const timezone = options.timezone;
  const transport = createTransport({
    webhookUrl: options.webhookUrl,
    log,
    retry: options.retry,
    timeoutMs: options.timeoutMs,
    budget: createRateBudget(options.redis, new URL(options.webhookUrl).origin, options.rate),
    observer: options.observer,
  });
  const schemas = createEntitySchemas(timezone);
  const ttl = options.cacheTtlMs ?? 5 * 60_000;

  function parseRows<T>(schema: z.ZodType<T>, label: string, rows: unknown[], idKey = 'ID'): Page<T> {
    const items: T[] = [];
    const rejected: RejectedRow[] = [];
    for (const raw of rows) {
      const parsed = schema.safeParse(raw);
      if (parsed.success) {
        items.push(parsed.data);
      } else {
        const row: RejectedRow = { entity: label, id: rawIdOf(raw, idKey), issues: formatIssues(parsed.error), raw };
        rejected.push(row);
        log.warn({ entity: label, id: row.id, issues: row.issues }, 'crm row rejected');
      }
    }
    return { items, rejected };
  }

  function parseOne<T>(schema: z.ZodType<T>, label: string, raw: unknown, method: string, idKey = 'ID'): T {
    const parsed = schema.safeParse(raw);
    if (parsed.success) return parsed.data;
    const error = new CrmRowError(label, rawIdOf(raw, idKey), formatIssues(parsed.error), method);
    log.warn({ entity: label, id: error.entityId, issues: error.issues }, 'crm row rejected');
    throw error;
  }

  async function* listAll<E extends EntityName>(entity: E, query: ListQuery = {}): AsyncGenerator<Page<EntityTypes[E]>> {
    const d = ENTITIES[entity];
    const schema = schemas[d.schema] as unknown as z.ZodType<EntityTypes[E]>;
    for await (const page of listRawPages(transport, d.spec, query)) yield parseRows(schema, d.label, page.rows);
  }

  async function collect<E extends EntityName>(entity: E, query: ListQuery = {}): Promise<ListResult<EntityTypes[E]>> {
    const out: ListResult<EntityTypes[E]> = { items: [], rejected: [] };
    const { limit, ...list } = query;
    for await (const page of listAll(entity, { ...list, ...(limit !== undefined ? { mode: 'pages' as const } : {}) })) {
      out.items.push(...page.items);
      out.rejected.push(...page.rejected);
      if (limit !== undefined && out.items.length >= limit) {
        out.items.length = Math.min(out.items.length, limit);
        break;
      }
    }
    return out;
  }

  async function scanChanges<E extends EntityName>(entity: E, cursor: ScanCursor, scan: ChangeScanOptions = {}): Promise<ChangeScan<EntityTypes[E]>> {
    const d = ENTITIES[entity];
    const schema = schemas[d.schema] as unknown as z.ZodType<EntityTypes[E]>;
    const field = scan.field ?? 'DATE_MODIFY';
    const startedRequests = transport.stats().requests;
    const previous = await cursor.load();
    const now = Date.now();
    const tracker = planChanges(previous, field, scan.overlapMs ?? 120_000,
      (ms) => formatPortalDateTime(new Date(ms), timezone),
      (value) => parsePortalDateTime(value, timezone)?.getTime(),
      now);
    if (!previous && scan.initial === 'now') {
      const state = field === 'ID' ? { field, watermark: 0, seen: [], updatedAt: new Date(now).toISOString() }
        : { field, watermark: now, seen: [], updatedAt: new Date(now).toISOString() };
      return { items: [], rejected: [], requests: 0, commit: () => cursor.save(state) };
    }
    const select = scan.select && scan.select.length > 0 && !scan.select.includes(field) ? [...scan.select, field] : scan.select;
    const rows: unknown[] = [];
    for await (const page of listRawPages(transport, d.spec, {
      filter: { ...(scan.filter ?? {}), ...tracker.filter },
      select,
      mode: 'auto',
      // A steady tick re-reads the overlap window (about the rows remembered in `seen`) plus what changed since:
      // size the first batch for that plus 150 new rows, so a usual tick is one request.
      firstRequestPages: scan.firstRequestPages
        ?? (previous ? Math.min(50, Math.ceil(previous.seen.length / 50) + 3) : 1),
      pagesPerRequest: scan.pagesPerRequest,
    })) {
      for (const row of page.rows) if (tracker.accept(row)) rows.push(row);
    }
    const parsed = parseRows(schema, d.label, rows);
    const state = tracker.nextState();
    return {
      ...parsed,
      requests: transport.stats().requests - startedRequests,
      commit: () => cursor.save(state),
    };
  }

  async function call<T>(method: string, params: Record<string, unknown> = {}, callOptions: CallOptions = {}): Promise<T> {
    return (await transport.call<T>(method, params, callOptions)).result;
  }

  /** `crm.deal.get` of one press is read once (see priority.ts); anywhere else, every call reads. */
  function getEntity<T>(method: string, id: number, schema: z.ZodType<T>, label: string): Promise<T> {
    return sharedRead(`${method}:${id}`, async () => {
      const raw = await call<unknown>(method, { id });
      if (raw === undefined || raw === null || raw === false) {
        throw new CrmError({ code: 'UNEXPECTED_ANSWER', status: 200, method, description: `${label} ${id}: empty answer` });
      }
      return parseOne(schema, label, raw, method);
    });
  }

  async function update(method: string, id: number, fields: Record<string, unknown>, opts: UpdateOptions = {}): Promise<void> {
    // A read after this write must see the portal again.
    forgetRead(`${method.replace(/\.update$/, '.get')}:${id}`);
    const ok = await call<unknown>(method, { id, fields, params: { REGISTER_SONET_EVENT: yn(opts.registerSonetEvent, 'N') } });
    if (ok !== true && ok !== 'true' && ok !== 1) {
      throw new CrmError({ code: 'UNEXPECTED_ANSWER', status: 200, method, description: `update of ${id} answered ${JSON.stringify(ok)}` });
    }
  }

  const statusesCache = createTtlCache(ttl, async () => {
    const rows = await call<unknown[]>('crm.status.list', { order: { SORT: 'ASC' } });
    const page = parseRows(schemas.stage, 'status', Array.isArray(rows) ? rows : [], 'STATUS_ID');
    return page.items;
  });

  const categoryCaches = new Map<number, ReturnType<typeof createTtlCache<Category[]>>>();
  function categoriesCache(entityTypeId: number) {
    let cache = categoryCaches.get(entityTypeId);
    if (!cache) {
      cache = createTtlCache(ttl, async () => {
        const result = await call<{ categories?: unknown[] }>('crm.category.list', { entityTypeId });
        const page = parseRows(schemas.category, 'category', result?.categories ?? [], 'id');
        return page.items.sort((a, b) => a.sort - b.sort || a.id - b.id);
      });
      categoryCaches.set(entityTypeId, cache);
    }
    return cache;
  }

  const activeUsersCache = createTtlCache(ttl, async () => (await collect('user', { filter: { ACTIVE: true } })).items);

  const departmentsCache = createTtlCache(ttl, async () => {
    // department.get pages by START offset (no ID cursor); departments are few.
    const out: Department[] = [];
    for (let start = 0; ; start += 50) {
      const { result, total } = await transport.call<unknown[]>('department.get', { sort: 'ID', order: 'ASC', START: start });
      const rows = Array.isArray(result) ? result : [];
      out.push(...parseRows(schemas.department, 'department', rows).items);
      if (rows.length < 50 || (total > 0 && start + rows.length >= total)) break;
    }
    return out;
  });

  return {
    timezone,
    listAll,
    scanChanges,

    listLeads: (query) => collect('lead', query),
    getLead: (id) => getEntity('crm.lead.get', id, schemas.lead, 'lead'),
    updateLead: (id, fields, opts) => update('crm.lead.update', id, fields, opts),

    listDeals: (query) => collect('deal', query),
    getDeal: (id) => getEntity('crm.deal.get', id, schemas.deal, 'deal'),
    async addDeal(fields, opts = {}) {
      const id = await call<unknown>('crm.deal.add', { fields, params: { REGISTER_SONET_EVENT: yn(opts.registerSonetEvent, 'Y') } });
      return positiveInt(id, 'crm.deal.add');
    },
    updateDeal: (id, fields, opts) => update('crm.deal.update', id, fields, opts),
    async getDealProductRows(dealId) {
      const rows = await call<unknown>('crm.deal.productrows.get', { id: dealId });
      if (!Array.isArray(rows)) throw new CrmError({ code: 'UNEXPECTED_ANSWER', status: 200, method: 'crm.deal.productrows.get', description: 'expected a list of product rows' });
      const page = parseRows(schemas.productRow, 'product row', rows);
      if (page.rejected.length > 0) {
        const first = page.rejected[0]!;
        throw new CrmRowError('product row', first.id, first.issues, 'crm.deal.productrows.get');
      }
      return page.items;
    },

    listContacts: (query) => collect('contact', query),
    listCompanies: (query) => collect('company', query),
    async findByPhone(phone, entityType) {
      const found = await call<Record<string, unknown> | unknown[]>('crm.duplicate.findbycomm', { type: 'PHONE', values: [phone], entity_type: entityType });
      // Nothing found comes back as an empty array, not an object.
      const ids = Array.isArray(found) ? [] : found[entityType];
      return Array.isArray(ids) ? ids.map(Number).filter((id) => Number.isSafeInteger(id) && id > 0) : [];
    },
    getContact: (id) => getEntity('crm.contact.get', id, schemas.contact, 'contact'),
    updateContact: (id, fields, opts) => update('crm.contact.update', id, fields, opts),

    async getStatuses(opts = {}) {
      const all = opts.refresh ? await statusesCache.refresh() : await statusesCache.get();
      return opts.entityId ? all.filter((s) => s.entityId === opts.entityId) : all;
    },
    async getDealStages(categoryId, opts = {}) {
      const all = opts.refresh ? await statusesCache.refresh() : await statusesCache.get();
      const entityId = categoryId === 0 ? 'DEAL_STAGE' : `DEAL_STAGE_${categoryId}`;
      return all.filter((s) => s.entityId === entityId).sort((a, b) => a.sort - b.sort);
    },
    async getCategories(opts = {}) {
      const cache = categoriesCache(opts.entityTypeId ?? 2);
      return opts.refresh ? cache.refresh() : cache.get();
    },
    async getUsers(opts = {}) {
      if (opts.includeInactive) {
        const filter: Record<string, unknown> = {};
        if (opts.ids) filter.ID = opts.ids;
        return (await collect('user', { filter })).items;
      }
      const active = opts.refresh ? await activeUsersCache.refresh() : await activeUsersCache.get();
      if (!opts.ids) return active;
      const wanted = new Set(opts.ids);
      return active.filter((u) => wanted.has(u.id));
    },
    async getUser(id) {
      const rows = await call<unknown[]>('user.get', { FILTER: { ID: id } });
      const row = Array.isArray(rows) ? rows[0] : undefined;
      if (row === undefined) throw new CrmError({ code: 'NOT_FOUND', status: 200, method: 'user.get', description: `user ${id} not found` });
      return parseOne(schemas.user, 'user', row, 'user.get');
    },
    async getDepartments(opts = {}) {
      return opts.refresh ? departmentsCache.refresh() : departmentsCache.get();
    },

    listStageHistory: (entity, query) => collect(entity === 'deal' ? 'dealStageHistory' : 'leadStageHistory', query),

    async getTimemanStatus(userId) {
      const r = await call<Record<string, unknown>>('timeman.status', { USER_ID: userId });
      if (!r || typeof r !== 'object' || typeof r.STATUS !== 'string') {
        throw new CrmError({ code: 'UNEXPECTED_ANSWER', status: 200, method: 'timeman.status', description: 'no STATUS in the answer' });
      }
      return {
        status: r.STATUS,
        active: typeof r.ACTIVE === 'boolean' ? r.ACTIVE : null,
        startedAt: parsePortalDateTime(r.TIME_START, timezone) ?? null,
        finishedAt: parsePortalDateTime(r.TIME_FINISH, timezone) ?? null,
      };
    },

    async getAbsences(userIds) {
      const out = new Map<number, Date | null>();
      if (userIds.length === 0) return out;
      const r = await call<Record<string, unknown> | unknown[]>('im.user.list.get', { ID: userIds });
      const entries = Array.isArray(r) ? r.map((v, i) => [String(i), v] as const) : Object.entries(r ?? {});
      for (const [, info] of entries) {
        if (!info || typeof info !== 'object') continue; // the portal answers null for an unknown id
        const { id, absent } = info as { id?: unknown; absent?: unknown };
        const userId = Number(id);
        if (!Number.isInteger(userId)) continue;
        const until = absent === false || absent === null || absent === undefined ? null : parsePortalDateTime(absent, timezone);
        if (until === undefined) {
          log.warn({ entity: 'im user', id: userId, issues: [`absent: unreadable ${JSON.stringify(absent)}`] }, 'crm row rejected');
          continue;
        }
        out.set(userId, until);
      }
      return out;
    },

    async addTimelineComment(input) {
      const id = await call<unknown>('crm.timeline.comment.add', {
        fields: { ENTITY_ID: input.entityId, ENTITY_TYPE: input.entityType, COMMENT: input.comment },
      });
      return positiveInt(id, 'crm.timeline.comment.add');
    },

    async addTask(input) {
      const fields: Record<string, unknown> = { ...(input.extra ?? {}), TITLE: input.title, RESPONSIBLE_ID: input.responsibleId };
      if (input.description !== undefined) fields.DESCRIPTION = input.description;
      if (input.deadline) fields.DEADLINE = formatPortalDateTime(input.deadline, timezone);
      if (input.createdBy !== undefined) fields.CREATED_BY = input.createdBy;
      if (input.crmBindings) fields.UF_CRM_TASK = input.crmBindings;
      const r = await call<{ task?: { id?: unknown } }>('tasks.task.add', { fields });
      return positiveInt(r?.task?.id, 'tasks.task.add');
    },

    async notify(input) {
      const params: Record<string, unknown> = { USER_ID: input.userId, MESSAGE: input.message };
      if (input.tag) params.TAG = input.tag;
      const id = await call<unknown>('im.notify.system.add', params);
      return positiveInt(id, 'im.notify.system.add');
    },

    call,
    batch: (commands, opts) => transport.batch(commands, opts),
    async batchStrict(commands, opts) {
      const entries = await transport.batch(commands, opts);
      const results: Record<string, unknown> = {};
      const failures: Record<string, CrmError> = {};
      for (const [key, entry] of Object.entries(entries)) {
        if (entry.ok) results[key] = entry.result;
        else failures[key] = entry.error;
      }
      if (Object.keys(failures).length > 0) throw new CrmBatchError(failures, results);
      return results;
    },
    calendarDate: (value) => parseCalendarDate(value, timezone) ?? null,
    stats: () => transport.stats(),
  };
}
