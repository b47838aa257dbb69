/**
 * Soak: mixed load for a while at the portal's real budget (2 requests/s) and Telegram's limits — new leads routed,
 * deals nudged and moved by presses, messages fanned out — with the process's RSS and Redis's used memory sampled
 * every 10 s. Goal: no growth beyond the first minute's working set (the slope after it, per minute, near zero).
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { DEMO } from '@dealpilot/sandbox/bitrix/demo-ids';
import { type SandboxEnvironment, startSandboxEnvironment } from '../../src/demo/environment.js';

export interface SoakResult {
  minutes: number;
  samples: Array<{ atS: number; rssMb: number; heapMb: number; redisMb: number }>;
  /** Least-squares slope after the first minute, MB per minute. */
  rssSlopeMbPerMin: number;
  /** The JS heap after a full collection: what a leak would grow (RSS also holds freed pages the allocator keeps). */
  heapSlopeMbPerMin: number;
  redisSlopeMbPerMin: number;
  leads: number;
  presses: number;
  messages: number;
  /**
   * Heap the in-process sandboxes held at the end for their own records (the portal's call log, the Telegram
   * transcripts), measured by dropping them and collecting: growth that is the test bench's, not DealPilot's.
   */
  sandboxLogsMb: number;
  portalCallsLogged: number;
}

function slope(points: Array<[number, number]>): number {
  if (points.length < 2) return 0;
  const n = points.length;
  const mx = points.reduce((s, [x]) => s + x, 0) / n;
  const my = points.reduce((s, [, y]) => s + y, 0) / n;
  const num = points.reduce((s, [x, y]) => s + (x - mx) * (y - my), 0);
  const den = points.reduce((s, [x]) => s + (x - mx) ** 2, 0);
  return den === 0 ? 0 : num / den;
}

export async function runSoak(options: { minutes: number; redisUrl?: string }): Promise<SoakResult> {
  const env: SandboxEnvironment = await startSandboxEnvironment({
    ...(options.redisUrl ? { redisUrl: options.redisUrl } : {}), logLevel: 'silent', extraEnv: { LOG_LEVEL: 'silent' },
    telegramLimits: { perChatIntervalMs: 1000, globalPerSecond: 30 },
  });
  try {
    const store = env.bitrix.store;
    for (const user of env.telegram.users()) {
      const b24 = user.id - 100_000;
      await env.app.store.link(b24, user.id, String(user.id));
      await env.app.store.setPreferences(b24, { quietStart: '00:00', quietEnd: '00:00', weekendsOff: false });
    }
    const manager = DEMO.users.moscowManagers[0]!;
    const tg = env.telegramUserFor(manager);
    env.telegram.sendCommand(tg, '/help');
    const anchor = (await env.telegram.waitForMessage(tg, {}, 10_000)).messageId!;
    const samples: SoakResult['samples'] = [];
    const started = Date.now();
    const until = started + options.minutes * 60_000;
    let leads = 0;
    let presses = 0;
    let messages = 0;
    // A full collection before each sample, so the heap figure is what is still referenced.
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    const sample = async () => {
      gc();
      const info = await env.app.redis.info('memory');
      const used = Number(/used_memory:(\d+)/.exec(info)?.[1] ?? 0);
      const memory = process.memoryUsage();
      samples.push({ atS: (Date.now() - started) / 1000, rssMb: memory.rss / 2 ** 20, heapMb: memory.heapUsed / 2 ** 20, redisMb: used / 2 ** 20 });
    };
    await sample();
    const sampler = setInterval(() => void sample(), 10_000);
    let round = 0;
    while (Date.now() < until) {
      round += 1;
      // Two leads a round, routed by the scan as in production.
      for (let i = 0; i < 2; i++) {
        store.addLead({ TITLE: `Soak: нужен кабель ${round}-${i}`, SOURCE_ID: 'WEB', STATUS_ID: 'NEW', ASSIGNED_BY_ID: DEMO.users.intake }, { silent: true });
        leads += 1;
      }
      const deal = store.addDeal({ TITLE: `Soak deal ${round}`, CATEGORY_ID: 0, STAGE_ID: 'NEW', ASSIGNED_BY_ID: manager, OPPORTUNITY: 1, CURRENCY_ID: 'RUB',
        MOVED_TIME: new Date(Date.now() - 3 * 86_400_000).toISOString() }, { allowReadOnly: true, silent: true });
      await env.app.capabilities.leads.scanWaiting().catch(() => undefined);
      await env.telegram.waitForCallbackAnswer(env.pressPayload(tg, anchor, `1|dm|${deal}|PREPARATION`), 30_000).then(() => { presses += 1; }, () => undefined);
      // A small fan-out: a note to ten people.
      await env.app.outbox.enqueueMany([...DEMO.users.moscowManagers, ...DEMO.users.regionManagers].map((recipient) => ({
        recipient, kind: 'soak.note', entity: { type: 'deal' as const, id: deal }, key: `soak:${round}:${recipient}`,
        message: { ru: { text: `Заметка ${round}` }, en: { text: `Note ${round}` } },
      })));
      messages += 10;
      await new Promise((resolve) => setTimeout(resolve, 3_000));
    }
    clearInterval(sampler);
    await sample();
    const portalCallsLogged = env.bitrix.callLog.length;
    gc();
    const before = process.memoryUsage().heapUsed;
    env.bitrix.resetLog();
    env.telegram.reset();
    gc();
    const sandboxLogsMb = (before - process.memoryUsage().heapUsed) / 2 ** 20;
    const after = samples.filter((s) => s.atS >= 60);
    return {
      minutes: options.minutes, samples, leads, presses, messages, sandboxLogsMb, portalCallsLogged,
      rssSlopeMbPerMin: slope(after.map((s) => [s.atS / 60, s.rssMb])),
      heapSlopeMbPerMin: slope(after.map((s) => [s.atS / 60, s.heapMb])),
      redisSlopeMbPerMin: slope(after.map((s) => [s.atS / 60, s.redisMb])),
    };
  } finally {
    await env.stop();
  }
}
