import { type ChildProcessByStdio, spawn } from 'node:child_process';
import { createInterface, type Interface } from 'node:readline';
import type { Readable, Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { connectTelegramSandbox, type TelegramSandboxClient } from '@dealpilot/sandbox/telegram';

const CHILD_SCRIPT = fileURLToPath(new URL('./telegram-sandbox-child.ts', import.meta.url));
const START_TIMEOUT_MS = 30_000;

/** A Telegram sandbox in a child process: Bot API at `apiRoot`, driven through the HTTP control client. */
export interface SandboxProcess {
  readonly apiRoot: string;
  readonly token: string;
  readonly control: TelegramSandboxClient;
  /** The child's event-loop delay (p99 and max, ms) since the previous call (or its start). */
  loopDelay(): Promise<{ p99: number; max: number }>;
  stop(): Promise<void>;
}

function nextLine(lines: Interface, child: ChildProcessByStdio<Writable, Readable, Readable>, what: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => done(new Error(`telegram sandbox child: no ${what} within ${START_TIMEOUT_MS} ms`)), START_TIMEOUT_MS);
    const onLine = (line: string) => done(undefined, line);
    const onExit = (code: number | null) => done(new Error(`telegram sandbox child exited (${code}) before ${what}`));
    function done(error: Error | undefined, line?: string) {
      clearTimeout(timer);
      lines.off('line', onLine);
      child.off('exit', onExit);
      if (error) reject(error);
      else resolve(line!);
    }
    lines.once('line', onLine);
    child.once('exit', onExit);
  });
}

/** Starts the sandbox child (`npx tsx telegram-sandbox-child.ts`) and waits for its address line. */
export async function startSandboxProcess(): Promise<SandboxProcess> {
  const child = spawn('npx', ['tsx', CHILD_SCRIPT], { stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => { stderr = (stderr + chunk.toString()).slice(-4000); });
  const lines = createInterface({ input: child.stdout });
  let first: string;
  try {
    first = await nextLine(lines, child, 'address');
  } catch (error) {
    child.kill('SIGTERM');
    throw new Error(`${(error as Error).message}\n${stderr}`);
  }
  const { apiRoot, token } = JSON.parse(first) as { apiRoot: string; token: string };
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return {
    apiRoot,
    token,
    control: connectTelegramSandbox(apiRoot),
    async loopDelay() {
      const answer = nextLine(lines, child, 'loop figures');
      child.stdin.write('loop\n');
      return (JSON.parse(await answer) as { loopDelayMs: { p99: number; max: number } }).loopDelayMs;
    },
    async stop() {
      // Closing stdin asks the child to close its server and exit; `npx` passes the exit on.
      child.stdin.end();
      const timer = setTimeout(() => child.kill('SIGTERM'), 5000);
      await exited;
      clearTimeout(timer);
    },
  };
}
