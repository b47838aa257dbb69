/**
 * Creations made exactly once on a portal that has no idempotency keys.
 *
 * A `*.add` whose answer is lost (a 500/502/504, a timeout or a reset after the request left) may or may not have
 * acted. Re-sending it blindly duplicates; giving up loses the step. So every creation DealPilot makes carries a
 * deterministic key (the trigger and the step) and a marker derived from it, written into the record itself:
 *
 *   kind              marker                                   looked up with
 *   timeline comment  a last line `dp:<12 hex>` in COMMENT      crm.timeline.comment.list on that entity (newest first)
 *   task              a last line `dp:<12 hex>` in DESCRIPTION  tasks.task.list by RESPONSIBLE_ID, created since the attempt
 *   deal              ORIGINATOR_ID=dealpilot, ORIGIN_ID=marker  crm.deal.list by those two fields (the fields the docs give
 *                                                              integrations for records they create)
 *
 * Redis remembers per key whether an attempt began (`pending`) and, once the portal answered, the id (`done`).
 * A key with an attempt and no id is looked up before anything is created again; a key with an id is never
 * created again. The marker survives a lost Redis too: with neither record the creation simply runs once more,
 * which is the only case that can repeat (Redis lost between the portal acting and the id being recorded).
 * One attempt per key at a time (a short Redis lock), so two workers retrying the same step cannot both create.
 */
import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';
import { withRedisLock } from '../infra/lua.js';
import { formatPortalDateTime } from './dates.js';
import { CrmError } from './errors.js';
import type { CrmGateway, TaskInput, TimelineCommentInput } from './gateway.js';

const RECORD_TTL_SECONDS = 45 * 24 * 3600;
/** How far back (newest first) a lookup reads an entity's comments. */
const LOOKUP_PAGES = 4;
/** Tasks created this long before the first attempt still count (portal and Redis clocks differ a little). */
const CLOCK_SLACK_MS = 5 * 60_000;

export class OnceBusyError extends Error {
  constructor(key: string) {
    super(`another process is making the same write (${key}); retry later`);
    this.name = 'OnceBusyError';
  }
}

export interface OnceWriter {
  timelineComment(key: string, input: TimelineCommentInput): Promise<number>;
  task(key: string, input: TaskInput): Promise<number>;
  /** crm.deal.add fields; ORIGINATOR_ID / ORIGIN_ID are DealPilot's. */
  deal(key: string, fields: Record<string, unknown>): Promise<number>;
}

/** ORIGINATOR_ID of the records DealPilot creates. */
export const ORIGINATOR = 'dealpilot';

/** The marker written into a record: short, stable for a key, and never containing the key itself. */
export function onceMarker(key: string): string {
  return `dp:${createHash('sha256').update(key).digest('hex').slice(0, 12)}`;
}

const withMarker = (text: string, marker: string) => `${text.trimEnd()}\n${marker}`;

/** A record's text as people should read it: without the marker line DealPilot added for its own look-ups. */
export function withoutMarker(text: string): string {
  return text.replace(/\n?dp:[0-9a-f]{12}\s*$/, '');
}
const hasMarker = (text: unknown, marker: string) => typeof text === 'string' && text.trimEnd().endsWith(marker);

export function createOnceWriter(deps: {
  crm: Pick<CrmGateway, 'addTimelineComment' | 'addTask' | 'addDeal' | 'call' | 'timezone'>;
  redis: Redis;
  prefix: string;
  clock?: () => Date;
}): OnceWriter {
  const clock = deps.clock ?? (() => new Date());
  const recordKey = (marker: string) => `${deps.prefix}:once:${marker}`;

  async function once(key: string, create: (marker: string) => Promise<number>, lookup: (marker: string, since: Date) => Promise<number | null>): Promise<number> {
    const marker = onceMarker(key);
    const record = recordKey(marker);
    return withRedisLock(deps.redis, `${record}:lock`, async () => {
      const state = await deps.redis.get(record);
      if (state?.startsWith('done:')) return Number(state.slice(5));
      if (state?.startsWith('pending:')) {
        const found = await lookup(marker, new Date(Number(state.slice(8)) - CLOCK_SLACK_MS));
        if (found !== null) {
          await deps.redis.set(record, `done:${found}`, 'EX', RECORD_TTL_SECONDS);
          return found;
        }
      }
      await deps.redis.set(record, `pending:${clock().getTime()}`, 'EX', RECORD_TTL_SECONDS);
      const id = await create(marker);
      await deps.redis.set(record, `done:${id}`, 'EX', RECORD_TTL_SECONDS);
      return id;
    }, { ttlMs: 60_000, waitMs: 5_000, busy: () => new OnceBusyError(key) });
  }

  async function findComment(input: TimelineCommentInput, marker: string): Promise<number | null> {
    for (let page = 0; page < LOOKUP_PAGES; page++) {
      const rows = await deps.crm.call<unknown>('crm.timeline.comment.list', {
        filter: { ENTITY_ID: input.entityId, ENTITY_TYPE: input.entityType },
        select: ['ID', 'COMMENT'], order: { ID: 'DESC' }, start: page * 50,
      });
      if (!Array.isArray(rows)) throw new CrmError({ code: 'UNEXPECTED_ANSWER', status: 200, method: 'crm.timeline.comment.list', description: 'expected a list of comments' });
      const hit = rows.find((row: { COMMENT?: unknown }) => hasMarker(row?.COMMENT, marker)) as { ID?: unknown } | undefined;
      if (hit) return Number(hit.ID);
      if (rows.length < 50) return null;
    }
    return null;
  }

  async function findTask(input: TaskInput, marker: string, since: Date): Promise<number | null> {
    const answer = await deps.crm.call<{ tasks?: Array<{ id?: unknown; description?: unknown }> }>('tasks.task.list', {
      filter: { RESPONSIBLE_ID: input.responsibleId, '>=CREATED_DATE': formatPortalDateTime(since, deps.crm.timezone) },
      select: ['ID', 'DESCRIPTION'], order: { ID: 'DESC' },
    });
    const hit = (answer?.tasks ?? []).find((t) => hasMarker(t?.description, marker));
    return hit ? Number(hit.id) : null;
  }

  async function findDeal(marker: string): Promise<number | null> {
    const rows = await deps.crm.call<unknown>('crm.deal.list', {
      filter: { ORIGINATOR_ID: ORIGINATOR, ORIGIN_ID: marker }, select: ['ID'], start: -1,
    });
    const first = Array.isArray(rows) ? (rows[0] as { ID?: unknown } | undefined) : undefined;
    return first?.ID !== undefined ? Number(first.ID) : null;
  }

  return {
    deal: (key, fields) => once(key,
      (marker) => deps.crm.addDeal({ ...fields, ORIGINATOR_ID: ORIGINATOR, ORIGIN_ID: marker }),
      (marker) => findDeal(marker)),
    timelineComment: (key, input) => once(key,
      (marker) => deps.crm.addTimelineComment({ ...input, comment: withMarker(input.comment, marker) }),
      (marker) => findComment(input, marker)),
    task: (key, input) => once(key,
      (marker) => deps.crm.addTask({ ...input, description: withMarker(input.description ?? '', marker) }),
      (marker, since) => findTask(input, marker, since)),
  };
}
