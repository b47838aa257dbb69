/**
 * Press latency: a manager presses a deal button (snooze: the owner check and the action's fresh read, one
 * portal request) four times a second; press → answer is timed in the Telegram sandbox. Measured alone and right
 * after background work asked for 60 reads at once (a scan: more than the 40-request burst, so part of it queues),
 * with the interactive reserve on (default) and off (B24_INTERACTIVE_RESERVE=0, one queue for everybody — the
 * behaviour before). Scheduled jobs are paused while measuring, so the load is only what the bench makes. The sandbox portal and the shared budget run at the real 2 req/s.
 * Alone, press → answer is what DealPilot adds to a press: the portal on loopback answers in about a millisecond.
 *
 * Run: npx tsx bench/press-latency.ts
 */
import { pathToFileURL } from 'node:url';
import { DEMO } from '@dealpilot/sandbox/bitrix/demo-ids';
import { type SandboxEnvironment, startSandboxEnvironment } from '../src/demo/environment.js';
import { percentile } from './support/stats.js';

const PRESSES = 20;
/** Background reads started just before the presses ("a scan"): above the 40-request burst. */
const BACKGROUND_READS = 60;
/** Other people's stuck deals: their nudges go through the portal's chat, one request each, behind the presses. */
const STUCK_DEALS = Number(process.env.BENCH_PRESS_STUCK ?? 80);
const PRESS_EVERY_MS = 250;
const MANAGER = DEMO.users.moscowManagers[0]!;


async function scenario(reserve: 'on' | 'off', withScan: boolean): Promise<{ p50: number; p99: number; scanRequests: number }> {
  const env: SandboxEnvironment = await startSandboxEnvironment({
    telegramLimits: { perChatIntervalMs: 0 }, bitrixChat: true,
    extraEnv: { ...(reserve === 'off' ? { B24_INTERACTIVE_RESERVE: '0' } : {}), LOG_LEVEL: 'error' }, logLevel: 'error',
  });
  try {
    const store = env.bitrix.store;
    // Only the deals made here are stuck: the demo company's own open deals are closed first.
    const won: Record<number, string> = { 0: 'WON', 1: 'C1:WON', 2: 'C2:WON' };
    for (const deal of store.listDeals()) {
      if (deal.STAGE_SEMANTIC_ID === 'P') store.moveDealStage(Number(deal.ID), won[Number(deal.CATEGORY_ID)]!, { silent: true });
    }
    const tg = env.telegramUserFor(MANAGER);
    await env.app.store.link(MANAGER, tg, String(tg));
    await env.app.store.setPreferences(MANAGER, { quietStart: '00:00', quietEnd: '00:00', weekendsOff: false });
    // The manager's own deal, nudged once so there is a message with buttons to press.
    const own = store.addDeal({ TITLE: 'Pressed deal', CATEGORY_ID: 0, STAGE_ID: 'NEW', ASSIGNED_BY_ID: MANAGER, OPPORTUNITY: 1, CURRENCY_ID: 'RUB',
      MOVED_TIME: new Date(Date.now() - 3 * 86_400_000).toISOString() }, { allowReadOnly: true, silent: true });
    const others = [...DEMO.users.regionManagers, DEMO.users.moscowManagers[1]!, DEMO.users.moscowManagers[2]!];
    for (let i = 0; i < STUCK_DEALS; i++) {
      store.addDeal({ TITLE: `Stuck ${i}`, CATEGORY_ID: 0, STAGE_ID: 'PREPARATION', ASSIGNED_BY_ID: others[i % others.length]!, OPPORTUNITY: 1,
        CURRENCY_ID: 'RUB', MOVED_TIME: new Date(Date.now() - 10 * 86_400_000).toISOString() }, { allowReadOnly: true, silent: true });
    }
    const message = await (async () => {
      await env.app.capabilities.deals.scan();
      return env.telegram.waitForMessage(tg, { textIncludes: 'Pressed deal' }, 120_000);
    })();
    // Let the first scan's messages drain (no portal request for 3 s), then the budget refill (40 at 2/s).
    // (The chat bot's event poll, once a second, does not count: it is there in both runs.)
    const work = () => env.bitrix.callLog.filter((c) => c.method !== 'imbot.v2.event.get').length;
    for (let quiet = 0, seen = work(); quiet < 6;) {
      await new Promise((r) => setTimeout(r, 500));
      const now = work();
      quiet = now === seen ? quiet + 1 : 0;
      seen = now;
    }
    await new Promise((r) => setTimeout(r, 21_000));

    // Nothing scheduled runs meanwhile (lead/deal scans, the report index…): the load is only what is made here.
    await Promise.all(env.app.jobs.queues().map((q) => q.pause()));
    const scanBefore = env.bitrix.requestCount();
    let scanning: Promise<unknown> = Promise.resolve();
    if (withScan) {
      // What a scan does to the budget: 60 reads at once, more than the burst, so 20 of them queue at 2/s.
      const ids = store.listDeals().map((d) => Number(d.ID)).slice(0, BACKGROUND_READS);
      scanning = Promise.all(ids.map((id) => env.app.crm.getDeal(id)));
      await new Promise((r) => setTimeout(r, 200));
    }
    const latencies: number[] = [];
    for (let i = 0; i < PRESSES; i++) {
      const started = performance.now();
      const query = env.pressPayload(tg, message.messageId!, `1|ds|${own}|1`);
      await env.telegram.waitForCallbackAnswer(query, 60_000);
      const total = performance.now() - started;
      latencies.push(total);
      await new Promise((r) => setTimeout(r, Math.max(0, PRESS_EVERY_MS - total)));
    }
    await scanning;
    return {
      p50: Math.round(percentile(latencies, 50)), p99: Math.round(percentile(latencies, 99)),
      scanRequests: env.bitrix.requestCount() - scanBefore,
    };
  } finally {
    await env.stop();
  }
}

export async function runPressLatencyBench(): Promise<Record<string, unknown>> {
  const rows: Record<string, unknown> = {};
  for (const reserve of ['on', 'off'] as const) {
    for (const withScan of [false, true]) {
      const r = await scenario(reserve, withScan);
      const label = `reserve ${reserve}, ${withScan ? `behind ${BACKGROUND_READS} scan reads` : 'alone'}`;
      rows[label] = r;
      process.stdout.write(`${label.padEnd(34)} press→answer p50 ${String(r.p50).padStart(5)} ms  p99 ${String(r.p99).padStart(5)} ms`
        + `  (portal requests meanwhile: ${r.scanRequests})\n`);
    }
  }
  return rows;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  await runPressLatencyBench();
  process.exit(0);
}
