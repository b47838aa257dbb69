/**
 * Bitrix24 chat delivery cost: 100 morning digests to 100 people whose channel is Bitrix24 chat, through the real
 * outbox, the sandbox portal and the shared budget at the real 2 requests/s. Before: one REST request per message
 * (B24_CHAT_BATCH=1); after: messages due together share `batch` requests (default, up to 50 per request).
 * Figures: portal requests and wall time until every digest is in its person's chat.
 *
 * Run: npx tsx bench/imbot-batch.ts
 */
import { pathToFileURL } from 'node:url';
import { imbotOf } from '@dealpilot/sandbox/bitrix/imbot';
import { startSandboxEnvironment } from '../src/demo/environment.js';

const DIGESTS = 100;

async function run(batch: number): Promise<{ requests: number; seconds: number; delivered: number }> {
  const env = await startSandboxEnvironment({ bitrixChat: true, telegramLimits: { perChatIntervalMs: 0 }, extraEnv: { B24_CHAT_BATCH: String(batch) }, logLevel: 'error' });
  try {
    // Everyone of the demo company with chat as their channel, several digests each until there are 100.
    const people = env.bitrix.store.listUsers().filter((u) => u.ACTIVE && u.ID !== 1).map((u) => u.ID);
    for (const id of people) await env.app.store.setPreferences(id, { channel: 'bitrix24', quietStart: '00:00', quietEnd: '00:00', weekendsOff: false });
    await new Promise((r) => setTimeout(r, 21_000)); // a full budget (40 at 2/s) for both runs
    const before = env.bitrix.requestCount();
    const started = performance.now();
    await env.app.outbox.enqueueMany(Array.from({ length: DIGESTS }, (_, n) => {
      const recipient = people[n % people.length]!;
      return {
        recipient, kind: `report.digest.${Math.floor(n / people.length)}`, entity: { type: 'deal' as const, id: n }, key: `bench-digest:${n}`, urgent: true,
        message: { ru: { text: `**Сводка** #${n}` }, en: { text: `**Digest** #${n}` } },
      };
    }));
    const chat = imbotOf(env.bitrix.store);
    const delivered = () => people.reduce((sum, id) => sum + chat.transcript(id).filter((e) => e.from === 'bot' && e.text.includes('Сводка')).length, 0);
    const deadline = Date.now() + 180_000;
    while (delivered() < DIGESTS && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    return { requests: env.bitrix.requestCount() - before, seconds: (performance.now() - started) / 1000, delivered: delivered() };
  } finally {
    await env.stop();
  }
}

export async function runImbotBatchBench(): Promise<Record<string, unknown>> {
  const before = await run(1);
  const after = await run(50);
  const rows = { 'one request per message': before, 'batched (up to 50)': after };
  for (const [label, r] of Object.entries(rows)) {
    process.stdout.write(`${label.padEnd(26)} ${String(r.delivered).padStart(3)} digests  ${String(r.requests).padStart(4)} requests  ${r.seconds.toFixed(1).padStart(6)} s\n`);
  }
  process.stdout.write(`ratio: ${(before.requests / Math.max(1, after.requests)).toFixed(1)}× fewer requests, ${(before.seconds / after.seconds).toFixed(1)}× faster\n`);
  return rows;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  await runImbotBatchBench();
  process.exit(0);
}
