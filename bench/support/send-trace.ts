/**
 * Bench-only instrumentation of the outbox's send path, to explain any 429 with numbers: when each send was
 * admitted (the ADMIT script's round trip on the outbox's Redis connection), when the HTTP call left and came
 * back (a wrapper around the chat adapter), and when the sandbox saw it (its accepted-send log and its 429
 * records). All clocks are this host's wall clock (Redis, the sandbox child and this process share it).
 */
import type { Redis } from 'ioredis';
import type { ChatAdapter } from '../../src/chat/adapter.js';
import { ADMIT_SCRIPT } from '../../src/outbox/lua.js';
import type { RateLimitRecord } from '../../src/sandbox/telegram/index.js';

export interface Admission { chatId: string; requestedAt: number; answeredAt: number }
export interface SendRecord { chatId: string; dispatchedAt: number; answeredAt: number; outcome: 'ok' | '429' | 'error' }

export interface SendTrace {
  readonly admissions: Admission[];
  readonly sends: SendRecord[];
  delivered(): number;
}

export function createSendTrace(): SendTrace {
  const trace = { admissions: [] as Admission[], sends: [] as SendRecord[] };
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
 * Makes `connection.duplicate()` (the outbox's private connection) log successful ADMIT calls. The script runs
 * on Redis between requestedAt and answeredAt; its KEYS[2] (the chat slot) ends with the chat id.
 */
export function traceAdmissions(connection: Redis, trace: SendTrace): void {
  const duplicate = connection.duplicate.bind(connection);
  connection.duplicate = (...args: Parameters<Redis['duplicate']>) => {
    const copy = duplicate(...args);
    const evalsha = copy.evalsha.bind(copy) as (...a: unknown[]) => Promise<unknown>;
    (copy as unknown as { evalsha: (...a: unknown[]) => Promise<unknown> }).evalsha = async (...a: unknown[]) => {
      const requestedAt = Date.now();
      const result = await evalsha(...a);
      if (a[0] === ADMIT_SCRIPT.sha && Number(result) === 0) {
        trace.admissions.push({ chatId: String(a[3]).split(':').at(-1)!, requestedAt, answeredAt: Date.now() });
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
  /** The same sends (plus the rejected one) as the outbox admitted them: first to last admission, ms. */
  admissionSpanMs: number | null;
  /** Sandbox arrivals of those sends: first to the rejected one, ms. */
  arrivalSpanMs: number;
  /** The largest admission→arrival delay among them, and which of them it was (0 = earliest arrival). */
  maxAdmissionToArrivalMs: number | null;
  lateIndex: number | null;
}

export interface TraceSummary {
  /** Admission (Redis answered) → HTTP call leaves, ms. */
  admissionToDispatch: Percentiles;
  /** HTTP call leaves → the sandbox accepts it, ms. */
  dispatchToArrival: Percentiles;
  /** Admission (Redis answered) → the sandbox accepts it, ms. */
  admissionToArrival: Percentiles;
  /** Shortest span of any 31 consecutive admissions (the outbox's promise: ≥ 1000 + margin). */
  tightest31AdmissionsMs: number | null;
  /** Shortest span of any 31 consecutive accepted arrivals (the sandbox's rule: ≥ 1000). */
  tightest31ArrivalsMs: number | null;
  rejections: RejectionExplained[];
}

export interface Percentiles { p50: number; p99: number; max: number }

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

/**
 * Joins the three logs per chat: a chat's sends go one at a time (its slot), so its k-th admission, k-th
 * successful dispatch and k-th accepted arrival are the same message. (A send that got a 429 was admitted but
 * not accepted; those chats are joined only where the counts agree.)
 */
export function summariseTrace(trace: SendTrace, perChat: Record<string, number[]>, rejected: RateLimitRecord[], globalPerSecond: number): TraceSummary {
  const byChat = <T extends { chatId: string }>(items: T[]) => {
    const map = new Map<string, T[]>();
    for (const item of items) map.set(item.chatId, [...(map.get(item.chatId) ?? []), item]);
    return map;
  };
  const admissionsByChat = byChat(trace.admissions);
  const okByChat = byChat(trace.sends.filter((s) => s.outcome === 'ok'));
  const rejectedChats = new Set(trace.sends.filter((s) => s.outcome !== 'ok').map((s) => s.chatId));
  interface Joined { arrival: number; admittedAt?: number; dispatchedAt?: number }
  const joined: Joined[] = [];
  for (const [chatId, arrivals] of Object.entries(perChat)) {
    const admissions = admissionsByChat.get(chatId) ?? [];
    const sends = okByChat.get(chatId) ?? [];
    const clean = !rejectedChats.has(chatId) && admissions.length === arrivals.length && sends.length === arrivals.length;
    arrivals.forEach((arrival, k) => joined.push(clean
      ? { arrival, admittedAt: admissions[k]!.answeredAt, dispatchedAt: sends[k]!.dispatchedAt }
      : { arrival }));
  }
  joined.sort((a, b) => a.arrival - b.arrival);
  const complete = joined.filter((j) => j.admittedAt !== undefined && j.dispatchedAt !== undefined);
  const admissionTimes = trace.admissions.map((a) => a.answeredAt);

  const rejections = rejected.map((r): RejectionExplained => {
    const inWindow = joined.filter((j) => j.arrival > r.at - 1000 && j.arrival <= r.at);
    const own = trace.admissions.filter((a) => a.chatId === String(r.chatId) && a.answeredAt <= r.at).at(-1);
    const admitted = [...inWindow.map((j) => j.admittedAt), own?.answeredAt];
    const known = admitted.every((t) => t !== undefined);
    const delays = inWindow.map((j) => (j.admittedAt === undefined ? NaN : j.arrival - j.admittedAt));
    const maxDelay = known && delays.length > 0 ? Math.max(...delays) : null;
    return {
      at: r.at, scope: r.scope, acceptedInWindow: inWindow.length,
      admissionSpanMs: known && admitted.length > 0 ? Math.max(...(admitted as number[])) - Math.min(...(admitted as number[])) : null,
      arrivalSpanMs: inWindow.length > 0 ? r.at - inWindow[0]!.arrival : 0,
      maxAdmissionToArrivalMs: maxDelay, lateIndex: maxDelay === null ? null : delays.indexOf(maxDelay),
    };
  });
  return {
    admissionToDispatch: percentiles(complete.map((j) => j.dispatchedAt! - j.admittedAt!)),
    dispatchToArrival: percentiles(complete.map((j) => j.arrival - j.dispatchedAt!)),
    admissionToArrival: percentiles(complete.map((j) => j.arrival - j.admittedAt!)),
    tightest31AdmissionsMs: tightestSpan(admissionTimes, globalPerSecond + 1),
    tightest31ArrivalsMs: tightestSpan(joined.map((j) => j.arrival), globalPerSecond + 1),
    rejections,
  };
}
