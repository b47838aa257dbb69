import { CrmBatchError, CrmError } from './errors.js';
import type { BatchCommand, Transport } from './transport.js';

/**
 * Keyset paging over a Bitrix24 list method: `start: -1` (no COUNT(*)), `order: {ID: 'ASC'}` and a `>ID`
 * cursor, 50 rows a page. Fast mode puts up to 50 pages into one `batch` request, each page's cursor taken
 * from the previous page's 50th row with a `$result[pK][49][ID]` reference, so the portal walks the chain
 * server-side. Pages after the first short one are discarded whatever the portal did with their unresolvable
 * reference, and every page is checked to continue past the previous one.
 */

/** Rows per page on every Bitrix24 list method. */
export const PAGE_SIZE = 50;
/** Commands per batch. */
export const MAX_BATCH = 50;

export interface ListSpec {
  method: string;
  /** Extra top-level params (`entityTypeId` for crm.stagehistory.list). */
  params?: Record<string, unknown>;
  /** Key of the filter param: `filter`, or `FILTER` for user.get (whose lowercase key would be dropped). */
  filterKey?: 'filter' | 'FILTER';
  /** How the method takes its order: `{order: {ID: 'ASC'}}` (crm.*) or `{sort: 'ID', order: 'ASC'}` (user.get). */
  orderStyle?: 'object' | 'sort-order';
  /** Rows under `result.items` (crm.stagehistory.list) instead of `result`. */
  itemsKey?: string;
  /** Whether the method accepts `select`. */
  hasSelect?: boolean;
}

export type ListMode = 'auto' | 'pages' | 'batch';

export interface ListOptions {
  filter?: Record<string, unknown>;
  select?: string[];
  /**
   * `auto` (default): one plain page first; if it is full, batches of `pagesPerRequest` pages.
   * `pages`: one page per request. `batch`: batches from the first request.
   */
  mode?: ListMode;
  /** Pages in the first request (default: 1 in auto mode, `pagesPerRequest` in batch mode). */
  firstRequestPages?: number;
  /** Pages per batch request (1–50, default 50). */
  pagesPerRequest?: number;
}

export interface RawPage {
  rows: Record<string, unknown>[];
  /** 0-based request number this page arrived in. */
  request: number;
}

/** The cursor after a page: the last readable ID. */
function lastIdOf(rows: Record<string, unknown>[], method: string): number {
  for (let i = rows.length - 1; i >= 0; i--) {
    const id = idOf(rows[i]!);
    if (!Number.isNaN(id)) return id;
  }
  throw new CrmError({ code: 'PAGING_BROKEN', status: 200, method, description: 'a full page without a readable ID' });
}

function idOf(row: Record<string, unknown>): number {
  const v = row.ID;
  const n = typeof v === 'number' ? v : typeof v === 'string' ? Number(v) : NaN;
  return Number.isInteger(n) ? n : NaN;
}

function buildParams(spec: ListSpec, options: ListOptions, cursor: number | string): Record<string, unknown> {
  const filter: Record<string, unknown> = { ...(options.filter ?? {}) };
  delete filter['>ID'];
  filter['>ID'] = cursor;
  const params: Record<string, unknown> = { ...(spec.params ?? {}) };
  params[spec.filterKey ?? 'filter'] = filter;
  if (spec.orderStyle === 'sort-order') {
    params.sort = 'ID';
    params.order = 'ASC';
  } else {
    params.order = { ID: 'ASC' };
  }
  if (spec.hasSelect !== false && options.select && options.select.length > 0) {
    params.select = options.select.includes('ID') ? options.select : ['ID', ...options.select];
  }
  params.start = -1;
  return params;
}

function rowsOf(spec: ListSpec, result: unknown, method: string): Record<string, unknown>[] {
  const holder = spec.itemsKey ? (result as Record<string, unknown> | null)?.[spec.itemsKey] : result;
  if (Array.isArray(holder)) return holder as Record<string, unknown>[];
  // PHP serialises an empty map as [] but a keyed one as an object; rows must be a list.
  if (holder && typeof holder === 'object' && Object.keys(holder).every((k) => /^\d+$/.test(k))) {
    return Object.values(holder) as Record<string, unknown>[];
  }
  throw new CrmError({ code: 'UNEXPECTED_ANSWER', status: 200, method, description: 'list method returned no row list' });
}

function initialCursor(filter: Record<string, unknown> | undefined): number {
  const given = filter?.['>ID'];
  const n = typeof given === 'number' ? given : typeof given === 'string' ? Number(given) : 0;
  return Number.isFinite(n) && n > 0 ? n : 0;
}

export async function* listRawPages(transport: Transport, spec: ListSpec, options: ListOptions = {}): AsyncGenerator<RawPage> {
  const mode = options.mode ?? 'auto';
  const perRequest = Math.min(MAX_BATCH, Math.max(1, Math.floor(options.pagesPerRequest ?? MAX_BATCH)));
  let pagesNext = mode === 'pages' ? 1
    : Math.min(MAX_BATCH, Math.max(1, Math.floor(options.firstRequestPages ?? (mode === 'batch' ? perRequest : 1))));
  let cursor = initialCursor(options.filter);
  let request = 0;
  const refPath = (key: string): string => `$result[${key}]${spec.itemsKey ? `[${spec.itemsKey}]` : ''}[${PAGE_SIZE - 1}][ID]`;

  for (;;) {
    if (pagesNext === 1) {
      const { result } = await transport.call<unknown>(spec.method, buildParams(spec, options, cursor));
      const rows = rowsOf(spec, result, spec.method);
      checkContinuity(rows, cursor, spec.method);
      yield { rows, request };
      request++;
      if (rows.length < PAGE_SIZE) return;
      cursor = lastIdOf(rows, spec.method);
      pagesNext = mode === 'pages' ? 1 : perRequest;
      continue;
    }

    const commands: Record<string, BatchCommand> = {};
    for (let k = 0; k < pagesNext; k++) {
      commands[`p${k}`] = [spec.method, buildParams(spec, options, k === 0 ? cursor : refPath(`p${k - 1}`))];
    }
    // halt: a failed page breaks the chain, so later pages would only burn the portal's time.
    const entries = await transport.batch(commands, { halt: true });
    let progressed = false;
    for (let k = 0; k < pagesNext; k++) {
      const entry = entries[`p${k}`]!;
      if (!entry.ok) {
        // Pages already read are kept; the next request resumes from the cursor. No progress at all → give up.
        if (progressed) break;
        throw new CrmBatchError({ [`p${k}`]: entry.error });
      }
      const rows = rowsOf(spec, entry.result, spec.method);
      checkContinuity(rows, cursor, spec.method);
      yield { rows, request };
      progressed = true;
      if (rows.length < PAGE_SIZE) return;
      cursor = lastIdOf(rows, spec.method);
    }
    request++;
    pagesNext = perRequest;
  }
}

/** Every row of a page must lie past the cursor: a page that starts over means a reference was not resolved. */
function checkContinuity(rows: Record<string, unknown>[], cursor: number, method: string): void {
  let previous = cursor;
  for (const row of rows) {
    const id = idOf(row);
    if (Number.isNaN(id)) continue; // an unreadable ID is the row parser's to report
    if (!(id > previous)) {
      throw new CrmError({
        code: 'PAGING_BROKEN', status: 200, method,
        description: `row ID ${String(row.ID)} does not follow ${previous}: the list is not ordered by ID or the cursor was ignored`,
      });
    }
    previous = id;
  }
}
