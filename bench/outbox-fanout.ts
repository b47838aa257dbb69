/**
 * Fan-out benchmark: N messages to U sandbox users with the sandbox enforcing Telegram's limits (30 msg/s per
 * bot, 1 msg/s per chat). Measures the outbox against the 30/s cap, and, in the same run, a naive sender
 * (grammY + @grammyjs/auto-retry, 30 requests in parallel) for comparison.
 *
 *   npx tsx bench/outbox-fanout.ts [--messages 10000] [--users 2000] [--outbox-only]
 *   (10,000 messages take ~6 minutes per sender)
 */
import { pathToFileURL } from 'node:url';
import { autoRetry } from '@grammyjs/auto-retry';
import { Api } from 'grammy';
import { Redis } from 'ioredis';
import { createTelegramAdapter, createTelegramApi } from '../src/chat/telegram.js';
import { createIdentityStore } from '../src/identity/store.js';
import { silentLogger } from '../src/log.js';
import { createOutbox, type NotificationIntent } from '../src/outbox/index.js';
import { startLocalRedis } from '../src/infra/redis-server.js';
import { startTelegramSandbox, type TelegramSandbox } from '../src/sandbox/telegram/index.js';

const CAP_PER_SECOND = 30;

export interface FanoutResult {
  sender: string;
  messages: number;
  delivered: number;
  seconds: number;
  perSecond: number;
  shareOfCap: number;
  rateLimited429: number;
  maxPerChatPerSecond: number;
}

export interface FanoutOptions {
  messages?: number;
  users?: number;
  /** Skip the naive sender (it is there for comparison only). */
  skipNaive?: boolean;
}

function summarise(sender: string, sandbox: TelegramSandbox, messages: number): FanoutResult {
  const stats = sandbox.stats();
  const times = Object.values(stats.perChat).flat().sort((a, b) => a - b);
  const seconds = times.length > 1 ? (times[times.length - 1]! - times[0]!) / 1000 : 0;
  // n sends span n-1 gaps: the rate is gaps per second.
  const perSecond = seconds > 0 ? (times.length - 1) / seconds : 0;
  return {
    sender, messages, delivered: stats.sent, seconds: Math.round(seconds * 10) / 10, perSecond: Math.round(perSecond * 100) / 100,
    shareOfCap: Math.round((perSecond / CAP_PER_SECOND) * 1000) / 10, rateLimited429: stats.rateLimited429,
    maxPerChatPerSecond: stats.maxPerChatPerSecond,
  };
}

function recipients(users: number, messages: number): number[] {
  // Round-robin: user i gets messages i, i + users, … (5 each for 10,000 over 2,000).
  return Array.from({ length: messages }, (_, i) => i % users);
}

async function runOutbox(redisUrl: string, messages: number, users: number): Promise<FanoutResult> {
  const sandbox = await startTelegramSandbox();
  const redis = new Redis(redisUrl, { maxRetriesPerRequest: null });
  const prefix = `bench-${Date.now()}`;
  const identity = createIdentityStore(redis, prefix);
  const chatOf: number[] = [];
  for (let u = 0; u < users; u++) {
    const user = sandbox.addUser({ firstName: `User${u}` });
    await identity.link(100_000 + u, user.id, String(user.id));
    chatOf.push(user.id);
  }
  const outbox = createOutbox({
    connection: redis, prefix, log: silentLogger(),
    adapters: { telegram: createTelegramAdapter(createTelegramApi(sandbox.token, sandbox.apiRoot)) },
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
  const worker = outbox.startWorker({ concurrency: 50 });
  while (sandbox.stats().sent < messages) await new Promise((r) => setTimeout(r, 200));
  const result = summarise('outbox (BullMQ, paced)', sandbox, messages);
  await worker.close(5000);
  await outbox.close();
  redis.disconnect();
  await sandbox.close();
  return result;
}

async function runNaive(messages: number, users: number): Promise<FanoutResult> {
  const sandbox = await startTelegramSandbox();
  const chatOf = Array.from({ length: users }, (_, u) => sandbox.addUser({ firstName: `User${u}` }).id);
  const api = new Api(sandbox.token, { apiRoot: sandbox.apiRoot });
  api.config.use(autoRetry({ maxRetryAttempts: 10, maxDelaySeconds: 60 }));
  const queue = recipients(users, messages).map((u, i) => ({ chatId: chatOf[u]!, text: `Message ${i}` }));
  let next = 0;
  // 30 in parallel: a common "send to everyone" loop that relies on auto-retry to absorb 429s.
  await Promise.all(Array.from({ length: 30 }, async () => {
    while (next < queue.length) {
      const item = queue[next++]!;
      await api.sendMessage(item.chatId, item.text).catch(() => undefined);
    }
  }));
  const result = summarise('naive grammY + auto-retry', sandbox, messages);
  await sandbox.close();
  return result;
}

export async function runOutboxFanoutBench(options: FanoutOptions = {}): Promise<FanoutResult[]> {
  const messages = options.messages ?? 10_000;
  const users = Math.min(options.users ?? 2000, messages);
  const local = process.env.REDIS_URL ? undefined : await startLocalRedis();
  const redisUrl = process.env.REDIS_URL ?? local!.url;
  try {
    const results = [await runOutbox(redisUrl, messages, users)];
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
  runOutboxFanoutBench({ ...(messages ? { messages } : {}), ...(users ? { users } : {}), skipNaive: process.argv.includes('--outbox-only') }).then((results) => {
    console.table(results);
    process.exit(0);
  }, (error: unknown) => {
    console.error(error);
    process.exit(1);
  });
}
