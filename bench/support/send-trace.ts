/**
 * Bench-only instrumentation of the outbox's send path, to explain any 429 with numbers: when each send was
 * admitted (the ADMIT script's round trip on the outbox's Redis connection), when the HTTP call left and came
 * back (a wrapper around the chat adapter), and when the sandbox saw it (its accepted-send log and its 429
 * records). All clocks are this host's wall clock (Redis, the sandbox child and this process share it).
 */

import type { RateLimitRecord } from '@dealpilot/sandbox/telegram';
import type { Redis } from 'ioredis';
import type { ChatAdapter } from '../../src/chat/adapter.js';
import { IN_FLIGHT_LEASE_MS } from '../../src/outbox/pacing.js';

export interface Admission {
  chatId: string;
  /** The admission's member in the gate log. */
  member: string;
  requestedAt: number;
  answeredAt: number;
}
export interface SendRecord { chatId: string; dispatchedAt: number; answeredAt: number; outcome: 'ok' | '429' | 'error' }

export interface SendTrace {
  readonly admissions: Admission[];
  readonly sends: SendRecord[];
  /**
   * Gate-log member → admission time on Redis's clock: exact where `sampleGateLog` saw the call in flight,
   * otherwise the ADMIT call's requestedAt (a lower bound, a few ms early at most unless this process paused).
   */
  readonly admittedAtOnRedis: Map<string, number>;
  delivered(): number;
}

export function createSendTrace(): SendTrace {
  const trace = { admissions: [] as Admission[], sends: [] as SendRecord[], admittedAtOnRedis: new Map<string, number>() };
  return { ...trace, delivered: () => trace.sends.filter((s) => s.outcome === 'ok').length };
}

/** Wraps an adapter so every send is logged with its departure and answer times. */
export function tracingAdapter(inner: ChatAdapter, trace: SendTrace): ChatAdapter {
  return {
    channel: inner.channel,
    edit: (ref, message) => inner.edit(ref, message),
    async send(chatId, message) {
      const dispatchedAt = Date.now();
      try {
        const ref = await inner.send(chatId, message);
        trace.sends.push({ chatId, dispatchedAt, answeredAt: Date.now(), outcome: 'ok' });
        return ref;
      } catch (error) {
        const outcome = (error as Error).name === 'ChatRateLimitedError' ? '429' : 'error';
        trace.sends.push({ chatId, dispatchedAt, answeredAt: Date.now(), outcome });
        throw error;
      }
    },
  };
}

/**
 * Copies the gate log (member → score) every `everyMs`, on its own connection, to learn each admission's time
 * on Redis's clock: a score is the admission time plus IN_FLIGHT_LEASE_MS while the call is in flight, and
 * the time of the answer once settled (then only `requestedAt..answeredAt` of the ADMIT call bounds it).
 */
export function sampleGateLog(redis: Redis, gateKey: string, trace: SendTrace, everyMs = 250): () => Promise<void> {
  const sample = async () => {
    const sampledAt = Date.now();
    // ioredis 6 answers WITHSCORES as [member, score] pairs; flatten in case a version answers flat.
    const flat = ((await redis.call('ZRANGE', gateKey, '0', '-1', 'WITHSCORES')) as Array<string | string[]>).flat();
    for (let i = 0; i + 1 < flat.length; i += 2) {
      const member = flat[i]!;
      const score = Number(flat[i + 1]);
      if (score > sampledAt + 1000) trace.admittedAtOnRedis.set(member, score - IN_FLIGHT_LEASE_MS);
    }
  };
  const timer = setInterval(() => void sample().catch(() => undefined), everyMs);
  return async () => {
    clearInterval(timer);
    await sample();
  };
}

/**
 * Makes `connection.duplicate()` (the outbox's private connection) log successful admissions: EVALSHA calls
 * on the gate log with a chat slot as second key and at least five arguments (limit, window, member, holder,
 * slot ttl, …) that answer 0. The script runs on Redis between requestedAt and answeredAt. `afterRequest` runs
 * synchronously right after each EVALSHA is issued (a place to inject pauses).
 */
export function traceAdmissions(connection: Redis, gateKey: string, trace: SendTrace, afterRequest?: () => void): void {
  const duplicate = connection.duplicate.bind(connection);
  connection.duplicate = (...args: Parameters<Redis['duplicate']>) => {
    const copy = duplicate(...args);
    const evalsha = copy.evalsha.bind(copy) as (...a: unknown[]) => Promise<unknown>;
    (copy as unknown as { evalsha: (...a: unknown[]) => Promise<unknown> }).evalsha = async (...a: unknown[]) => {
      const requestedAt = Date.now();
      const pending = evalsha(...a);
      if (a[2] === gateKey) afterRequest?.();
      const result = await pending;
      // evalsha(sha, 2, gate, chatSlot, limit, window, member, holder, slotTtl, …)
      if (Number(a[1]) === 2 && a[2] === gateKey && a.length >= 9 && Number(result) === 0) {
        const member = String(a[6]);
        trace.admissions.push({ chatId: String(a[3]).split(':').at(-1)!, member, requestedAt, answeredAt: Date.now() });
        if (!trace.admittedAtOnRedis.has(member)) trace.admittedAtOnRedis.set(member, requestedAt);
      }
      return result;
    };
    return copy;
  };
}

export interface RejectionExplained {
  at: number;
  scope: RateLimitRecord['scope'];
  /** Sends the sandbox had accepted within the second before the 429. */
  acceptedInWindow: number;
  /** Those sends plus the rejected one, by admission time on Redis: first to last, ms (the gate keeps ≥ its window). */
  admissionSpanMs: number | null;
  /** Their arrivals at the sandbox: first to the rejected one, ms. */
  arrivalSpanMs: number;
  /** The largest admission→arrival delay among them, its split, and which one it was (0 = earliest arrival). */
  late: { index: number; admissionToReplySeenMs: number; replySeenToDispatchMs: number; dispatchToArrivalMs: number } | null;
}

export interface Percentiles { p50: number; p99: number; max: number }

export interface TraceSummary {
  /** Admission on Redis → this process sees the ADMIT reply, ms (event-loop pauses show here). */
  admissionToReplySeen: Percentiles;
  /** ADMIT reply seen → the HTTP call leaves, ms. */
  replySeenToDispatch: Percentiles;
  /** HTTP call leaves → the sandbox accepts it, ms. */
  dispatchToArrival: Percentiles;
  /** Admission on Redis → the sandbox accepts it, ms: what the gate's margin must cover. */
  admissionToArrival: Percentiles;
  /** Shortest span of any (cap + 1) consecutive admissions on Redis's clock (the gate's promise: ≥ its window). */
  tightestAdmissionsMs: number | null;
  /** Shortest span of any (cap + 1) consecutive accepted arrivals (the sandbox's rule: ≥ 1000). */
  tightestArrivalsMs: number | null;
  rejections: RejectionExplained[];
}

function percentiles(values: number[]): Percentiles {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? NaN;
  return { p50: at(0.5), p99: at(0.99), max: sorted.at(-1) ?? NaN };
}

function tightestSpan(times: number[], count: number): number | null {
  const sorted = [...times].sort((a, b) => a - b);
  let best: number | null = null;
  for (let i = count - 1; i < sorted.length; i += 1) {
    const span = sorted[i]! - sorted[i - count + 1]!;
    if (best === null || span < best) best = span;
  }
  return best;
}

interface Joined { arrival: number; admittedAt?: number; replySeenAt?: number; dispatchedAt?: number }

/**
 * Joins the logs per chat: a chat's sends go one at a time (its slot), so its k-th admission, k-th successful
 * dispatch and k-th accepted arrival are the same message. Chats where a send got a 429 (admitted, not
 * accepted) are left unjoined.
 */
export function summariseTrace(trace: SendTrace, perChat: Record<string, number[]>, rejected: RateLimitRecord[], globalPerSecond: number): TraceSummary {
  const byChat = <T extends { chatId: string }>(items: T[]) => {
    const map = new Map<string, T[]>();
    for (const item of items) map.set(item.chatId, [...(map.get(item.chatId) ?? []), item]);
    return map;
  };
  const onRedis = (a: Admission) => trace.admittedAtOnRedis.get(a.member);
  const admissionsByChat = byChat(trace.admissions);
  const okByChat = byChat(trace.sends.filter((s) => s.outcome === 'ok'));
  const rejectedChats = new Set(trace.sends.filter((s) => s.outcome !== 'ok').map((s) => s.chatId));
  const joined: Joined[] = [];
  for (const [chatId, arrivals] of Object.entries(perChat)) {
    const admissions = admissionsByChat.get(chatId) ?? [];
    const sends = okByChat.get(chatId) ?? [];
    const clean = !rejectedChats.has(chatId) && admissions.length === arrivals.length && sends.length === arrivals.length;
    arrivals.forEach((arrival, k) => {
      const admission = admissions[k];
      const admittedAt = admission ? onRedis(admission) : undefined;
      joined.push(clean && admission && admittedAt !== undefined
        ? { arrival, admittedAt, replySeenAt: admission.answeredAt, dispatchedAt: sends[k]!.dispatchedAt }
        : { arrival });
    });
  }
  joined.sort((a, b) => a.arrival - b.arrival);
  const complete = joined.filter((j): j is Required<Joined> => j.admittedAt !== undefined);

  const rejections = rejected.map((r): RejectionExplained => {
    const inWindow = joined.filter((j) => j.arrival > r.at - 1000 && j.arrival <= r.at);
    const own = trace.admissions.filter((a) => a.chatId === String(r.chatId) && a.answeredAt <= r.at).at(-1);
    const admitted = [...inWindow.map((j) => j.admittedAt), own ? onRedis(own) : undefined];
    const known = admitted.every((t) => t !== undefined) && admitted.length > 0;
    const delays = inWindow.map((j) => (j.admittedAt === undefined ? NaN : j.arrival - j.admittedAt));
    const maxDelay = known && delays.length > 0 ? Math.max(...delays) : NaN;
    const index = delays.indexOf(maxDelay);
    const lateOne = inWindow[index] as Required<Joined> | undefined;
    return {
      at: r.at, scope: r.scope, acceptedInWindow: inWindow.length,
      admissionSpanMs: known ? Math.max(...(admitted as number[])) - Math.min(...(admitted as number[])) : null,
      arrivalSpanMs: inWindow.length > 0 ? r.at - inWindow[0]!.arrival : 0,
      late: lateOne ? {
        index,
        admissionToReplySeenMs: lateOne.replySeenAt - lateOne.admittedAt,
        replySeenToDispatchMs: lateOne.dispatchedAt - lateOne.replySeenAt,
        dispatchToArrivalMs: lateOne.arrival - lateOne.dispatchedAt,
      } : null,
    };
  });
  return {
    admissionToReplySeen: percentiles(complete.map((j) => j.replySeenAt - j.admittedAt)),
    replySeenToDispatch: percentiles(complete.map((j) => j.dispatchedAt - j.replySeenAt)),
    dispatchToArrival: percentiles(complete.map((j) => j.arrival - j.dispatchedAt)),
    admissionToArrival: percentiles(complete.map((j) => j.arrival - j.admittedAt)),
    tightestAdmissionsMs: tightestSpan([...trace.admittedAtOnRedis.values()], globalPerSecond + 1),
    tightestArrivalsMs: tightestSpan(joined.map((j) => j.arrival), globalPerSecond + 1),
    rejections,
  };
}
