/**
 * Runs a Telegram sandbox alone in its own process, so the process under test cannot stall it (and it cannot
 * stall the process under test). Prints one JSON line `{apiRoot, token}` once listening; answers a line
 * `loop` on stdin with its event-loop delay figures since the previous `loop` (one JSON line); exits when stdin closes or on SIGTERM.
 *
 *   npx tsx bench/support/telegram-sandbox-child.ts
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { createInterface } from 'node:readline';
import { startTelegramSandbox } from '@dealpilot/sandbox/telegram';

const loopDelay = monitorEventLoopDelay({ resolution: 10 });
loopDelay.enable();
const sandbox = await startTelegramSandbox();
process.stdout.write(`${JSON.stringify({ apiRoot: sandbox.apiRoot, token: sandbox.token })}\n`);

let closing = false;
async function shutdown(): Promise<void> {
  if (closing) return;
  closing = true;
  await sandbox.close();
  process.exit(0);
}

const lines = createInterface({ input: process.stdin });
lines.on('line', (line) => {
  if (line.trim() !== 'loop') return;
  const ms = (ns: number) => Math.round(ns / 1e4) / 100;
  process.stdout.write(`${JSON.stringify({ loopDelayMs: { p99: ms(loopDelay.percentile(99)), max: ms(loopDelay.max) } })}\n`);
  loopDelay.reset();
});
lines.on('close', () => void shutdown());
process.on('SIGTERM', () => void shutdown());
