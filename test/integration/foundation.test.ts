import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { type SandboxEnvironment, startSandboxEnvironment } from '../../src/demo/environment.js';
import { createLogger } from '../../src/infra/log.js';
import { freePort } from '../../src/infra/redis-server.js';
import { testRedisUrl, uniquePrefix } from '../support/redis.js';

const MANAGER = 10;

function captureLog() {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _e, done) {
      lines.push(...chunk.toString().split('\n').filter(Boolean));
      done();
    },
  });
  return { lines, log: createLogger({ level: 'debug', destination }) };
}

describe('the bot over long polling (real grammY → Telegram sandbox, real Redis, sandbox portal)', () => {
  let env: SandboxEnvironment;
  beforeAll(async () => {
    env = await startSandboxEnvironment({ redisUrl: testRedisUrl(), redisPrefix: uniquePrefix('fnd'), telegramLimits: { perChatIntervalMs: 0 } });
  });
  afterAll(() => env?.stop());

  it('answers /start with a greeting and a "share my phone" keyboard', async () => {
    const tg = env.telegramUserFor(MANAGER);
    env.telegram.sendCommand(tg, '/start');
    const reply = await env.telegram.waitForMessage(tg, { textIncludes: 'DealPilot' }, 10_000);
    expect(reply.text).toContain('Здравствуйте');
    expect(JSON.stringify(reply.replyMarkup)).toContain('request_contact');
  });

  it('serves /healthz and /readyz with every dependency checked', async () => {
    const base = `http://127.0.0.1:${env.app.httpPort}`;
    const health = await fetch(`${base}/healthz`);
    expect(health.status).toBe(200);
    const ready = await fetch(`${base}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ status: 'ready', checks: { redis: true, bitrix24: true, telegram: true } });
  });

  it('exposes Prometheus metrics for CRM calls, callbacks and queue depths; no dashboard without credentials', async () => {
    const base = `http://127.0.0.1:${env.app.httpPort}`;
    const tg = env.telegramUserFor(MANAGER);
    await env.app.store.link(MANAGER, tg, String(tg));
    env.telegram.sendCommand(tg, '/settings');
    const settings = await env.telegram.waitForMessage(tg, { textIncludes: 'Настройки' }, 10_000);
    await env.telegram.waitForCallbackAnswer(env.telegram.pressButton(tg, settings.messageId!, 'English'), 10_000);
    // The latency is recorded when the handler returns, a moment after Telegram got the answer.
    let text = '';
    for (let i = 0; i < 40 && !text.includes('action="settings.lang"'); i += 1) {
      text = await (await fetch(`${base}/metrics`)).text();
      if (!text.includes('action="settings.lang"')) await new Promise((r) => setTimeout(r, 50));
    }
    expect(text).toMatch(/dealpilot_crm_requests_total\{method="user.get"\} [1-9]/);
    expect(text).toMatch(/dealpilot_callback_handling_seconds_count\{action="settings.lang"\} 1/);
    expect(text).toMatch(/dealpilot_queue_jobs\{queue="outbox",state="waiting"\} \d+/);
    expect(text).toContain('dealpilot_messages_sent_total');
    expect((await fetch(`${base}/admin/queues`)).status).toBe(404);
  });

  it('reports not ready when the portal is down', async () => {
    // One readiness evaluation answers the probes of the next second (a flood of probes costs one portal call).
    await new Promise((resolve) => setTimeout(resolve, 1_100));
    env.bitrix.faults.failNext('server.time', 5, { status: 500, error: 'INTERNAL_SERVER_ERROR', description: 'Internal server error' });
    const probes = await Promise.all(Array.from({ length: 20 }, () => fetch(`http://127.0.0.1:${env.app.httpPort}/readyz`)));
    expect(probes.map((p) => p.status)).toEqual(Array(20).fill(503));
    expect(env.bitrix.callLog.filter((c) => c.method === 'server.time' && c.status === 500).length).toBeLessThanOrEqual(5);
    const ready = probes[0]!;
    expect((await ready.json() as { checks: Record<string, boolean> }).checks.bitrix24).toBe(false);
  });
});

describe('the bot over a webhook', () => {
  let env: SandboxEnvironment;
  beforeAll(async () => {
    const port = await freePort();
    env = await startSandboxEnvironment({
      redisUrl: testRedisUrl(), redisPrefix: uniquePrefix('fwh'), httpPort: port, publicUrl: `http://127.0.0.1:${port}`,
      telegramLimits: { perChatIntervalMs: 0 },
    });
  });
  afterAll(() => env?.stop());

  it('registers the webhook with a secret and answers /help through it', async () => {
    const info = env.telegram.webhookInfo();
    expect(String(info.url)).toBe(`http://127.0.0.1:${env.app.httpPort}/telegram/webhook`);
    const tg = env.telegramUserFor(MANAGER);
    env.telegram.sendCommand(tg, '/help');
    const reply = await env.telegram.waitForMessage(tg, { textIncludes: '/start' }, 10_000);
    expect(reply.text).toContain('Что я умею');
  });

  it('refuses a webhook call without the secret header', async () => {
    const response = await fetch(`http://127.0.0.1:${env.app.httpPort}/telegram/webhook`, {
      method: 'POST', headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ update_id: 1, message: { message_id: 1, date: 0, chat: { id: 1, type: 'private' }, text: '/start' } }),
    });
    expect(response.status).toBe(401);
  });
});

describe('queue dashboard', () => {
  it('asks for credentials and opens with the right ones', async () => {
    const env = await startSandboxEnvironment({ redisUrl: testRedisUrl(), redisPrefix: uniquePrefix('dash'), roles: ['http'],
      extraEnv: { ADMIN_USER: 'ops', ADMIN_PASSWORD: 'correct-horse-battery' } });
    try {
      const url = `http://127.0.0.1:${env.app.httpPort}/admin/queues`;
      expect((await fetch(url)).status).toBe(401);
      const wrong = await fetch(url, { headers: { authorization: `Basic ${Buffer.from('ops:guess').toString('base64')}` } });
      expect(wrong.status).toBe(401);
      const right = await fetch(url, { headers: { authorization: `Basic ${Buffer.from('ops:correct-horse-battery').toString('base64')}` } });
      expect(right.status).toBe(200);
      expect(await right.text()).toContain('<html');
    } finally {
      await env.stop();
    }
  });
});

describe('secrets in logs', () => {
  it('never logs the bot token, even when Telegram requests fail', async () => {
    const { lines, log } = captureLog();
    // Libraries may print to the console directly (the grammY runner does, unless silenced): capture that too.
    const consoleLines: string[] = [];
    const spies = (['error', 'warn', 'log', 'info'] as const).map((level) =>
      vi.spyOn(console, level).mockImplementation((...args: unknown[]) => { consoleLines.push(args.map(String).join(' ')); }));
    const env = await startSandboxEnvironment({ redisUrl: testRedisUrl(), redisPrefix: uniquePrefix('sec'), log, logLevel: 'debug' });
    try {
      const token = env.config.env.TELEGRAM_BOT_TOKEN!;
      const tg = env.telegramUserFor(MANAGER);
      // The user blocks the bot: the reply to /start fails with 403 inside a handler.
      env.telegram.sendCommand(tg, '/start');
      env.telegram.block(tg);
      await new Promise((resolve) => setTimeout(resolve, 1500));
      // And a request with the token in its URL fails at the HTTP level.
      await env.app.outbox.edit({ channel: 'telegram', chatId: String(tg), messageId: '999999' }, { text: 'x' }).catch(() => undefined);
      await env.telegram.close();
      await new Promise((resolve) => setTimeout(resolve, 1500));
      expect(lines.some((l) => /failed|error/i.test(l))).toBe(true);
      for (const line of [...lines, ...consoleLines]) {
        expect(line).not.toContain(token);
        expect(line).not.toContain(token.split(':')[1]!);
        expect(line).not.toContain(env.bitrix.code);
      }
    } finally {
      await env.stop();
      for (const spy of spies) spy.mockRestore();
    }
  });
});

describe('shutdown', () => {
  it('ends even when Telegram went away under the long poll (every stage is bounded)', async () => {
    const { lines, log } = captureLog();
    const env = await startSandboxEnvironment({ redisUrl: testRedisUrl(), redisPrefix: uniquePrefix('stop'), log, logLevel: 'warn' });
    await env.telegram.close();
    // Let the runner fail a getUpdates or two and back off.
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    await env.app.stop();
    await env.stop();
    expect(lines.some((l) => l.includes('"msg":"stopped"'))).toBe(true);
  }, 25_000);
});

describe('metrics on their own port (METRICS_PORT)', () => {
  let env: SandboxEnvironment;
  let metricsPort: number;
  beforeAll(async () => {
    metricsPort = await freePort();
    env = await startSandboxEnvironment({
      redisUrl: testRedisUrl(), redisPrefix: uniquePrefix('fndm'), telegramLimits: { perChatIntervalMs: 0 },
      extraEnv: { METRICS_PORT: String(metricsPort) },
    });
  });
  afterAll(() => env?.stop());

  it('serves /metrics only on the metrics port, bound to loopback by default; the public port answers 404', async () => {
    expect(env.app.metricsPort).toBe(metricsPort);
    const publicAnswer = await fetch(`http://127.0.0.1:${env.app.httpPort}/metrics`);
    expect(publicAnswer.status).toBe(404);
    const own = await fetch(`http://127.0.0.1:${metricsPort}/metrics`);
    expect(own.status).toBe(200);
    expect(await own.text()).toContain('dealpilot_crm_requests_total');
    expect((await fetch(`http://127.0.0.1:${env.app.httpPort}/healthz`)).status).toBe(200);
  });
});
