import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { testRedisUrl } from '../support/redis.js';
import { botTexts, createHarness, eventually, type Harness, intent } from './support.js';

const WORKER = fileURLToPath(new URL('./fixtures/worker.ts', import.meta.url));
const CONCURRENCY = 20;

let harness: Harness | undefined;
const children: ChildProcess[] = [];
afterEach(async () => {
  for (const child of children.splice(0)) if (child.exitCode === null) child.kill('SIGKILL');
  await harness?.close();
  harness = undefined;
});

function startWorker(h: Harness): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', WORKER], {
    env: {
      ...process.env, REDIS_URL: testRedisUrl(), PREFIX: h.prefix, API_ROOT: h.sandbox.apiRoot, BOT_TOKEN: h.sandbox.token,
      CONCURRENCY: String(CONCURRENCY), LOCK_MS: '1000', GLOBAL_PER_SECOND: '300',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  let errors = '';
  child.stderr?.on('data', (chunk: Buffer) => { errors += chunk.toString(); });
  return new Promise((resolve, reject) => {
    child.stdout?.on('data', (chunk: Buffer) => { if (chunk.toString().includes('ready')) resolve(child); });
    child.once('exit', (code) => reject(new Error(`worker exited early (${code}): ${errors.slice(-2000)}`)));
  });
}

describe('crash safety', () => {
  it('a worker SIGKILLed mid-delivery of 1,000 messages: after restart all arrive, duplicates ≤ its concurrency', async () => {
    harness = await createHarness({ limits: { globalPerSecond: 300 } });
    const { outbox, sandbox } = harness;
    const chats = await harness.addLinkedUsers(1000, 10_000);
    expect(new Set(await outbox.enqueueMany([...chats.keys()].map((b24) => intent(b24, b24))))).toEqual(new Set(['queued']));

    const first = await startWorker(harness);
    await eventually(() => sandbox.stats().sent >= 300, 20_000, '300 sends before the crash');
    first.kill('SIGKILL');
    await new Promise((r) => first.once('exit', r));
    const atCrash = sandbox.stats().sent;
    expect(atCrash).toBeLessThan(1000);

    await startWorker(harness);
    await eventually(() => [...chats.values()].every((chat) => botTexts(sandbox, chat).length >= 1), 40_000, 'every message delivered');
    await new Promise((r) => setTimeout(r, 500));
    const duplicates = sandbox.stats().sent - 1000;
    // At-least-once: only messages in flight in the killed process (at most its concurrency) may repeat.
    expect(duplicates).toBeGreaterThanOrEqual(0);
    expect(duplicates).toBeLessThanOrEqual(CONCURRENCY);
    for (const chat of chats.values()) expect(botTexts(sandbox, chat).length).toBeLessThanOrEqual(2);
    expect(await outbox.queue.getFailedCount()).toBe(0);
  }, 60_000);
});
