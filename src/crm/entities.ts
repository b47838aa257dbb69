import { z } from 'zod';
import { type CalendarDate, parseCalendarDate, parsePortalDateTime } from './dates.js';

/**
 * Project-owned CRM entities, parsed with zod from the raw REST rows (legacy methods send every value as a
 * string: `"ID":"410"`, `"OPPORTUNITY":"1000.00"`, `"CLOSED":"N"`). Ids and amounts become numbers, date-times
 * `Date`s, date fields calendar days. A field that was not selected stays `undefined`; an empty one is `null`.
 * User fields (`UF_*`) are kept raw in `fields`.
 */

export type StageSemantic = 'process' | 'success' | 'failure';

export interface MultiFieldValue { value: string; type: string | null }

export interface Deal {
  id: number;
  title?: string;
  stageId?: string;
  categoryId?: number;
  /** P / S / F of STAGE_SEMANTIC_ID, spelled out. */
  stageSemantic?: StageSemantic | null;
  opportunity?: number | null;
  currencyId?: string | null;
  assignedById?: number | null;
  contactId?: number | null;
  companyId?: number | null;
  typeId?: string | null;
  sourceId?: string | null;
  createdAt?: Date | null;
  modifiedAt?: Date | null;
  movedAt?: Date | null;
  beginDate?: CalendarDate | null;
  closeDate?: CalendarDate | null;
  closed?: boolean | null;
  comments?: string | null;
  fields: Record<string, unknown>;
}

export interface Lead {
  id: number;
  title?: string;
  statusId?: string;
  statusSemantic?: StageSemantic | null;
  sourceId?: string | null;
  assignedById?: number | null;
  name?: string | null;
  lastName?: string | null;
  phones?: MultiFieldValue[];
  emails?: MultiFieldValue[];
  opportunity?: number | null;
  currencyId?: string | null;
  createdAt?: Date | null;
  modifiedAt?: Date | null;
  movedAt?: Date | null;
  birthDate?: CalendarDate | null;
  comments?: string | null;
  fields: Record<string, unknown>;
}

export interface Company {
  id: number;
  title?: string | null;
  assignedById?: number | null;
  phones?: MultiFieldValue[];
  modifiedAt?: Date | null;
  fields: Record<string, unknown>;
}

export interface Contact {
  id: number;
  name?: string | null;
  lastName?: string | null;
  secondName?: string | null;
  birthDate?: CalendarDate | null;
  assignedById?: number | null;
  companyId?: number | null;
  typeId?: string | null;
  sourceId?: string | null;
  phones?: MultiFieldValue[];
  emails?: MultiFieldValue[];
  createdAt?: Date | null;
  modifiedAt?: Date | null;
  fields: Record<string, unknown>;
}

export interface User {
  id: number;
  active?: boolean;
  name?: string | null;
  lastName?: string | null;
  email?: string | null;
  workPosition?: string | null;
  departmentIds?: number[];
  userType?: string | null;
  birthday?: CalendarDate | null;
  phoneInner?: string | null;
  /** The profile's TIME_ZONE (an IANA name when the portal has one set; empty otherwise). */
  timeZone?: string | null;
  /** Non-empty PERSONAL_MOBILE, WORK_PHONE, PERSONAL_PHONE, as written (undefined when none was selected). */
  phones?: string[];
  fields: Record<string, unknown>;
}

export interface Department {
  id: number;
  name: string;
  parentId: number | null;
  headId: number | null;
  sort: number | null;
}

/** A `crm.status.list` row: a stage of a deal pipeline, a lead status, a source… */
export interface Stage {
  /** STATUS_ID, e.g. `NEW`, `C1:PREPARATION`. */
  statusId: string;
  /** Directory: `DEAL_STAGE`, `DEAL_STAGE_1`, `STATUS`, `SOURCE`… */
  entityId: string;
  name: string;
  sort: number;
  semantics: StageSemantic;
  /** Pipeline of a deal stage (0 for DEAL_STAGE), null for other directories. */
  categoryId: number | null;
  color: string | null;
}

export interface Category {
  id: number;
  name: string;
  sort: number;
  entityTypeId: number;
  isDefault: boolean;
}

export interface StageHistoryEntry {
  id: number;
  /** 1 created, 2 moved to an intermediate stage, 3 moved to a final stage, 5 pipeline changed. */
  typeId: number;
  ownerId: number;
  createdAt: Date;
  categoryId: number | null;
  /** STAGE_ID for deals, STATUS_ID for leads. */
  stageId: string;
  stageSemantic: StageSemantic | null;
}

export interface ProductRow {
  id: number;
  ownerId: number;
  productId: number;
  productName: string;
  price: number;
  quantity: number;
  discountSum: number;
  taxRate: number | null;
  measureName: string | null;
  sort: number;
}

export type EntityName = 'lead' | 'deal' | 'contact' | 'company' | 'user' | 'dealStageHistory' | 'leadStageHistory';

export interface EntityTypes {
  lead: Lead;
  deal: Deal;
  contact: Contact;
  company: Company;
  user: User;
  dealStageHistory: StageHistoryEntry;
  leadStageHistory: StageHistoryEntry;
}

// ---------- field schemas ----------

const fail = (ctx: z.RefinementCtx, message: string): never => {
  ctx.addIssue({ code: 'custom', message });
  return z.NEVER;
};

const show = (v: unknown): string => JSON.stringify(v) ?? String(v);

/** A positive integer id, as a number or a digit string. */
const id = z.unknown().transform((v, ctx): number => {
  const n = typeof v === 'number' ? v : typeof v === 'string' && /^\d+$/.test(v.trim()) ? Number(v) : NaN;
  return Number.isInteger(n) && n > 0 ? n : fail(ctx, `expected a positive integer id, got ${show(v)}`);
});

/** An id that may be empty (`''`, `null`, `0`, `'0'` → null). */
const optionalId = z.unknown().transform((v, ctx): number | null => {
  if (v === null || v === '' || v === 0 || v === '0' || v === false) return null;
  const n = typeof v === 'number' ? v : typeof v === 'string' && /^\d+$/.test(v.trim()) ? Number(v) : NaN;
  return Number.isInteger(n) && n > 0 ? n : fail(ctx, `expected an id or empty, got ${show(v)}`);
});

/** A non-negative integer (CATEGORY_ID "0", SORT "500"). */
const count = z.unknown().transform((v, ctx): number => {
  const n = typeof v === 'number' ? v : typeof v === 'string' && /^-?\d+$/.test(v.trim()) ? Number(v) : NaN;
  return Number.isInteger(n) && n >= 0 ? n : fail(ctx, `expected a non-negative integer, got ${show(v)}`);
});

/** A decimal amount ("19999.99"); empty → null. */
const amount = z.unknown().transform((v, ctx): number | null => {
  if (v === null || v === '') return null;
  const n = typeof v === 'number' ? v : typeof v === 'string' && /^-?\d+(\.\d+)?$/.test(v.trim()) ? Number(v) : NaN;
  return Number.isFinite(n) ? n : fail(ctx, `expected a number, got ${show(v)}`);
});

const requiredAmount = amount.transform((v, ctx): number => (v === null ? fail(ctx, 'expected a number, got empty') : v));

const text = z.unknown().transform((v, ctx): string | null => {
  if (v === null || v === undefined) return null;
  if (typeof v === 'string') return v;
  if (typeof v === 'number') return String(v);
  return fail(ctx, `expected text, got ${show(v)}`);
});

const requiredText = text.transform((v, ctx): string => (v === null ? fail(ctx, 'expected text, got null') : v));
const optionalText = text.transform((v): string | null => (v === '' ? null : v));

const flag = z.unknown().transform((v, ctx): boolean | null => {
  if (v === 'Y' || v === true || v === '1' || v === 1) return true;
  if (v === 'N' || v === false || v === '0' || v === 0) return false;
  if (v === null || v === '') return null;
  return fail(ctx, `expected Y/N, got ${show(v)}`);
});

const semanticFromLetter = z.unknown().transform((v, ctx): StageSemantic | null => {
  if (v === 'P') return 'process';
  if (v === 'S') return 'success';
  if (v === 'F') return 'failure';
  if (v === null || v === '') return null;
  return fail(ctx, `expected P/S/F, got ${show(v)}`);
});

const multiField = z.unknown().transform((v, ctx): MultiFieldValue[] => {
  if (v === null || v === '' || v === undefined) return [];
  if (!Array.isArray(v)) return fail(ctx, `expected a list of {VALUE, VALUE_TYPE}, got ${show(v)}`);
  return v.map((item) => {
    const value = (item as { VALUE?: unknown })?.VALUE;
    const type = (item as { VALUE_TYPE?: unknown })?.VALUE_TYPE;
    return { value: typeof value === 'string' ? value : String(value ?? ''), type: typeof type === 'string' ? type : null };
  });
});

const idList = z.unknown().transform((v, ctx): number[] => {
  if (v === null || v === '' || v === false) return [];
  const list = Array.isArray(v) ? v : [v];
  const out: number[] = [];
  for (const item of list) {
    const n = typeof item === 'number' ? item : typeof item === 'string' && /^\d+$/.test(item) ? Number(item) : NaN;
    if (!Number.isInteger(n) || n <= 0) return fail(ctx, `expected a list of ids, got ${show(v)}`);
    out.push(n);
  }
  return out;
});

function dateTime(timeZone: string) {
  return z.unknown().transform((v, ctx): Date | null => {
    const d = parsePortalDateTime(v, timeZone);
    return d === undefined ? fail(ctx, `expected a date-time, got ${show(v)}`) : d;
  });
}

function requiredDateTime(timeZone: string) {
  return dateTime(timeZone).transform((v, ctx): Date => (v === null ? fail(ctx, 'expected a date-time, got empty') : v));
}

function calendarDate(timeZone: string) {
  return z.unknown().transform((v, ctx): CalendarDate | null => {
    const d = parseCalendarDate(v, timeZone);
    return d === undefined ? fail(ctx, `expected a date, got ${show(v)}`) : d;
  });
}

/** `UF_*` keys of a raw row, values untouched. */
function userFields(row: Record<string, unknown>, skip: readonly string[] = []): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(row)) if (k.startsWith('UF_') && !skip.includes(k)) out[k] = v;
  return out;
}

/** Drops keys whose value is undefined (field not selected), so `'x' in entity` means "was selected". */
function compact<T extends object>(obj: T): T {
  for (const k of Object.keys(obj) as Array<keyof T>) if (obj[k] === undefined) delete obj[k];
  return obj;
}

// ---------- entity schemas ----------

export interface EntitySchemas {
  deal: z.ZodType<Deal>;
  lead: z.ZodType<Lead>;
  contact: z.ZodType<Contact>;
  company: z.ZodType<Company>;
  user: z.ZodType<User>;
  department: z.ZodType<Department>;
  stage: z.ZodType<Stage>;
  category: z.ZodType<Category>;
  dealStageHistory: z.ZodType<StageHistoryEntry>;
  leadStageHistory: z.ZodType<StageHistoryEntry>;
  productRow: z.ZodType<ProductRow>;
}

/** Schemas bound to the portal's time zone (offset-less date-times are read in it). */
export function createEntitySchemas(timeZone: string): EntitySchemas {
  const dt = dateTime(timeZone);
  const day = calendarDate(timeZone);

  const deal = z.looseObject({
    ID: id,
    TITLE: requiredText.optional(),
    STAGE_ID: requiredText.optional(),
    CATEGORY_ID: count.optional(),
    STAGE_SEMANTIC_ID: semanticFromLetter.optional(),
    OPPORTUNITY: amount.optional(),
    CURRENCY_ID: optionalText.optional(),
    ASSIGNED_BY_ID: optionalId.optional(),
    CONTACT_ID: optionalId.optional(),
    COMPANY_ID: optionalId.optional(),
    TYPE_ID: optionalText.optional(),
    SOURCE_ID: optionalText.optional(),
    DATE_CREATE: dt.optional(),
    DATE_MODIFY: dt.optional(),
    MOVED_TIME: dt.optional(),
    BEGINDATE: day.optional(),
    CLOSEDATE: day.optional(),
    CLOSED: flag.optional(),
    COMMENTS: optionalText.optional(),
  }).transform((r): Deal => compact({
    id: r.ID, title: r.TITLE, stageId: r.STAGE_ID, categoryId: r.CATEGORY_ID, stageSemantic: r.STAGE_SEMANTIC_ID,
    opportunity: r.OPPORTUNITY, currencyId: r.CURRENCY_ID, assignedById: r.ASSIGNED_BY_ID, contactId: r.CONTACT_ID,
    companyId: r.COMPANY_ID, typeId: r.TYPE_ID, sourceId: r.SOURCE_ID, createdAt: r.DATE_CREATE, modifiedAt: r.DATE_MODIFY,
    movedAt: r.MOVED_TIME, beginDate: r.BEGINDATE, closeDate: r.CLOSEDATE, closed: r.CLOSED, comments: r.COMMENTS,
    fields: userFields(r),
  }));

  const lead = z.looseObject({
    ID: id,
    TITLE: requiredText.optional(),
    STATUS_ID: requiredText.optional(),
    STATUS_SEMANTIC_ID: semanticFromLetter.optional(),
    SOURCE_ID: optionalText.optional(),
    ASSIGNED_BY_ID: optionalId.optional(),
    NAME: optionalText.optional(),
    LAST_NAME: optionalText.optional(),
    PHONE: multiField.optional(),
    EMAIL: multiField.optional(),
    OPPORTUNITY: amount.optional(),
    CURRENCY_ID: optionalText.optional(),
    DATE_CREATE: dt.optional(),
    DATE_MODIFY: dt.optional(),
    MOVED_TIME: dt.optional(),
    BIRTHDATE: day.optional(),
    COMMENTS: optionalText.optional(),
  }).transform((r): Lead => compact({
    id: r.ID, title: r.TITLE, statusId: r.STATUS_ID, statusSemantic: r.STATUS_SEMANTIC_ID, sourceId: r.SOURCE_ID,
    assignedById: r.ASSIGNED_BY_ID, name: r.NAME, lastName: r.LAST_NAME, phones: r.PHONE, emails: r.EMAIL,
    opportunity: r.OPPORTUNITY, currencyId: r.CURRENCY_ID, createdAt: r.DATE_CREATE, modifiedAt: r.DATE_MODIFY,
    movedAt: r.MOVED_TIME, birthDate: r.BIRTHDATE, comments: r.COMMENTS, fields: userFields(r),
  }));

  const contact = z.looseObject({
    ID: id,
    NAME: optionalText.optional(),
    LAST_NAME: optionalText.optional(),
    SECOND_NAME: optionalText.optional(),
    BIRTHDATE: day.optional(),
    ASSIGNED_BY_ID: optionalId.optional(),
    COMPANY_ID: optionalId.optional(),
    TYPE_ID: optionalText.optional(),
    SOURCE_ID: optionalText.optional(),
    PHONE: multiField.optional(),
    EMAIL: multiField.optional(),
    DATE_CREATE: dt.optional(),
    DATE_MODIFY: dt.optional(),
  }).transform((r): Contact => compact({
    id: r.ID, name: r.NAME, lastName: r.LAST_NAME, secondName: r.SECOND_NAME, birthDate: r.BIRTHDATE,
    assignedById: r.ASSIGNED_BY_ID, companyId: r.COMPANY_ID, typeId: r.TYPE_ID, sourceId: r.SOURCE_ID,
    phones: r.PHONE, emails: r.EMAIL, createdAt: r.DATE_CREATE, modifiedAt: r.DATE_MODIFY, fields: userFields(r),
  }));

  const company = z.looseObject({
    ID: id,
    TITLE: optionalText.optional(),
    ASSIGNED_BY_ID: optionalId.optional(),
    PHONE: multiField.optional(),
    DATE_MODIFY: dt.optional(),
  }).transform((r): Company => compact({
    id: r.ID, title: r.TITLE, assignedById: r.ASSIGNED_BY_ID, phones: r.PHONE, modifiedAt: r.DATE_MODIFY, fields: userFields(r),
  }));

  const user = z.looseObject({
    ID: id,
    ACTIVE: flag.optional(),
    NAME: optionalText.optional(),
    LAST_NAME: optionalText.optional(),
    EMAIL: optionalText.optional(),
    WORK_POSITION: optionalText.optional(),
    UF_DEPARTMENT: idList.optional(),
    USER_TYPE: optionalText.optional(),
    PERSONAL_BIRTHDAY: day.optional(),
    UF_PHONE_INNER: optionalText.optional(),
    TIME_ZONE: optionalText.optional(),
    PERSONAL_MOBILE: optionalText.optional(),
    WORK_PHONE: optionalText.optional(),
    PERSONAL_PHONE: optionalText.optional(),
  }).transform((r): User => compact({
    id: r.ID, active: r.ACTIVE ?? undefined, name: r.NAME, lastName: r.LAST_NAME, email: r.EMAIL,
    workPosition: r.WORK_POSITION, departmentIds: r.UF_DEPARTMENT, userType: r.USER_TYPE, birthday: r.PERSONAL_BIRTHDAY,
    phoneInner: r.UF_PHONE_INNER, timeZone: r.TIME_ZONE, fields: userFields(r, ['UF_DEPARTMENT', 'UF_PHONE_INNER']),
    phones: r.PERSONAL_MOBILE === undefined && r.WORK_PHONE === undefined && r.PERSONAL_PHONE === undefined ? undefined
      : [r.PERSONAL_MOBILE, r.WORK_PHONE, r.PERSONAL_PHONE].filter((p): p is string => typeof p === 'string' && p.trim() !== ''),
  }));

  const department = z.looseObject({
    ID: id,
    NAME: requiredText,
    PARENT: optionalId.optional(),
    UF_HEAD: optionalId.optional(),
    SORT: count.optional(),
  }).transform((r): Department => ({
    id: r.ID, name: r.NAME, parentId: r.PARENT ?? null, headId: r.UF_HEAD ?? null, sort: r.SORT ?? null,
  }));

  const stage = z.looseObject({
    STATUS_ID: requiredText,
    ENTITY_ID: requiredText,
    NAME: requiredText,
    SORT: count.optional(),
    SEMANTICS: z.unknown().optional(),
    EXTRA: z.unknown().optional(),
    CATEGORY_ID: z.unknown().optional(),
    COLOR: optionalText.optional(),
  }).transform((r, ctx): Stage => {
    const extra = (r.EXTRA && typeof r.EXTRA === 'object' ? (r.EXTRA as { SEMANTICS?: unknown; COLOR?: unknown }) : {});
    const letter = r.SEMANTICS;
    let semantics: StageSemantic;
    if (letter === 'S' || extra.SEMANTICS === 'success') semantics = 'success';
    else if (letter === 'F' || extra.SEMANTICS === 'failure' || extra.SEMANTICS === 'apology') semantics = 'failure';
    else if (letter === null || letter === undefined || letter === '' || letter === 'P' || extra.SEMANTICS === 'process') semantics = 'process';
    else return fail(ctx, `unknown SEMANTICS ${show(letter)}`);
    const dealStage = /^DEAL_STAGE(?:_(\d+))?$/.exec(r.ENTITY_ID);
    let categoryId: number | null = null;
    if (dealStage) categoryId = dealStage[1] !== undefined ? Number(dealStage[1]) : 0;
    else if (typeof r.CATEGORY_ID === 'number' || (typeof r.CATEGORY_ID === 'string' && /^\d+$/.test(r.CATEGORY_ID))) categoryId = Number(r.CATEGORY_ID);
    const color = r.COLOR ?? (typeof extra.COLOR === 'string' ? extra.COLOR : null);
    return { statusId: r.STATUS_ID, entityId: r.ENTITY_ID, name: r.NAME, sort: r.SORT ?? 0, semantics, categoryId, color };
  });

  const category = z.looseObject({
    id: count,
    name: requiredText,
    sort: count.optional(),
    entityTypeId: count,
    isDefault: flag.optional(),
  }).transform((r): Category => ({ id: r.id, name: r.name, sort: r.sort ?? 0, entityTypeId: r.entityTypeId, isDefault: r.isDefault ?? false }));

  const historyBase = {
    ID: id,
    TYPE_ID: count,
    OWNER_ID: id,
    CREATED_TIME: requiredDateTime(timeZone),
    CATEGORY_ID: z.unknown().optional(),
  };
  const toCategory = (v: unknown): number | null => (typeof v === 'number' ? v : typeof v === 'string' && /^\d+$/.test(v) ? Number(v) : null);
  const dealStageHistory = z.looseObject({ ...historyBase, STAGE_ID: requiredText, STAGE_SEMANTIC_ID: semanticFromLetter.optional() })
    .transform((r): StageHistoryEntry => ({
      id: r.ID, typeId: r.TYPE_ID, ownerId: r.OWNER_ID, createdAt: r.CREATED_TIME, categoryId: toCategory(r.CATEGORY_ID),
      stageId: r.STAGE_ID, stageSemantic: r.STAGE_SEMANTIC_ID ?? null,
    }));
  const leadStageHistory = z.looseObject({ ...historyBase, STATUS_ID: requiredText, STATUS_SEMANTIC_ID: semanticFromLetter.optional() })
    .transform((r): StageHistoryEntry => ({
      id: r.ID, typeId: r.TYPE_ID, ownerId: r.OWNER_ID, createdAt: r.CREATED_TIME, categoryId: toCategory(r.CATEGORY_ID),
      stageId: r.STATUS_ID, stageSemantic: r.STATUS_SEMANTIC_ID ?? null,
    }));

  const productRow = z.looseObject({
    ID: id,
    OWNER_ID: id,
    PRODUCT_ID: count,
    PRODUCT_NAME: requiredText,
    PRICE: requiredAmount,
    QUANTITY: requiredAmount,
    DISCOUNT_SUM: amount.optional(),
    TAX_RATE: amount.optional(),
    MEASURE_NAME: optionalText.optional(),
    SORT: count.optional(),
  }).transform((r): ProductRow => ({
    id: r.ID, ownerId: r.OWNER_ID, productId: r.PRODUCT_ID, productName: r.PRODUCT_NAME, price: r.PRICE, quantity: r.QUANTITY,
    discountSum: r.DISCOUNT_SUM ?? 0, taxRate: r.TAX_RATE ?? null, measureName: r.MEASURE_NAME ?? null, sort: r.SORT ?? 0,
  }));

  return { deal, lead, contact, company, user, department, stage, category, dealStageHistory, leadStageHistory, productRow };
}

/** A row that could not be parsed: reported, never dropped silently. */
export interface RejectedRow {
  entity: string;
  id: string | number | undefined;
  issues: string[];
  raw: unknown;
}

export function formatIssues(error: z.ZodError): string[] {
  return error.issues.map((issue) => `${issue.path.join('.') || '(row)'}: ${issue.message}`);
}

export function rawIdOf(row: unknown, idKey = 'ID'): string | number | undefined {
  const v = row && typeof row === 'object' ? (row as Record<string, unknown>)[idKey] : undefined;
  return typeof v === 'string' || typeof v === 'number' ? v : undefined;
}
