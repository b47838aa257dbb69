/**
 * Storm: bad input at every HTTP endpoint. Random and mutated bodies, headers, methods and query strings against
 * the real app (webhook mode for Telegram and the Bitrix24 chat bot, so every endpoint is mounted) in front of the
 * sandboxes. Goal: no answer in the 5xx range, the process alive, nothing written to the portal or sent to
 * Telegram, no secret in any answer or log line.
 */
import { Writable } from 'node:stream';
import { isWriteMethod } from '@dealpilot/sandbox/bitrix/methods';
import { SANDBOX_BOT_APPLICATION_TOKEN, SANDBOX_BOT_TOKEN, type SandboxEnvironment, startSandboxEnvironment } from '../../src/demo/environment.js';
import { createLogger } from '../../src/infra/log.js';

export interface HttpFuzzResult {
  requests: number;
  byStatus: Record<string, number>;
  serverErrors: number;
  /** Answers or log lines that contained a secret. */
  leaks: number;
  portalWrites: number;
  telegramSends: number;
  alive: boolean;
  seconds: number;
  /** A few failing requests, to reproduce them. */
  samples: string[];
}

const WEBHOOK_SECRET = 'fuzz-webhook-secret-0123456789';
const APPLICATION_TOKEN = 'sandbox-application-token';
const PATHS = ['/telegram/webhook', '/b24/events', '/b24/bot', '/healthz', '/readyz', '/metrics', '/admin/queues', '/admin/queues/api/queues', '/', '/nowhere', '/b24', '/telegram'];
const METHODS = ['POST', 'POST', 'POST', 'GET', 'PUT', 'DELETE', 'PATCH', 'OPTIONS', 'HEAD'];
const TYPES = ['application/json', 'application/x-www-form-urlencoded', 'text/plain', 'multipart/form-data; boundary=x',
  'application/json; charset=utf-16', 'application/json; charset=klingon', 'application/octet-stream', ''];

/** Valid-looking payloads the mutations start from. */
const SEEDS = [
  JSON.stringify({ update_id: 1, message: { message_id: 1, date: 1, chat: { id: 100010, type: 'private' }, from: { id: 100010, is_bot: false, first_name: 'A' }, text: '/start' } }),
  JSON.stringify({ update_id: 2, callback_query: { id: 'q', from: { id: 100010, is_bot: false, first_name: 'A' }, chat_instance: 'c', data: '1|dm|1|NEW' } }),
  // Tokens near the real ones (one character off), never the real ones: a request with the right token and a
  // well-formed event is genuine work, not bad input.
  `event=ONCRMDEALUPDATE&data[FIELDS][ID]=42&auth[application_token]=${APPLICATION_TOKEN.slice(0, -1)}x`,
  'event=ONCRMLEADADD&data[FIELDS][ID]=7&auth[application_token]=wrong',
  `event=ONIMBOTV2COMMANDADD&data[bot][id]=1&data[command][command]=/help&auth[application_token]=${SANDBOX_BOT_APPLICATION_TOKEN.slice(0, -1)}x`,
  'a[b][c][d][e][f][g][h][i][j][k][l][m][n][o][p][q][r][s][t][u][v][w][x][y][z]=1',
  `${'a[]=1&'.repeat(2000)}x=1`,
];

function mutate(seed: string, rng: () => number): string {
  const chars = [...seed];
  const n = Math.floor(rng() * 6);
  for (let i = 0; i < n; i++) {
    const at = Math.floor(rng() * (chars.length + 1));
    const op = rng();
    if (op < 0.33) chars.splice(at, 1);
    else if (op < 0.66) chars.splice(at, 0, String.fromCharCode(Math.floor(rng() * 0x3000)));
    else chars.splice(at, Math.floor(rng() * 20), ...'{"[&=%'.charAt(Math.floor(rng() * 6)));
  }
  return chars.join('');
}

export async function runHttpFuzz(options: { requests?: number; seed?: number; concurrency?: number } = {}): Promise<HttpFuzzResult> {
  const total = options.requests ?? 100_000;
  const lines: string[] = [];
  const destination = new Writable({ write(chunk: Buffer, _e, done) { lines.push(chunk.toString()); done(); } });
  const env: SandboxEnvironment = await startSandboxEnvironment({
    log: createLogger({ level: 'info', destination }), bitrixChat: 'webhook', bitrixRateLimit: { enabled: false },
    extraEnv: { TELEGRAM_WEBHOOK_SECRET: WEBHOOK_SECRET, ADMIN_USER: 'admin', ADMIN_PASSWORD: 'fuzz-admin-password' },
  });
  const secrets = [env.telegram.token, env.telegram.token.split(':')[1]!, new URL(env.bitrix.webhookUrl).pathname.split('/')[3]!,
    APPLICATION_TOKEN, SANDBOX_BOT_TOKEN, SANDBOX_BOT_APPLICATION_TOKEN, WEBHOOK_SECRET, 'fuzz-admin-password'];
  const base = `http://127.0.0.1:${env.app.httpPort}`;
  const writesBefore = env.bitrix.callLog.filter((c) => isWriteMethod(c.method)).length;
  const sentBefore = env.telegram.stats().sent ?? 0;
  const byStatus: Record<string, number> = {};
  let leaks = 0;
  const samples: string[] = [];
  const rng = mulberry(options.seed ?? 42);
  const started = Date.now();

  async function one(i: number): Promise<void> {
    const path = PATHS[Math.floor(rng() * PATHS.length)]!;
    const method = METHODS[Math.floor(rng() * METHODS.length)]!;
    const seed = SEEDS[Math.floor(rng() * SEEDS.length)]!;
    const headers: Record<string, string> = {};
    const type = TYPES[Math.floor(rng() * TYPES.length)]!;
    if (type) headers['content-type'] = type;
    // With the real webhook secret only bodies that cannot be an update (random bytes, JSON that is no object).
    const realSecret = rng() < 0.25;
    if (realSecret) headers['x-telegram-bot-api-secret-token'] = WEBHOOK_SECRET;
    else if (rng() < 0.5) headers['x-telegram-bot-api-secret-token'] = headerValue(mutate(`${WEBHOOK_SECRET}!`, rng));
    const randomBytes = () => Buffer.from(Array.from({ length: 1 + Math.floor(rng() * 4096) }, () => Math.floor(rng() * 256)));
    const body = realSecret
      ? (rng() < 0.5 ? randomBytes() : JSON.stringify([mutate(seed, rng), rng(), null]))
      : rng() < 0.15 ? randomBytes() : rng() < 0.02 ? Buffer.alloc(300 * 1024, 0x61) : mutate(seed, rng);
    if (rng() < 0.2) headers.authorization = rng() < 0.5 ? `Basic ${Buffer.from(mutate('admin:fuzz-admin-password', rng)).toString('base64')}` : headerValue(mutate('Basic YWRtaW46', rng));
    if (rng() < 0.1) headers['x-fuzz'] = mutate('x'.repeat(Math.floor(rng() * 2000)), rng).replace(/[^\x20-\x7e]/g, '');
    const query = rng() < 0.3 ? `?${encodeURIComponent(mutate('a=1&b[c]=2&<script>=x', rng))}` : '';
    try {
      const res = await fetch(`${base}${path}${query}`, {
        method, headers, ...(method === 'GET' || method === 'HEAD' ? {} : { body }),
      });
      const text = method === 'HEAD' ? '' : await res.text();
      byStatus[res.status] = (byStatus[res.status] ?? 0) + 1;
      if (res.status >= 500 && samples.length < 10) samples.push(`${res.status} ${method} ${path}${query} [${type}] ${text.slice(0, 80)} :: ${String(body).slice(0, 80)}`);
      if (secrets.some((s) => text.includes(s))) leaks++;
    } catch (error) {
      byStatus.network = (byStatus.network ?? 0) + 1;
      if (samples.length < 10) samples.push(`network ${method} ${path} [${type}]: ${(error as Error).message} ${String((error as { cause?: unknown }).cause ?? '')}`);
    }
    if (i % 1000 === 0 && process.env.FUZZ_PROGRESS) process.stderr.write(`${i}\n`);
  }

  const concurrency = options.concurrency ?? 16;
  let next = 0;
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (next < total) await one(next++);
  }));
  const alive = (await fetch(`${base}/healthz`).then((r) => r.status, () => 0)) === 200;
  // Let event jobs and handlers that a valid-looking request may have started settle before counting writes.
  await new Promise((resolve) => setTimeout(resolve, 1_000));
  const portalWrites = env.bitrix.callLog.filter((c) => isWriteMethod(c.method)).length - writesBefore;
  const telegramSends = (env.telegram.stats().sent ?? 0) - sentBefore;
  leaks += lines.filter((line) => secrets.some((s) => line.includes(s))).length;
  await env.stop();
  const serverErrors = Object.entries(byStatus).filter(([status]) => /^5\d\d$/.test(status)).reduce((n, [, c]) => n + c, 0);
  return { requests: total, byStatus, serverErrors, leaks, portalWrites, telegramSends, alive, seconds: (Date.now() - started) / 1000, samples };
}

/** What a raw HTTP client can put in a header: bytes 0x20–0xff (fetch refuses anything else before sending). */
function headerValue(text: string): string {
  return text.replace(/[^\x20-\x7e\xa0-\xff]/g, '~');
}

/** A small seeded PRNG so a failing run can be repeated. */
function mulberry(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
