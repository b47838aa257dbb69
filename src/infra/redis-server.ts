import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A private redis-server process, used by the demo and the test suite (never touches port 6379 data). */
export interface LocalRedis {
  url: string;
  port: number;
  stop(): Promise<void>;
  /** Stops the process (SIGSTOP): connections stay open and nothing answers, as in a network partition. */
  freeze(): void;
  thaw(): void;
  /** Kills it (SIGKILL) and starts it again on the same port and directory: an AOF-backed server reloads its data. */
  restart(): Promise<void>;
}

export function redisServerAvailable(): boolean {
  const probe = spawnSync('redis-server', ['--version'], { stdio: 'ignore' });
  return probe.status === 0;
}

export async function freePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, host, () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/**
 * Starts redis-server on a free loopback port in a throw-away directory; resolves once it accepts commands.
 * `appendonly`: persist with AOF `appendfsync everysec`, as docker-compose.yml runs it (restart() then keeps data).
 */
export async function startLocalRedis(options: { appendonly?: boolean } = {}): Promise<LocalRedis> {
  if (!redisServerAvailable()) {
    throw new Error(
      'redis-server was not found on PATH. Install it (Debian/Ubuntu: sudo apt-get install redis-server), ' +
        'run `docker compose up redis`, or set REDIS_URL to a running Redis 6.2+.',
    );
  }
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'dealpilot-redis-'));
  const args = ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '',
    '--appendonly', options.appendonly ? 'yes' : 'no', ...(options.appendonly ? ['--appendfsync', 'everysec'] : []),
    '--maxmemory-policy', 'noeviction', '--protected-mode', 'yes'];
  let child = await launch(args, port);
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    freeze: () => void child.kill('SIGSTOP'),
    thaw: () => void child.kill('SIGCONT'),
    async restart() {
      await new Promise<void>((resolve) => {
        child.once('exit', () => resolve());
        child.kill('SIGKILL');
      });
      child = await launch(args, port);
    },
    async stop() {
      if (child.exitCode === null) {
        await new Promise<void>((resolve) => {
          child.once('exit', () => resolve());
          child.kill('SIGCONT'); // a frozen server would never see the SIGTERM
          child.kill('SIGTERM');
        });
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

async function launch(args: string[], port: number): Promise<ChildProcess> {
  const child = spawn('redis-server', args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => { output += chunk.toString(); });
  child.stderr?.on('data', (chunk: Buffer) => { output += chunk.toString(); });
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`redis-server did not start on port ${port}: ${output.slice(-500)}`)), 10_000);
    const check = setInterval(() => {
      if (output.includes('Ready to accept connections')) {
        clearTimeout(timer);
        clearInterval(check);
        resolve();
      }
    }, 20);
    child.once('exit', (code) => {
      clearTimeout(timer);
      clearInterval(check);
      reject(new Error(`redis-server exited with code ${code}: ${output.slice(-500)}`));
    });
  });
  child.removeAllListeners('exit');
  return child;
}
