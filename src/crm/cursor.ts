import type { Redis } from 'ioredis';

/**
 * Incremental scans: a named watermark in Redis so a periodic job reads only what changed since its last tick.
 *
 * Time fields (`DATE_MODIFY`, `MOVED_TIME`) are read with `>=` from `watermark − overlap`: a row committed late
 * with an older timestamp, or two rows in the same second, are not missed. Rows already delivered inside the
 * overlap window are remembered as `ID@timestamp` and skipped, so a row is delivered again only when it changed
 * again. The `ID` field needs no overlap (IDs only grow): `>ID watermark`.
 */
export type CursorField = 'DATE_MODIFY' | 'MOVED_TIME' | 'DATE_CREATE' | 'ID';

export interface CursorState {
  field: CursorField;
  /** Epoch ms of the newest timestamp seen, or the highest ID. */
  watermark: number;
  /** `ID@epochMs` of rows delivered whose timestamp lies inside the overlap window below the watermark. */
  seen: string[];
  updatedAt: string;
}

export interface ScanCursor {
  readonly name: string;
  readonly key: string;
  load(): Promise<CursorState | null>;
  save(state: CursorState): Promise<void>;
  reset(): Promise<void>;
}

export interface ScanCursorOptions {
  keyPrefix?: string;
}

export function createScanCursor(redis: Redis, name: string, options: ScanCursorOptions = {}): ScanCursor {
  if (!/^[\w.:-]+$/.test(name)) throw new Error(`scan cursor name "${name}" may only use letters, digits, _ . : -`);
  const key = `${options.keyPrefix ?? 'dealpilot'}:crm:cursor:${name}`;
  return {
    name,
    key,
    async load() {
      const text = await redis.get(key);
      if (!text) return null;
      try {
        const state = JSON.parse(text) as CursorState;
        return typeof state.watermark === 'number' && Array.isArray(state.seen) ? state : null;
      } catch {
        return null;
      }
    },
    async save(state) {
      await redis.set(key, JSON.stringify(state));
    },
    async reset() {
      await redis.del(key);
    },
  };
}

export interface ChangeTracker {
  /** Filter conditions to add to the list query (`>=DATE_MODIFY` / `>ID`); empty on a first full read. */
  filter: Record<string, unknown>;
  /** Whether the row is new for this cursor (false: already delivered in the overlap window). */
  accept(row: Record<string, unknown>): boolean;
  /** The state to save once the delivered rows were processed. */
  nextState(): CursorState;
}

/**
 * Plans one tick. `formatTime` renders an instant for the portal filter (in the portal's zone);
 * `parseTime` reads a row's timestamp (undefined when unreadable: such a row is delivered but does not move
 * the watermark).
 */
export function planChanges(
  previous: CursorState | null,
  field: CursorField,
  overlapMs: number,
  formatTime: (epochMs: number) => string,
  parseTime: (value: unknown) => number | undefined,
  now: number,
): ChangeTracker {
  if (previous && previous.field !== field) previous = null; // the cursor was re-purposed: start over
  let watermark = previous?.watermark ?? 0;
  const seen = new Set(previous?.seen ?? []);
  const delivered: Array<{ key: string; ts: number }> = [];

  if (field === 'ID') {
    return {
      filter: previous ? { '>ID': previous.watermark } : {},
      accept(row) {
        const id = Number(row.ID);
        if (Number.isInteger(id) && id > watermark) watermark = id;
        return true;
      },
      nextState: () => ({ field, watermark, seen: [], updatedAt: new Date(now).toISOString() }),
    };
  }

  return {
    filter: previous ? { [`>=${field}`]: formatTime(Math.max(0, previous.watermark - overlapMs)) } : {},
    accept(row) {
      const ts = parseTime(row[field]);
      const key = `${String(row.ID)}@${ts ?? 'x'}`;
      if (seen.has(key)) return false;
      if (ts !== undefined) {
        delivered.push({ key, ts });
        if (ts > watermark) watermark = ts;
      }
      return true;
    },
    nextState() {
      const floor = watermark - overlapMs;
      const keep = new Set<string>();
      for (const key of seen) {
        const ts = Number(key.slice(key.lastIndexOf('@') + 1));
        if (Number.isFinite(ts) && ts >= floor) keep.add(key);
      }
      for (const d of delivered) if (d.ts >= floor) keep.add(d.key);
      return { field, watermark, seen: [...keep], updatedAt: new Date(now).toISOString() };
    },
  };
}
