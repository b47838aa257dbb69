/**
 * Fan-out benchmark: N messages to U sandbox users with the sandbox enforcing Telegram's limits (30 msg/s per
 * bot, 1 msg/s per chat). Measures the outbox against the 30/s cap, and, in the same run, a naive sender
 * (grammY + @grammyjs/auto-retry, 30 requests in parallel) for comparison.
 *
 * The sandbox runs in a child process (bench/support/telegram-sandbox-child.ts), as Telegram would: pauses of
 * the sending process (GC, Lua round trips) must not delay or bunch the messenger's own clock.
 *
 *   npx tsx bench/outbox-fanout.ts [--messages 10000] [--users 2000] [--outbox-only] [--trace] [--stall-ms 0]
 *   (10,000 messages take ~6 minutes per sender; --trace prints where the outbox's sends spent their time
 *   and, for every 429, how the sends in the second before it were admitted and when they arrived;
 *   --stall-ms N blocks the sending process for N ms about once a second right after an admission, like a
 *   GC pause at the worst moment)
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import type { TelegramSandboxClient } from '@dealpilot/sandbox/telegram';
import { autoRetry } from '@grammyjs/auto-retry';
import { Api } from 'grammy';
import { Redis } from 'ioredis';
import { createIdentityStore } from '../src/identity/store.js';
import { silentLogger } from '../src/infra/log.js';
import { startLocalRedis } from '../src/infra/redis-server.js';
import { createTelegramAdapter, createTelegramApi } from '../src/messengers/telegram/adapter.js';
import { createOutbox, type NotificationIntent } from '../src/outbox/index.js';
import { outboxKeys } from '../src/outbox/keys.js';
import { type SandboxProcess, startSandboxProcess } from './support/sandbox-process.js';
import { createSendTrace, sampleGateLog, summariseTrace, type TraceSummary, traceAdmissions, tracingAdapter } from './support/send-trace.js';

const CAP_PER_SECOND = 30;
const ADD_USERS_IN_PARALLEL = 50;

export interface FanoutResult {
  sender: string;
  messages: number;
  delivered: number;
  seconds: number;
  perSecond: number;
  shareOfCap: number;
  rateLimited429: number;
  maxPerChatPerSecond: number;
  /** Event-loop delay of the sending process and of the sandbox process during the run (max, ms). */
  senderLoopMaxMs: number;
  sandboxLoopMaxMs: number;
}

export interface FanoutOptions {
  messages?: number;
  users?: number;
  /** Skip the naive sender (it is there for comparison only). */
  skipNaive?: boolean;
  /** Receives the outbox run's send-path timings and the explanation of each 429. */
  onTrace?: (summary: TraceSummary) => void;
  /**
   * Blocks the sending process for this long about once a second during the outbox run, right after an
   * admission request went to Redis, as a GC pause could (0: off). Shows whether pacing holds through it.
   */
  stallMs?: number;
}

/**
 * A hook that busy-waits `ms` at most about once a second: run right after an admission request is issued,
 * it stands for a GC pause that strikes between the admission on Redis and the send it allows — the worst
 * moment for pacing.
 */
function stallHook(ms: number): (() => void) | undefined {
  if (ms <= 0) return undefined;
  let next = Date.now() + 1000;
  return () => {
    if (Date.now() < next) return;
    const until = Date.now() + ms;
    while (Date.now() < until) { /* the stall itself */ }
    next = Date.now() + 500 + Math.random() * 1000;
  };
}

async function summarise(sender: string, sandbox: SandboxProcess, messages: number, senderLoopMaxMs: number) {
  // Loop figures first: answering stats (every send's timestamp) is itself a long task for the sandbox.
  const sandboxLoopMaxMs = (await sandbox.loopDelay()).max;
  const stats = await sandbox.control.stats();
  const times = Object.values(stats.perChat).flat().sort((a, b) => a - b);
  const seconds = times.length > 1 ? (times[times.length - 1]! - times[0]!) / 1000 : 0;
  // n sends span n-1 gaps: the rate is gaps per second.
  const perSecond = seconds > 0 ? (times.length - 1) / seconds : 0;
  const result: FanoutResult = {
    sender, messages, delivered: stats.sent, seconds: Math.round(seconds * 10) / 10, perSecond: Math.round(perSecond * 100) / 100,
    shareOfCap: Math.round((perSecond / CAP_PER_SECOND) * 1000) / 10, rateLimited429: stats.rateLimited429,
    maxPerChatPerSecond: stats.maxPerChatPerSecond,
    senderLoopMaxMs, sandboxLoopMaxMs,
  };
  return { result, stats };
}

function recipients(users: number, messages: number): number[] {
  // Round-robin: user i gets messages i, i + users, … (5 each for 10,000 over 2,000).
  return Array.from({ length: messages }, (_, i) => i % users);
}

async function addUsers(control: TelegramSandboxClient, users: number): Promise<number[]> {
  const ids: number[] = [];
  for (let u = 0; u < users; u += ADD_USERS_IN_PARALLEL) {
    const batch = Array.from({ length: Math.min(ADD_USERS_IN_PARALLEL, users - u) }, (_, i) => control.addUser({ firstName: `User${u + i}` }));
    ids.push(...(await Promise.all(batch)).map((user) => user.id));
  }
  return ids;
}

/** Max event-loop delay of this process while `run` runs (ms). */
async function measuringLoop<T>(run: () => Promise<T>): Promise<{ value: T; loopMaxMs: number }> {
  const histogram = monitorEventLoopDelay({ resolution: 10 });
  histogram.enable();
  try {
    const value = await run();
    return { value, loopMaxMs: Math.round(histogram.max / 1e4) / 100 };
  } finally {
    histogram.disable();
  }
}

async function runOutbox(redisUrl: string, messages: number, users: number, options: FanoutOptions): Promise<FanoutResult> {
  const sandbox = await startSandboxProcess();
  const redis = new Redis(redisUrl, { maxRetriesPerRequest: null });
  try {
    const prefix = `bench-${Date.now()}`;
    const identity = createIdentityStore(redis, prefix);
    const chatOf = await addUsers(sandbox.control, users);
    for (const [u, chatId] of chatOf.entries()) await identity.link(100_000 + u, chatId, String(chatId));
    const trace = createSendTrace();
    traceAdmissions(redis, outboxKeys(prefix).gate, trace, stallHook(options.stallMs ?? 0));
    const outbox = createOutbox({
      connection: redis, prefix, log: silentLogger(),
      adapters: { telegram: tracingAdapter(createTelegramAdapter(createTelegramApi(sandbox.token, sandbox.apiRoot)), trace) },
      identity, fallbackNotify: async () => undefined, supervisorOf: async () => null,
      settings: {
        timezone: 'Europe/Moscow',
        // No quiet hours: the benchmark measures pacing, not the calendar.
        workingHours: { start: '09:00', end: '18:00', days: [1, 2, 3, 4, 5, 6, 7], quietStart: '00:00', quietEnd: '00:00', holidays: [] },
        digestThreshold: 5, urgentKinds: [], perChatIntervalMs: 1000, globalPerSecond: CAP_PER_SECOND, attempts: 5,
        sentRecordTtlSeconds: 3600,
      },
    });
    const intents: NotificationIntent[] = recipients(users, messages).map((u, i) => ({
      recipient: 100_000 + u, kind: 'bench', entity: { type: 'deal', id: i }, key: `bench:${i}`,
      message: { ru: { text: `Сообщение ${i}` }, en: { text: `Message ${i}` } },
    }));
    for (let i = 0; i < intents.length; i += 1000) await outbox.enqueueMany(intents.slice(i, i + 1000));
    await sandbox.loopDelay(); // from here on: the sandbox's loop during the sends only
    const sampler = redis.duplicate();
    const stopSampling = sampleGateLog(sampler, outboxKeys(prefix).gate, trace);
    const { loopMaxMs } = await measuringLoop(async () => {
      const worker = outbox.startWorker({ concurrency: 50 });
      // Progress comes from this process's own log of answers: polling the sandbox would load its event loop.
      while (trace.delivered() < messages) await new Promise((r) => setTimeout(r, 200));
      await worker.close(5000);
    });
    await stopSampling();
    sampler.disconnect();
    await outbox.close();
    const { result, stats } = await summarise('outbox (BullMQ, paced)', sandbox, messages, loopMaxMs);
    options.onTrace?.(summariseTrace(trace, stats.perChat, stats.rateLimited, CAP_PER_SECOND));
    return result;
  } finally {
    redis.disconnect();
    await sandbox.stop();
  }
}

async function runNaive(messages: number, users: number): Promise<FanoutResult> {
  const sandbox = await startSandboxProcess();
  try {
    const chatOf = await addUsers(sandbox.control, users);
    const api = new Api(sandbox.token, { apiRoot: sandbox.apiRoot });
    api.config.use(autoRetry({ maxRetryAttempts: 10, maxDelaySeconds: 60 }));
    const queue = recipients(users, messages).map((u, i) => ({ chatId: chatOf[u]!, text: `Message ${i}` }));
    let next = 0;
    await sandbox.loopDelay();
    const { loopMaxMs } = await measuringLoop(() => Promise.all(Array.from({ length: 30 }, async () => {
      // 30 in parallel: a common "send to everyone" loop that relies on auto-retry to absorb 429s.
      while (next < queue.length) {
        const item = queue[next++]!;
        await api.sendMessage(item.chatId, item.text).catch(() => undefined);
      }
    })));
    return (await summarise('naive grammY + auto-retry', sandbox, messages, loopMaxMs)).result;
  } finally {
    await sandbox.stop();
  }
}

export async function runOutboxFanoutBench(options: FanoutOptions = {}): Promise<FanoutResult[]> {
  const messages = options.messages ?? 10_000;
  const users = Math.min(options.users ?? 2000, messages);
  const local = process.env.REDIS_URL ? undefined : await startLocalRedis();
  const redisUrl = process.env.REDIS_URL ?? local!.url;
  try {
    const results = [await runOutbox(redisUrl, messages, users, options)];
    if (!options.skipNaive) results.push(await runNaive(messages, users));
    return results;
  } finally {
    await local?.stop();
  }
}

function flag(name: string): number | undefined {
  const index = process.argv.indexOf(`--${name}`);
  const value = index >= 0 ? Number(process.argv[index + 1]) : NaN;
  return Number.isFinite(value) && value > 0 ? value : undefined;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const messages = flag('messages');
  const users = flag('users');
  const stallMs = flag('stall-ms');
  const onTrace = process.argv.includes('--trace')
    ? (summary: TraceSummary) => console.log(JSON.stringify(summary, null, 1).replace(/\n\s*(?=[^\s{"])/g, ' '))
    : undefined;
  runOutboxFanoutBench({
    ...(messages ? { messages } : {}), ...(users ? { users } : {}), skipNaive: process.argv.includes('--outbox-only'),
    ...(onTrace ? { onTrace } : {}), ...(stallMs ? { stallMs } : {}),
  }).then((results) => {
    console.table(results);
    process.exit(0);
  }, (error: unknown) => {
    console.error(error);
    process.exit(1);
  });
}
