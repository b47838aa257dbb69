/**
 * The sandbox portal's in-memory CRM: users, departments, leads, deals, contacts, stages, stage history,
 * product rows, presence, timeline comments, tasks and notifications. The REST layer and tests share it; every
 * write goes through here so derived fields (STAGE_SEMANTIC_ID, MOVED_TIME, history rows…) and events stay
 * consistent whichever way a change arrives.
 */
import type { SandboxClock } from './clock.js';
import {
  COMPANY_SCHEMA, CONTACT_SCHEMA, type CrmValue, DEAL_SCHEMA, type FieldDef, isNumericType, LEAD_SCHEMA, type MultiFieldValue, type Row,
  type Schema,
} from './fields.js';
import type { PortalTime } from './portal-time.js';

export type StageSemantics = 'P' | 'S' | 'F';
export type TimemanStatus = 'OPENED' | 'CLOSED' | 'PAUSED' | 'EXPIRED';
export type CrmEventName =
  | 'ONCRMLEADADD' | 'ONCRMLEADUPDATE' | 'ONCRMDEALADD' | 'ONCRMDEALUPDATE' | 'ONCRMCONTACTADD' | 'ONCRMCONTACTUPDATE';

/** Field values to write, keyed by field code (case-insensitive); unknown codes are ignored. */
export type CrmFieldsInput = Record<string, unknown>;

export interface WriteOptions {
  /** The acting user (CREATED_BY_ID, MODIFY_BY_ID, MOVED_BY_ID). Default: the webhook user. */
  byUserId?: number;
  /** Control API only: allow read-only fields such as DATE_CREATE or MOVED_TIME (seeding history). */
  allowReadOnly?: boolean;
  /** Do not emit an outgoing event. */
  silent?: boolean;
}

export interface SandboxUser {
  ID: number;
  ACTIVE: boolean;
  NAME: string;
  LAST_NAME: string;
  SECOND_NAME: string;
  EMAIL: string;
  PERSONAL_MOBILE: string;
  WORK_PHONE: string;
  PERSONAL_PHONE: string;
  PERSONAL_GENDER: '' | 'M' | 'F';
  UF_DEPARTMENT: number[];
  UF_PHONE_INNER: string;
  WORK_POSITION: string;
  TIME_ZONE: string;
  USER_TYPE: 'employee' | 'extranet' | 'email' | 'bot';
  /** Portal administrator (`profile` ADMIN). */
  IS_ADMIN: boolean;
}

export interface SandboxDepartment {
  ID: number;
  NAME: string;
  SORT: number;
  PARENT: number | null;
  UF_HEAD: number | null;
}

export interface StageDef {
  /** STATUS, SOURCE, DEAL_STAGE, DEAL_STAGE_<categoryId>, … */
  entityId: string;
  statusId: string;
  name: string;
  sort: number;
  semantics: StageSemantics;
  categoryId: number | null;
  color: string;
}

export interface CategoryDef {
  id: number;
  name: string;
  sort: number;
  isDefault: boolean;
}

export interface Presence {
  timeman: TimemanStatus;
  /** Last day of an absence (YYYY-MM-DD), or null when not absent. */
  absentUntil: string | null;
}

export interface ProductRow {
  ID: number;
  OWNER_ID: number;
  PRODUCT_ID: number;
  PRODUCT_NAME: string;
  PRICE: number;
  QUANTITY: number;
  DISCOUNT_RATE: number;
  DISCOUNT_SUM: number;
  TAX_RATE: number | null;
  TAX_INCLUDED: 'Y' | 'N';
  MEASURE_CODE: number;
  MEASURE_NAME: string;
  SORT: number;
}

export interface TimelineComment {
  ID: number;
  ENTITY_TYPE: string;
  ENTITY_ID: number;
  COMMENT: string;
  AUTHOR_ID: number;
  CREATED: number;
}

export interface SandboxTask {
  id: number;
  title: string;
  description: string;
  responsibleId: number;
  createdBy: number;
  createdDate: number;
  changedDate: number;
  deadline: number | null;
  /** 2 pending, 3 in progress, 4 awaiting control, 5 completed, 6 deferred. */
  status: number;
  priority: number;
  ufCrmTask: string[];
}

export interface SandboxNotification {
  id: number;
  userId: number;
  message: string;
  tag: string;
  subTag: string;
  createdAt: number;
}

export type StoreListener = (event: CrmEventName, id: number) => void;

class EntityTable {
  readonly rows: Row[] = [];
  readonly byId = new Map<number, Row>();
  private lastId = 0;

  constructor(readonly schema: Schema) {}

  nextId(): number {
    this.lastId += 1;
    return this.lastId;
  }

  insert(row: Row): void {
    const id = row.ID as number;
    const last = this.rows[this.rows.length - 1];
    if (last && id <= (last.ID as number)) {
      throw new Error(`rows must be inserted in ID order (got ${id})`);
    }
    this.lastId = Math.max(this.lastId, id);
    this.rows.push(row);
    this.byId.set(id, row);
  }
}


export class BitrixStore {
  readonly time: PortalTime;
  readonly clock: SandboxClock;
  /** The webhook's user: default author of REST writes. */
  defaultUserId = 1;

  readonly leads = new EntityTable(LEAD_SCHEMA);
  readonly deals = new EntityTable(DEAL_SCHEMA);
  readonly contacts = new EntityTable(CONTACT_SCHEMA);
  readonly companies = new EntityTable(COMPANY_SCHEMA);
  readonly dealHistory: Row[] = [];
  readonly leadHistory: Row[] = [];
  readonly users = new Map<number, SandboxUser>();
  readonly departments = new Map<number, SandboxDepartment>();
  readonly stages: StageDef[] = [];
  readonly categories: CategoryDef[] = [];
  private readonly presence = new Map<number, Presence>();
  private readonly productRows = new Map<number, ProductRow[]>();
  private readonly timeline: TimelineComment[] = [];
  private readonly tasks: SandboxTask[] = [];
  private readonly notifications: SandboxNotification[] = [];
  private readonly listeners = new Set<StoreListener>();
  private ids = { history: 0, multifield: 0, productRow: 0, timeline: 0, task: 0, notification: 0 };

  constructor(options: { time: PortalTime; clock: SandboxClock }) {
    this.time = options.time;
    this.clock = options.clock;
  }

  onEvent(listener: StoreListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private emit(event: CrmEventName, id: number, options: WriteOptions): void {
    if (options.silent) return;
    for (const listener of this.listeners) listener(event, id);
  }

  // ---- stages and categories -------------------------------------------------------------------------------

  addCategory(category: CategoryDef): void {
    this.categories.push(category);
  }

  addStage(stage: StageDef): void {
    this.stages.push(stage);
  }

  /** Stages (or lead statuses, sources) of one directory, in SORT order. */
  stagesOf(entityId: string): StageDef[] {
    return this.stages.filter((s) => s.entityId === entityId).sort((a, b) => a.sort - b.sort);
  }

  dealStageEntity(categoryId: number): string {
    return categoryId === 0 ? 'DEAL_STAGE' : `DEAL_STAGE_${categoryId}`;
  }

  findDealStage(categoryId: number, stageId: string): StageDef | undefined {
    const entity = this.dealStageEntity(categoryId);
    return this.stages.find((s) => s.entityId === entity && s.statusId === stageId);
  }

  findLeadStatus(statusId: string): StageDef | undefined {
    return this.stages.find((s) => s.entityId === 'STATUS' && s.statusId === statusId);
  }

  // ---- users, departments, presence ------------------------------------------------------------------------

  addUser(user: Partial<SandboxUser> & { ID: number }): SandboxUser {
    const full: SandboxUser = {
      ACTIVE: true, NAME: '', LAST_NAME: '', SECOND_NAME: '', EMAIL: '', PERSONAL_MOBILE: '', WORK_PHONE: '',
      PERSONAL_PHONE: '', PERSONAL_GENDER: '', UF_DEPARTMENT: [], UF_PHONE_INNER: '', WORK_POSITION: '',
      TIME_ZONE: '', USER_TYPE: 'employee', IS_ADMIN: false, ...user,
    };
    this.users.set(full.ID, full);
    return full;
  }

  getUser(id: number): SandboxUser | undefined {
    return this.users.get(id);
  }

  updateUser(id: number, patch: Partial<Omit<SandboxUser, 'ID'>>): SandboxUser | undefined {
    const user = this.users.get(id);
    if (!user) return undefined;
    Object.assign(user, patch);
    return user;
  }

  listUsers(): SandboxUser[] {
    return [...this.users.values()].sort((a, b) => a.ID - b.ID);
  }

  addDepartment(department: Partial<SandboxDepartment> & { ID: number; NAME: string }): SandboxDepartment {
    const full: SandboxDepartment = { SORT: 500, PARENT: null, UF_HEAD: null, ...department };
    this.departments.set(full.ID, full);
    return full;
  }

  getDepartment(id: number): SandboxDepartment | undefined {
    return this.departments.get(id);
  }

  updateDepartment(id: number, patch: Partial<Omit<SandboxDepartment, 'ID'>>): SandboxDepartment | undefined {
    const department = this.departments.get(id);
    if (department) Object.assign(department, patch);
    return department;
  }

  listDepartments(): SandboxDepartment[] {
    return [...this.departments.values()].sort((a, b) => a.ID - b.ID);
  }

  setPresence(userId: number, presence: Partial<Presence>): Presence {
    const next: Presence = { ...this.getPresence(userId), ...presence };
    this.presence.set(userId, next);
    return next;
  }

  /** Everybody is at work (timeman OPENED, not absent) unless told otherwise. */
  getPresence(userId: number): Presence {
    return this.presence.get(userId) ?? { timeman: 'OPENED', absentUntil: null };
  }

  /** True while `absentUntil` is today or later (portal calendar). */
  isAbsent(userId: number): boolean {
    const until = this.getPresence(userId).absentUntil;
    return until !== null && until >= this.time.dateOf(this.clock.nowMs());
  }

  // ---- generic entity writes -------------------------------------------------------------------------------

  private normalize(def: FieldDef, raw: unknown, previous: CrmValue | undefined): CrmValue | undefined {
    if (def.type === 'crm_multifield') return this.normalizeMultiField(def, raw, previous);
    if (isNumericType(def.type)) {
      if (raw === '' || raw === null || raw === undefined) return null;
      const n = typeof raw === 'number' ? raw : Number(String(raw).replace(',', '.'));
      if (!Number.isFinite(n)) return undefined;
      return def.type === 'double' ? n : Math.trunc(n);
    }
    switch (def.type) {
      case 'datetime':
        if (raw === '' || raw === null) return null;
        return this.time.parseDateTime(raw) ?? undefined;
      case 'date':
        if (raw === '' || raw === null) return '';
        return this.time.parseDate(raw) ?? undefined;
      case 'char':
        if (raw === true || raw === 'Y' || raw === 'y' || raw === 1 || raw === '1') return 'Y';
        return 'N';
      case 'boolean':
        return raw === true || raw === 'Y' || raw === 'true' || raw === 1 || raw === '1';
      case 'money': {
        if (raw === '' || raw === null || raw === undefined) return '';
        if (typeof raw === 'number') return `${raw}|RUB`;
        const text = String(raw).trim();
        if (text.includes('|')) return text;
        return Number.isFinite(Number(text)) ? `${text}|RUB` : undefined;
      }
      default:
        if (raw === null || raw === undefined) return '';
        if (typeof raw === 'object') return undefined;
        return String(raw);
    }
  }

  private normalizeMultiField(def: FieldDef, raw: unknown, previous: CrmValue | undefined): CrmValue | undefined {
    const typeId: 'PHONE' | 'EMAIL' = def.title === 'Phone' ? 'PHONE' : 'EMAIL';
    const items = Array.isArray(raw) ? raw : raw && typeof raw === 'object' ? Object.values(raw) : [];
    const current = [...((previous as readonly MultiFieldValue[] | undefined) ?? [])];
    for (const item of items) {
      if (!item || typeof item !== 'object') continue;
      const { ID, VALUE, VALUE_TYPE, DELETE } = item as Record<string, unknown>;
      const existing = ID !== undefined ? current.findIndex((v) => v.ID === String(ID)) : -1;
      if (existing >= 0) {
        if (DELETE === 'Y' || VALUE === '') current.splice(existing, 1);
        else current[existing] = { ...current[existing]!, VALUE: String(VALUE ?? current[existing]!.VALUE),
          VALUE_TYPE: String(VALUE_TYPE ?? current[existing]!.VALUE_TYPE) };
      } else if (VALUE !== undefined && VALUE !== '') {
        this.ids.multifield += 1;
        current.push({ ID: String(this.ids.multifield), VALUE_TYPE: String(VALUE_TYPE ?? 'WORK'), VALUE: String(VALUE), TYPE_ID: typeId });
      }
    }
    return current;
  }

  /** Applies known, writable fields; returns the codes that changed. */
  private applyFields(table: EntityTable, row: Row, fields: CrmFieldsInput, options: WriteOptions, isNew: boolean): Set<string> {
    const changed = new Set<string>();
    for (const [key, raw] of Object.entries(fields ?? {})) {
      const name = key.toUpperCase();
      const def = table.schema[name];
      if (!def || name === 'ID') continue;
      if (def.isReadOnly && !options.allowReadOnly) continue;
      if (def.isImmutable && !isNew) continue;
      const value = this.normalize(def, raw, row[name]);
      if (value === undefined) continue;
      if (JSON.stringify(row[name]) !== JSON.stringify(value)) changed.add(name);
      row[name] = value;
    }
    for (const [flag, field] of [['HAS_PHONE', 'PHONE'], ['HAS_EMAIL', 'EMAIL']] as const) {
      if (table.schema[flag]) row[flag] = ((row[field] as readonly MultiFieldValue[] | undefined)?.length ?? 0) > 0 ? 'Y' : 'N';
    }
    return changed;
  }

  private author(options: WriteOptions): number {
    return options.byUserId ?? this.defaultUserId;
  }

  private stamp(row: Row, key: string, value: number, options: WriteOptions, explicit: CrmFieldsInput): void {
    // A control-API caller may have set the stamp explicitly (seeding the past); keep it then.
    if (options.allowReadOnly && Object.keys(explicit).some((k) => k.toUpperCase() === key)) return;
    row[key] = value;
  }

  private pushHistory(list: Row[], row: Row): void {
    this.ids.history += 1;
    list.push({ ID: this.ids.history, ...row });
  }

  // ---- leads -----------------------------------------------------------------------------------------------

  addLead(fields: CrmFieldsInput, options: WriteOptions = {}): number {
    const id = this.leads.nextId();
    const by = this.author(options);
    const now = this.clock.nowMs();
    const row: Row = {
      ID: id, TITLE: '', NAME: '', SECOND_NAME: '', LAST_NAME: '', COMPANY_TITLE: '', SOURCE_ID: '', SOURCE_DESCRIPTION: '',
      STATUS_ID: 'NEW', STATUS_DESCRIPTION: '', OPPORTUNITY: 0, CURRENCY_ID: 'RUB', OPENED: 'Y', COMMENTS: '',
      ADDRESS_CITY: '', ASSIGNED_BY_ID: by, CREATED_BY_ID: by, MODIFY_BY_ID: by, MOVED_BY_ID: by,
      DATE_CREATE: now, DATE_MODIFY: now, MOVED_TIME: now, DATE_CLOSED: null, CONTACT_ID: null, PHONE: [], EMAIL: [],
      UF_CRM_DIRECTION: '', UF_CRM_REQUEST_TYPE: '', UF_CRM_REGION: '', UF_CRM_REJECT_STATUS: '', UF_CRM_REJECT_REASON: '',
    };
    this.applyFields(this.leads, row, fields, options, true);
    if (!this.findLeadStatus(String(row.STATUS_ID))) row.STATUS_ID = this.stagesOf('STATUS')[0]?.statusId ?? 'NEW';
    const status = this.findLeadStatus(String(row.STATUS_ID));
    row.STATUS_SEMANTIC_ID = status?.semantics ?? 'P';
    if (row.STATUS_SEMANTIC_ID !== 'P' && row.DATE_CLOSED === null) row.DATE_CLOSED = row.MOVED_TIME as number;
    this.leads.insert(row);
    this.pushHistory(this.leadHistory, {
      TYPE_ID: 1, OWNER_ID: id, CREATED_TIME: row.DATE_CREATE as number,
      STATUS_SEMANTIC_ID: row.STATUS_SEMANTIC_ID as string, STATUS_ID: row.STATUS_ID as string,
    });
    this.emit('ONCRMLEADADD', id, options);
    return id;
  }

  getLead(id: number): Readonly<Row> | undefined {
    return this.leads.byId.get(id);
  }

  listLeads(): readonly Readonly<Row>[] {
    return this.leads.rows;
  }

  /** Returns false when the lead does not exist. Unknown fields are ignored. */
  updateLead(id: number, fields: CrmFieldsInput, options: WriteOptions = {}): boolean {
    const row = this.leads.byId.get(id);
    if (!row) return false;
    const previousStatus = row.STATUS_ID;
    const changed = this.applyFields(this.leads, row, fields, options, false);
    const now = this.clock.nowMs();
    const by = this.author(options);
    if (changed.has('STATUS_ID')) {
      const status = this.findLeadStatus(String(row.STATUS_ID));
      if (!status) {
        row.STATUS_ID = previousStatus as string;
      } else {
        row.STATUS_SEMANTIC_ID = status.semantics;
        this.stamp(row, 'MOVED_TIME', now, options, fields);
        row.MOVED_BY_ID = by;
        row.DATE_CLOSED = status.semantics === 'P' ? null : now;
        this.pushHistory(this.leadHistory, {
          TYPE_ID: status.semantics === 'P' ? 2 : 3, OWNER_ID: id, CREATED_TIME: row.MOVED_TIME as number,
          STATUS_SEMANTIC_ID: status.semantics, STATUS_ID: status.statusId,
        });
      }
    }
    this.stamp(row, 'DATE_MODIFY', now, options, fields);
    row.MODIFY_BY_ID = by;
    this.emit('ONCRMLEADUPDATE', id, options);
    return true;
  }

  // ---- deals -----------------------------------------------------------------------------------------------

  addDeal(fields: CrmFieldsInput, options: WriteOptions = {}): number {
    const id = this.deals.nextId();
    const by = this.author(options);
    const now = this.clock.nowMs();
    const today = this.time.dateOf(now);
    const row: Row = {
      ID: id, TITLE: '', TYPE_ID: 'SALE', CATEGORY_ID: 0, STAGE_ID: '', STAGE_SEMANTIC_ID: 'P', IS_NEW: 'Y',
      PROBABILITY: null, CURRENCY_ID: 'RUB', OPPORTUNITY: 0, IS_MANUAL_OPPORTUNITY: 'N', COMPANY_ID: 0, CONTACT_ID: null,
      BEGINDATE: today, CLOSEDATE: this.time.dateOf(now + 7 * 86_400_000), OPENED: 'Y', CLOSED: 'N', COMMENTS: '',
      SOURCE_ID: '', LEAD_ID: null, ASSIGNED_BY_ID: by, CREATED_BY_ID: by, MODIFY_BY_ID: by, MOVED_BY_ID: by,
      DATE_CREATE: now, DATE_MODIFY: now, MOVED_TIME: now,
      UF_CRM_PAID_AMOUNT: '', UF_CRM_NONSTD_CONDITIONS: '', UF_CRM_REJECT_STATUS: '', UF_CRM_REJECT_REASON: '',
      UF_CRM_SERVICE_TYPE: '', UF_CRM_DELIVERY_DATE: '',
    };
    this.applyFields(this.deals, row, fields, options, true);
    const categoryId = row.CATEGORY_ID as number | null;
    if (categoryId === null || !this.categories.some((c) => c.id === categoryId)) row.CATEGORY_ID = 0;
    const category = row.CATEGORY_ID as number;
    let stage = this.findDealStage(category, String(row.STAGE_ID));
    if (!stage) {
      stage = this.stagesOf(this.dealStageEntity(category))[0];
      row.STAGE_ID = stage?.statusId ?? 'NEW';
    }
    row.STAGE_SEMANTIC_ID = stage?.semantics ?? 'P';
    row.CLOSED = row.STAGE_SEMANTIC_ID === 'P' ? 'N' : 'Y';
    this.deals.insert(row);
    this.pushHistory(this.dealHistory, {
      TYPE_ID: 1, OWNER_ID: id, CREATED_TIME: row.DATE_CREATE as number, CATEGORY_ID: category,
      STAGE_SEMANTIC_ID: row.STAGE_SEMANTIC_ID as string, STAGE_ID: row.STAGE_ID as string,
    });
    this.emit('ONCRMDEALADD', id, options);
    return id;
  }

  getDeal(id: number): Readonly<Row> | undefined {
    return this.deals.byId.get(id);
  }

  listDeals(): readonly Readonly<Row>[] {
    return this.deals.rows;
  }

  /**
   * crm.deal.update semantics: unknown and read-only fields are ignored, CATEGORY_ID cannot change, a STAGE_ID of
   * another pipeline is ignored. A stage change writes a history row and sets MOVED_TIME, MOVED_BY_ID,
   * STAGE_SEMANTIC_ID and CLOSED; DATE_MODIFY is set on every update. Returns false when the deal does not exist.
   */
  updateDeal(id: number, fields: CrmFieldsInput, options: WriteOptions = {}): boolean {
    const row = this.deals.byId.get(id);
    if (!row) return false;
    const previousStage = row.STAGE_ID;
    const changed = this.applyFields(this.deals, row, fields, options, false);
    const now = this.clock.nowMs();
    const by = this.author(options);
    if (changed.has('STAGE_ID')) {
      const stage = this.findDealStage(row.CATEGORY_ID as number, String(row.STAGE_ID));
      if (!stage) {
        row.STAGE_ID = previousStage as string;
      } else {
        row.STAGE_SEMANTIC_ID = stage.semantics;
        row.CLOSED = stage.semantics === 'P' ? 'N' : 'Y';
        this.stamp(row, 'MOVED_TIME', now, options, fields);
        row.MOVED_BY_ID = by;
        this.pushHistory(this.dealHistory, {
          TYPE_ID: stage.semantics === 'P' ? 2 : 3, OWNER_ID: id, CREATED_TIME: row.MOVED_TIME as number,
          CATEGORY_ID: row.CATEGORY_ID as number, STAGE_SEMANTIC_ID: stage.semantics, STAGE_ID: stage.statusId,
        });
      }
    }
    row.IS_NEW = 'N';
    this.stamp(row, 'DATE_MODIFY', now, options, fields);
    row.MODIFY_BY_ID = by;
    this.emit('ONCRMDEALUPDATE', id, options);
    return true;
  }

  /** Moves a deal to a stage of its pipeline (writes history). Throws on an unknown deal or stage. */
  moveDealStage(id: number, stageId: string, options: WriteOptions = {}): void {
    const row = this.deals.byId.get(id);
    if (!row) throw new Error(`deal ${id} not found`);
    if (!this.findDealStage(row.CATEGORY_ID as number, stageId)) {
      throw new Error(`stage ${stageId} is not in pipeline ${String(row.CATEGORY_ID)}`);
    }
    this.updateDeal(id, { STAGE_ID: stageId }, options);
  }

  setProductRows(dealId: number, rows: ReadonlyArray<Partial<Omit<ProductRow, 'ID' | 'OWNER_ID'>>>): void {
    this.productRows.set(dealId, rows.map((r, i) => {
      this.ids.productRow += 1;
      return {
        ID: this.ids.productRow, OWNER_ID: dealId, PRODUCT_ID: r.PRODUCT_ID ?? 0, PRODUCT_NAME: r.PRODUCT_NAME ?? '',
        PRICE: r.PRICE ?? 0, QUANTITY: r.QUANTITY ?? 1, DISCOUNT_RATE: r.DISCOUNT_RATE ?? 0, DISCOUNT_SUM: r.DISCOUNT_SUM ?? 0,
        TAX_RATE: r.TAX_RATE ?? null, TAX_INCLUDED: r.TAX_INCLUDED ?? 'Y', MEASURE_CODE: r.MEASURE_CODE ?? 796,
        MEASURE_NAME: r.MEASURE_NAME ?? 'шт', SORT: r.SORT ?? (i + 1) * 10,
      };
    }));
  }

  getProductRows(dealId: number): readonly ProductRow[] {
    return this.productRows.get(dealId) ?? [];
  }

  /** Stage history rows of deals (optionally of one deal), oldest first. */
  dealStageHistory(dealId?: number): readonly Readonly<Row>[] {
    return dealId === undefined ? this.dealHistory : this.dealHistory.filter((h) => h.OWNER_ID === dealId);
  }

  leadStatusHistory(leadId?: number): readonly Readonly<Row>[] {
    return leadId === undefined ? this.leadHistory : this.leadHistory.filter((h) => h.OWNER_ID === leadId);
  }

  // ---- contacts --------------------------------------------------------------------------------------------

  addContact(fields: CrmFieldsInput, options: WriteOptions = {}): number {
    const id = this.contacts.nextId();
    const by = this.author(options);
    const now = this.clock.nowMs();
    const row: Row = {
      ID: id, NAME: '', SECOND_NAME: '', LAST_NAME: '', TYPE_ID: 'CLIENT', SOURCE_ID: '', BIRTHDATE: '', COMMENTS: '',
      OPENED: 'Y', ADDRESS_CITY: '', ASSIGNED_BY_ID: by, CREATED_BY_ID: by, MODIFY_BY_ID: by, DATE_CREATE: now,
      DATE_MODIFY: now, PHONE: [], EMAIL: [], UF_CRM_CHILD_BIRTHDAY: '', UF_CRM_CHILD_BIRTHDAY_TEXT: '',
    };
    this.applyFields(this.contacts, row, fields, options, true);
    this.contacts.insert(row);
    this.emit('ONCRMCONTACTADD', id, options);
    return id;
  }

  getContact(id: number): Readonly<Row> | undefined {
    return this.contacts.byId.get(id);
  }

  listContacts(): readonly Readonly<Row>[] {
    return this.contacts.rows;
  }

  updateContact(id: number, fields: CrmFieldsInput, options: WriteOptions = {}): boolean {
    const row = this.contacts.byId.get(id);
    if (!row) return false;
    this.applyFields(this.contacts, row, fields, options, false);
    this.stamp(row, 'DATE_MODIFY', this.clock.nowMs(), options, fields);
    row.MODIFY_BY_ID = this.author(options);
    this.emit('ONCRMCONTACTUPDATE', id, options);
    return true;
  }

  // ---- companies -------------------------------------------------------------------------------------------

  addCompany(fields: CrmFieldsInput, options: WriteOptions = {}): number {
    const id = this.companies.nextId();
    const by = this.author(options);
    const now = this.clock.nowMs();
    const row: Row = {
      ID: id, TITLE: '', COMPANY_TYPE: 'CUSTOMER', INDUSTRY: '', COMMENTS: '', OPENED: 'Y', ASSIGNED_BY_ID: by,
      CREATED_BY_ID: by, MODIFY_BY_ID: by, DATE_CREATE: now, DATE_MODIFY: now, PHONE: [], EMAIL: [],
    };
    this.applyFields(this.companies, row, fields, options, true);
    this.companies.insert(row);
    return id;
  }

  getCompany(id: number): Readonly<Row> | undefined {
    return this.companies.byId.get(id);
  }

  listCompanies(): readonly Readonly<Row>[] {
    return this.companies.rows;
  }

  updateCompany(id: number, fields: CrmFieldsInput, options: WriteOptions = {}): boolean {
    const row = this.companies.byId.get(id);
    if (!row) return false;
    this.applyFields(this.companies, row, fields, options, false);
    this.stamp(row, 'DATE_MODIFY', this.clock.nowMs(), options, fields);
    row.MODIFY_BY_ID = this.author(options);
    return true;
  }

  // ---- timeline, tasks, notifications ----------------------------------------------------------------------

  addTimelineComment(comment: { ENTITY_TYPE: string; ENTITY_ID: number; COMMENT: string; AUTHOR_ID?: number }): number {
    this.ids.timeline += 1;
    this.timeline.push({
      ID: this.ids.timeline, ENTITY_TYPE: comment.ENTITY_TYPE.toLowerCase(), ENTITY_ID: comment.ENTITY_ID,
      COMMENT: comment.COMMENT, AUTHOR_ID: comment.AUTHOR_ID ?? this.defaultUserId, CREATED: this.clock.nowMs(),
    });
    return this.ids.timeline;
  }

  listTimelineComments(filter: { entityType?: string; entityId?: number } = {}): readonly TimelineComment[] {
    return this.timeline.filter((c) => (filter.entityType === undefined || c.ENTITY_TYPE === filter.entityType.toLowerCase())
      && (filter.entityId === undefined || c.ENTITY_ID === filter.entityId));
  }

  addTask(task: { title: string; responsibleId: number; description?: string; createdBy?: number; deadline?: number | null;
    ufCrmTask?: string[]; priority?: number }): SandboxTask {
    this.ids.task += 1;
    const now = this.clock.nowMs();
    const full: SandboxTask = {
      id: this.ids.task, title: task.title, description: task.description ?? '', responsibleId: task.responsibleId,
      createdBy: task.createdBy ?? this.defaultUserId, createdDate: now, changedDate: now, deadline: task.deadline ?? null,
      status: 2, priority: task.priority ?? 1, ufCrmTask: task.ufCrmTask ?? [],
    };
    this.tasks.push(full);
    return full;
  }

  getTask(id: number): SandboxTask | undefined {
    return this.tasks.find((t) => t.id === id);
  }

  listTasks(): readonly SandboxTask[] {
    return this.tasks;
  }

  /** im.notify.system.add: a new notification with the same TAG replaces the user's earlier one. */
  addNotification(userId: number, message: string, tag = '', subTag = ''): number {
    if (tag !== '') {
      const earlier = this.notifications.findIndex((n) => n.userId === userId && n.tag === tag);
      if (earlier >= 0) this.notifications.splice(earlier, 1);
    }
    this.ids.notification += 1;
    this.notifications.push({ id: this.ids.notification, userId, message, tag, subTag, createdAt: this.clock.nowMs() });
    return this.ids.notification;
  }

  listNotifications(userId?: number): readonly SandboxNotification[] {
    return userId === undefined ? this.notifications : this.notifications.filter((n) => n.userId === userId);
  }

  // ---- bulk loading (generator) ----------------------------------------------------------------------------

  /** Appends a fully formed deal row and its history without events (benchmark portals). */
  insertDealRow(row: Row, history: ReadonlyArray<Omit<Row, 'ID'>>): void {
    this.deals.insert(row);
    for (const h of history) this.pushHistory(this.dealHistory, h as Row);
  }

  insertLeadRow(row: Row, history: ReadonlyArray<Omit<Row, 'ID'>>): void {
    this.leads.insert(row);
    for (const h of history) this.pushHistory(this.leadHistory, h as Row);
  }

  nextDealId(): number {
    return this.deals.nextId();
  }

  nextLeadId(): number {
    return this.leads.nextId();
  }
}

