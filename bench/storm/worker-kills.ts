/**
 * Storm: the outbox worker process SIGKILLed at random moments during a fan-out and started again each time.
 * Goal: nothing lost; duplicates bounded (a message is repeated only when it was in flight — sent to Telegram,
 * not yet recorded — in the killed process).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { createHarness, type Harness, intent } from '../../test/outbox/support.js';

const WORKER = fileURLToPath(new URL('../../test/outbox/fixtures/worker.ts', import.meta.url));

export interface WorkerKillsResult {
  messages: number;
  kills: number;
  delivered: number;
  lost: number;
  duplicated: number;
  /** Duplicates per kill, on average. */
  perKill: number;
  failed: number;
  seconds: number;
}

function startWorker(h: Harness, redisUrl: string, concurrency: number, globalPerSecond: number): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', WORKER], {
    env: {
      ...process.env, REDIS_URL: redisUrl, PREFIX: h.prefix, API_ROOT: h.sandbox.apiRoot, BOT_TOKEN: h.sandbox.token,
      CONCURRENCY: String(concurrency), LOCK_MS: '1000', GLOBAL_PER_SECOND: String(globalPerSecond),
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let errors = '';
  child.stderr?.on('data', (chunk: Buffer) => { errors += chunk.toString(); });
  return new Promise((resolve, reject) => {
    child.stdout?.on('data', (chunk: Buffer) => { if (chunk.toString().includes('ready')) resolve(child); });
    child.once('exit', (code, signal) => { if (signal !== 'SIGKILL') reject(new Error(`worker exited early (${code}): ${errors.slice(-2000)}`)); });
  });
}

export async function runWorkerKills(options: {
  redisUrl: string; messages?: number; chats?: number; kills?: number; concurrency?: number; globalPerSecond?: number; seed?: number;
}): Promise<WorkerKillsResult> {
  const messages = options.messages ?? 2_000;
  const chatsCount = options.chats ?? 200;
  const kills = options.kills ?? 10;
  const concurrency = options.concurrency ?? 8;
  const globalPerSecond = options.globalPerSecond ?? 30;
  let seed = options.seed ?? 11;
  const random = () => { seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648; return seed / 2_147_483_648; };

  const harness = await createHarness({ limits: { globalPerSecond } });
  const started = Date.now();
  try {
    const chats = [...(await harness.addLinkedUsers(chatsCount, 50_000)).entries()];
    const perChat = Math.ceil(messages / chatsCount);
    // One kind per message of a person, so nothing folds into a digest: every message is sent on its own.
    const intents = Array.from({ length: messages }, (_, n) => {
      const [b24] = chats[n % chatsCount]!;
      return intent(b24, n, { kind: `storm.k${Math.floor(n / chatsCount) % perChat}` });
    });
    await harness.outbox.enqueueMany(intents);
    const sent = () => harness.sandbox.stats().sent;

    let worker = await startWorker(harness, options.redisUrl, concurrency, globalPerSecond);
    let killed = 0;
    // Kill at random moments spread over the expected run (messages / rate seconds).
    const runMs = (messages / globalPerSecond) * 1000;
    for (let k = 0; k < kills && sent() < messages; k++) {
      await new Promise((resolve) => setTimeout(resolve, (runMs / (kills + 1)) * (0.5 + random())));
      const exited = new Promise((resolve) => worker.once('exit', resolve));
      worker.kill('SIGKILL');
      await exited;
      killed++;
      worker = await startWorker(harness, options.redisUrl, concurrency, globalPerSecond);
    }
    const deadline = Date.now() + runMs * 3 + 60_000;
    const uniqueDelivered = () => chats.reduce((n, [, chat]) => n + new Set(harness.sandbox.transcript(chat)
      .filter((e) => e.direction === 'bot').map((e) => e.text)).size, 0);
    while (uniqueDelivered() < messages && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 250));
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    const delivered = uniqueDelivered();
    const duplicated = sent() - delivered;
    const failed = await harness.outbox.queue.getFailedCount();
    worker.kill('SIGKILL');
    return { messages, kills: killed, delivered, lost: messages - delivered, duplicated, perKill: killed > 0 ? duplicated / killed : 0, failed, seconds: (Date.now() - started) / 1000 };
  } finally {
    await harness.close();
  }
}
