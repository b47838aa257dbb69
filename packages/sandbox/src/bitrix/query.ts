/**
 * List queries the way legacy Bitrix24 list methods answer them: filter prefixes, `order`, `select` masks and
 * 50-row pages with `start` (or the `start: -1` fast mode). Rows are kept in ID order, so the common case (ORDER
 * by ID with a `>ID` cursor) binary-searches its starting point and stops after one page.
 */
import type { CrmValue, FieldDef, MultiFieldValue, Row, Schema } from './fields.js';
import { isNumericType } from './fields.js';
import type { PortalTime } from './portal-time.js';

export const PAGE_SIZE = 50;

type Op = '=' | '!' | '>' | '>=' | '<' | '<=' | '@' | '!@' | '%' | '!%' | 'like' | '!like';

const PREFIXES: ReadonlyArray<[string, Op]> = [
  ['>=', '>='], ['<=', '<='], ['!@', '!@'], ['!=%', '!like'], ['!%=', '!like'], ['!%', '!%'], ['!=', '!'],
  ['=%', 'like'], ['%=', 'like'], ['!', '!'], ['>', '>'], ['<', '<'], ['@', '@'], ['%', '%'], ['=', '='],
];

export function parseFilterKey(key: string): { op: Op; field: string } {
  for (const [prefix, op] of PREFIXES) {
    if (key.startsWith(prefix)) return { op, field: key.slice(prefix.length) };
  }
  return { op: '=', field: key };
}

type Comparable = number | string | boolean;

/** The value used to compare a filter operand with a stored value of this field. */
function toComparable(def: FieldDef, value: unknown, time: PortalTime): Comparable | null {
  if (value === null || value === undefined || value === '') return null;
  if (isNumericType(def.type)) {
    const n = typeof value === 'number' ? value : Number(String(value).replace(',', '.'));
    return Number.isFinite(n) ? n : null;
  }
  switch (def.type) {
    case 'datetime': return time.parseDateTime(value);
    case 'date': return typeof value === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(value) ? value : time.parseDate(value);
    case 'boolean': return value === true || value === 'Y' || value === 'true' || value === '1' || value === 1;
    case 'money': {
      const n = Number(String(value).split('|')[0]);
      return Number.isFinite(n) ? n : String(value);
    }
    default: return String(value);
  }
}

/** Stored value(s) of a field as comparables: multiple fields give several. */
function storedComparables(def: FieldDef, value: CrmValue | undefined, time: PortalTime): Comparable[] {
  if (value === null || value === undefined || value === '') return [];
  if (def.type === 'crm_multifield') return (value as readonly MultiFieldValue[]).map((v) => v.VALUE);
  if (Array.isArray(value)) {
    return value.map((v) => toComparable(def, v, time)).filter((v): v is Comparable => v !== null);
  }
  if (def.type === 'datetime' || isNumericType(def.type)) return typeof value === 'number' ? [value] : [];
  if (def.type === 'date') return [value as string];
  const c = toComparable(def, value, time);
  return c === null ? [] : [c];
}

function compare(a: Comparable, b: Comparable): number {
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  if (typeof a === 'boolean' || typeof b === 'boolean') return Number(a) - Number(b);
  const sa = String(a);
  const sb = String(b);
  return sa < sb ? -1 : sa > sb ? 1 : 0;
}

function likeRegex(pattern: string): RegExp {
  const escaped = pattern.replace(/[.*+?^${}()|[\]\\]/g, '\\$&').replace(/%/g, '.*').replace(/_/g, '.');
  return new RegExp(`^${escaped}$`, 'is');
}

export type RowPredicate = (row: Row) => boolean;

interface Condition {
  field: string;
  op: Op;
  test: RowPredicate;
  /** Single numeric operand, for ID range narrowing. */
  numeric?: number;
}

function asList(value: unknown): unknown[] {
  if (Array.isArray(value)) return value;
  if (value && typeof value === 'object') return Object.values(value);
  return [value];
}

function buildCondition(def: FieldDef, field: string, op: Op, operand: unknown, time: PortalTime): Condition {
  const values = (row: Row): Comparable[] => storedComparables(def, row[field], time);
  const isArrayOperand = Array.isArray(operand) || (operand !== null && typeof operand === 'object');
  const negated = op === '!' || op === '!@' || op === '!%' || op === '!like';
  const positive: Op = op === '!' ? '=' : op === '!@' ? '@' : op === '!%' ? '%' : op === '!like' ? 'like' : op;
  let test: RowPredicate;
  let numeric: number | undefined;

  if ((positive === '=' && isArrayOperand) || positive === '@') {
    const set = asList(operand).map((v) => toComparable(def, v, time)).filter((v): v is Comparable => v !== null);
    const wantsEmpty = asList(operand).some((v) => v === '' || v === null);
    test = (row) => {
      const stored = values(row);
      if (stored.length === 0) return wantsEmpty;
      return stored.some((s) => set.some((v) => compare(s, v) === 0));
    };
  } else if (positive === '=') {
    const target = toComparable(def, operand, time);
    if (target === null && (operand === '' || operand === null || operand === undefined || operand === false)) {
      test = (row) => values(row).length === 0;
    } else if (target === null) {
      test = () => false;
    } else {
      if (typeof target === 'number') numeric = target;
      test = (row) => values(row).some((s) => compare(s, target) === 0);
    }
  } else if (positive === '%' || positive === 'like') {
    const needle = String(operand ?? '').toLowerCase();
    const regex = positive === 'like' ? likeRegex(String(operand ?? '')) : null;
    test = (row) => values(row).some((s) => (regex ? regex.test(String(s)) : String(s).toLowerCase().includes(needle)));
  } else {
    const target = toComparable(def, operand, time);
    if (typeof target === 'number') numeric = target;
    const check = (c: number): boolean => (positive === '>' ? c > 0 : positive === '>=' ? c >= 0 : positive === '<' ? c < 0 : c <= 0);
    test = target === null ? () => false : (row) => values(row).some((s) => check(compare(s, target)));
  }
  const cond: Condition = { field, op, test: negated ? (row) => !test(row) : test };
  if (numeric !== undefined && !negated) cond.numeric = numeric;
  return cond;
}

export interface CompiledFilter {
  test: RowPredicate;
  conditions: Condition[];
}

/** Unknown fields are ignored, as the legacy methods do. */
export function compileFilter(schema: Schema, filter: unknown, time: PortalTime): CompiledFilter {
  const conditions: Condition[] = [];
  if (filter && typeof filter === 'object' && !Array.isArray(filter)) {
    for (const [key, operand] of Object.entries(filter as Record<string, unknown>)) {
      const { op, field } = parseFilterKey(key);
      const name = field.toUpperCase();
      const def = schema[name];
      if (!def) continue;
      conditions.push(buildCondition(def, name, op, operand, time));
    }
  }
  return { conditions, test: (row) => conditions.every((c) => c.test(row)) };
}

export interface OrderTerm {
  field: string;
  desc: boolean;
}

export function parseOrder(schema: Schema, order: unknown): OrderTerm[] {
  const terms: OrderTerm[] = [];
  if (order && typeof order === 'object' && !Array.isArray(order)) {
    for (const [key, dir] of Object.entries(order as Record<string, unknown>)) {
      const field = key.toUpperCase();
      if (!schema[field]) continue;
      terms.push({ field, desc: String(dir).toUpperCase() === 'DESC' });
    }
  }
  return terms;
}

function sortRows(rows: Row[], schema: Schema, terms: OrderTerm[], time: PortalTime): Row[] {
  const keyed = rows.map((row) => ({
    row,
    keys: terms.map((t) => storedComparables(schema[t.field] as FieldDef, row[t.field], time)[0] ?? null),
  }));
  keyed.sort((a, b) => {
    for (let i = 0; i < terms.length; i += 1) {
      const ka = a.keys[i] ?? null;
      const kb = b.keys[i] ?? null;
      let c: number;
      if (ka === null || kb === null) c = ka === kb ? 0 : ka === null ? -1 : 1; // empty first, as SQL NULLs
      else c = compare(ka, kb);
      if (c !== 0) return (terms[i] as OrderTerm).desc ? -c : c;
    }
    return (a.row.ID as number) - (b.row.ID as number);
  });
  return keyed.map((k) => k.row);
}

export function parseStart(start: unknown): number {
  const n = Number(start ?? 0);
  if (!Number.isFinite(n)) return 0;
  return n < 0 ? -1 : Math.floor(n);
}

/** First index whose ID is >= id. */
function lowerBound(rows: readonly Row[], id: number): number {
  let lo = 0;
  let hi = rows.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((rows[mid]!.ID as number) < id) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

export interface ListPage {
  rows: Row[];
  /** Absent in fast mode (start = -1), where Bitrix24 answers `total: 0`. */
  total: number;
  next?: number;
  fastMode: boolean;
}

/**
 * Runs a list query over ID-ordered rows. `extraTest` adds conditions that are not plain filters (e.g. an
 * ENTITY_ID chosen by the method).
 */
export function runList(
  rows: readonly Row[], schema: Schema, params: { filter?: unknown; order?: unknown; start?: unknown },
  time: PortalTime, defaultOrder: OrderTerm[] = [{ field: 'ID', desc: false }], pageSize = PAGE_SIZE,
): ListPage {
  const filter = compileFilter(schema, params.filter, time);
  const explicit = parseOrder(schema, params.order);
  const terms = explicit.length > 0 ? explicit : defaultOrder;
  const start = parseStart(params.start);
  const fastMode = start === -1;
  const offset = fastMode ? 0 : start;

  const byIdOnly = terms.length === 1 && terms[0]!.field === 'ID';
  if (byIdOnly) {
    // ID range from the filter narrows the scan (binary search); the rest is tested row by row.
    let lo = 0;
    let hi = rows.length;
    for (const c of filter.conditions) {
      if (c.field !== 'ID' || c.numeric === undefined) continue;
      const v = c.numeric;
      if (c.op === '>') lo = Math.max(lo, lowerBound(rows, Math.floor(v) + 1));
      else if (c.op === '>=') lo = Math.max(lo, lowerBound(rows, Math.ceil(v)));
      else if (c.op === '<') hi = Math.min(hi, lowerBound(rows, Math.ceil(v)));
      else if (c.op === '<=') hi = Math.min(hi, lowerBound(rows, Math.floor(v) + 1));
      else if (c.op === '=') {
        lo = Math.max(lo, lowerBound(rows, v));
        hi = Math.min(hi, lowerBound(rows, v + 1));
      }
    }
    const desc = terms[0]!.desc;
    const page: Row[] = [];
    let matched = 0;
    for (let k = 0; k < hi - lo; k += 1) {
      const row = rows[desc ? hi - 1 - k : lo + k]!;
      if (!filter.test(row)) continue;
      if (matched >= offset && page.length < pageSize) page.push(row);
      matched += 1;
      if (fastMode && page.length >= pageSize) break;
    }
    return finish(page, matched, offset, fastMode, pageSize);
  }
  const all = sortRows(rows.filter(filter.test), schema, terms, time);
  return finish(all.slice(offset, offset + pageSize), all.length, offset, fastMode, pageSize);
}

function finish(page: Row[], total: number, offset: number, fastMode: boolean, pageSize: number): ListPage {
  if (fastMode) return { rows: page, total: 0, fastMode };
  const result: ListPage = { rows: page, total, fastMode };
  if (offset + pageSize < total) result.next = offset + pageSize;
  return result;
}

/** `select` with `*` (standard single fields), `UF_*` (user fields) and explicit names; ID always included. */
export function resolveSelect(schema: Schema, select: unknown, defaults: readonly string[] = ['*', 'UF_*']): string[] {
  const requested = Array.isArray(select) && select.length > 0
    ? select.map((s) => String(s).toUpperCase())
    : select && typeof select === 'object' && Object.keys(select).length > 0
      ? Object.values(select as Record<string, unknown>).map((s) => String(s).toUpperCase())
      : [...defaults];
  const out = new Set<string>(['ID']);
  for (const item of requested) {
    if (item === '*') {
      for (const [name, def] of Object.entries(schema)) if (!def.isUserField && !def.isMultiple) out.add(name);
    } else if (item === 'UF_*') {
      for (const [name, def] of Object.entries(schema)) if (def.isUserField && !def.isMultiple) out.add(name);
    } else if (schema[item]) {
      out.add(item);
    }
  }
  return [...out];
}

/** A stored value in the legacy CRM wire format: numbers as strings, dates with offset, empty as "". */
export function formatLegacy(def: FieldDef, value: CrmValue | undefined, time: PortalTime): unknown {
  const empty = def.isUserField ? '' : null;
  if (value === undefined || value === null) {
    return def.type === 'string' || def.type === 'crm_status' || def.type === 'datetime' || def.type === 'date'
      || def.type === 'char' || def.type === 'crm_currency' || def.type === 'money' ? '' : empty;
  }
  switch (def.type) {
    case 'double': return typeof value === 'number' ? value.toFixed(2) : value;
    case 'datetime': return typeof value === 'number' ? time.formatDateTime(value) : '';
    case 'date': return value === '' ? '' : time.formatDate(value as string);
    case 'crm_multifield': return value;
    case 'boolean': return value;
    default:
      if (Array.isArray(value)) return value.map((v) => String(v));
      return typeof value === 'number' ? String(value) : value;
  }
}

/** A stored value where the method returns real numbers (crm.stagehistory.list). */
export function formatTyped(def: FieldDef, value: CrmValue | undefined, time: PortalTime): unknown {
  if (value === undefined || value === null) return null;
  if (def.type === 'datetime') return typeof value === 'number' ? time.formatDateTime(value) : null;
  return value;
}

export function projectRow(
  row: Row, schema: Schema, fields: readonly string[], time: PortalTime,
  format: (def: FieldDef, value: CrmValue | undefined, time: PortalTime) => unknown = formatLegacy,
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const name of fields) {
    const def = schema[name];
    if (def) out[name] = format(def, row[name], time);
  }
  return out;
}
