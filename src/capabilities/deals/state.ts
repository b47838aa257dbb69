import type { Redis } from 'ioredis';
import type { MessageRef } from '../../chat/message.js';
import { withRedisLock } from '../../infra/lua.js';

/** What the bot last showed about a deal: a press on a message built from other facts is stale. */
export interface DealView {
  stageId: string;
  assignedById: number;
}

/** The contract approval loop of one deal; rounds count up across reworks. */
export interface ApprovalState {
  round: number;
  status: 'pending' | 'approved' | 'declined';
  /** Stage stay (stageStayKey) the round was sent in: a new stay in the approval stage needs a new round. */
  stay: string;
  by?: string;
  at?: string;
  comment?: string;
}

/** A conversation (see Interaction.conversation) waiting for a free-text answer: a supervisor's decline comment or a required field value. */
export type AwaitingInput =
  | { type: 'decline'; dealId: number; round: number; message: MessageRef | null }
  | { type: 'field'; dealId: number; target: string; field: string };

const AWAITING_TTL_SECONDS = 30 * 60;
const LONG_TTL_SECONDS = 400 * 24 * 3600;

/** Redis state of the deals capability, under `<prefix>:deals:`. */
export function createDealsState(redis: Redis, prefix: string) {
  const key = (...parts: Array<string | number>) => `${prefix}:deals:${parts.join(':')}`;
  const getJson = async <T>(k: string): Promise<T | null> => {
    const raw = await redis.get(k);
    return raw ? (JSON.parse(raw) as T) : null;
  };

  return {
    async snoozedUntil(dealId: number): Promise<Date | undefined> {
      const raw = await redis.get(key('snooze', dealId));
      return raw ? new Date(raw) : undefined;
    },
    async snooze(dealId: number, until: Date): Promise<void> {
      // Kept a while after it ends: the stuck rule names the snooze's end in the next nudge's key.
      await redis.set(key('snooze', dealId), until.toISOString(), 'EX', LONG_TTL_SECONDS);
    },
    async clearSnooze(dealId: number): Promise<void> {
      await redis.del(key('snooze', dealId));
    },
    view: (dealId: number) => getJson<DealView>(key('view', dealId)),
    async setView(dealId: number, view: DealView): Promise<void> {
      await redis.set(key('view', dealId), JSON.stringify(view), 'EX', LONG_TTL_SECONDS);
    },
    approval: (dealId: number) => getJson<ApprovalState>(key('approval', dealId)),
    async setApproval(dealId: number, state: ApprovalState): Promise<void> {
      await redis.set(key('approval', dealId), JSON.stringify(state), 'EX', LONG_TTL_SECONDS);
    },
    awaiting: (conversation: string) => getJson<AwaitingInput>(key('awaiting', conversation)),
    async setAwaiting(conversation: string, input: AwaitingInput): Promise<void> {
      await redis.set(key('awaiting', conversation), JSON.stringify(input), 'EX', AWAITING_TTL_SECONDS);
    },
    async clearAwaiting(conversation: string): Promise<void> {
      await redis.del(key('awaiting', conversation));
    },
    /**
     * Serialises actions on one deal across processes (double presses, an event racing a scan). Waits for a
     * held lock up to about 10 s; the lock lapses by itself if its holder dies.
     */
    withDealLock<T>(dealId: number, fn: () => Promise<T>): Promise<T> {
      return withRedisLock(redis, key('lock', dealId), fn, {
        ttlMs: 20_000, waitMs: 10_000, busy: () => new Error(`deal ${dealId} is busy`),
      });
    },
  };
}

export type DealsState = ReturnType<typeof createDealsState>;
