import { DEMO } from '@dealpilot/sandbox/bitrix/demo-ids';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type SandboxEnvironment, startSandboxEnvironment } from '../../src/demo/environment.js';
import { t } from '../../src/i18n/index.js';
import { type LocalRedis, startLocalRedis } from '../../src/infra/redis-server.js';
import { waitFor } from '../support/eventually.js';

const MANAGER = DEMO.users.moscowManagers[0]!;

/** Redis unreachable (frozen: connections open, nothing answers) and Redis restarted (AOF everysec), mid-work. */
describe('Redis goes away and comes back', () => {
  let redis: LocalRedis;
  let env: SandboxEnvironment;
  let tg: number;
  let nudge: number;
  let deal: number;
  const readyz = async () => (await fetch(`http://127.0.0.1:${env.app.httpPort}/readyz`)).status;
  const press = async () => {
    const started = Date.now();
    const answer = await env.telegram.waitForCallbackAnswer(env.pressPayload(tg, nudge, `1|ds|${deal}|1`), 20_000);
    return { text: answer.text ?? '', ms: Date.now() - started };
  };

  beforeAll(async () => {
    redis = await startLocalRedis({ appendonly: true });
    env = await startSandboxEnvironment({
      redisUrl: redis.url, telegramLimits: { perChatIntervalMs: 0 }, bitrixRateLimit: { enabled: false },
      extraEnv: { B24_RATE_PER_SECOND: '50', B24_RATE_BURST: '200' }, scheduleQueues: (queue) => queue === 'deals', logLevel: 'error',
    });
    const store = env.bitrix.store;
    for (const d of store.listDeals()) if (d.STAGE_SEMANTIC_ID === 'P') store.moveDealStage(Number(d.ID), d.CATEGORY_ID === 0 ? 'WON' : `C${d.CATEGORY_ID}:WON`, { silent: true });
    deal = store.addDeal({ TITLE: 'Redis outage deal', CATEGORY_ID: 0, STAGE_ID: 'NEW', ASSIGNED_BY_ID: MANAGER, OPPORTUNITY: 1, CURRENCY_ID: 'RUB',
      MOVED_TIME: new Date(Date.now() - 5 * 86_400_000).toISOString() }, { allowReadOnly: true, silent: true });
    tg = env.telegramUserFor(MANAGER);
    await env.app.store.link(MANAGER, tg, String(tg));
    await env.app.store.setPreferences(MANAGER, { quietStart: '00:00', quietEnd: '00:00', weekendsOff: false });
    await env.app.capabilities.deals.scan();
    nudge = (await env.telegram.waitForMessage(tg, { textIncludes: 'Redis outage deal' }, 15_000)).messageId!;
  }, 60_000);
  afterAll(async () => {
    redis?.thaw();
    await env?.stop();
    await redis?.stop();
  });

  it('unreachable: a press is told "temporarily unavailable" at once, /readyz says 503; back: 200 and presses work', async () => {
    expect(await readyz()).toBe(200);
    redis.freeze();
    // The health probe notices within about two seconds.
    await waitFor(async () => (await readyz()) === 503 || undefined, 'readyz 503', 10_000);
    const during = await press();
    expect(during.text).toBe(t('ru', 'errors.unavailable'));
    expect(during.ms).toBeLessThan(3_000);
    // The deal desk says so too, at once, instead of waiting on Redis for the session.
    const desk = await fetch(`${env.app.desk!.url()}api/day`, { headers: { authorization: `Bearer ${'x'.repeat(43)}` } });
    expect(desk.status).toBe(503);
    redis.thaw();
    await waitFor(async () => (await readyz()) === 200 || undefined, 'readyz 200 again', 15_000);
    const after = await press();
    expect(after.text).not.toBe(t('ru', 'errors.unavailable'));
  }, 60_000);

  it('restarted (AOF everysec): links, schedules and state survive; everything reconnects by itself', async () => {
    const schedulersBefore = (await env.app.jobs.queue('deals').getJobSchedulers()).map((s) => s.key).sort();
    expect(schedulersBefore.length).toBeGreaterThan(0);
    // everysec: what was written a second ago is on disk.
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    await redis.restart();
    await waitFor(async () => (await readyz()) === 200 || undefined, 'readyz 200 after the restart', 20_000);
    expect((await env.app.store.byBitrixUser(MANAGER))?.telegramUserId).toBe(tg);
    expect((await env.app.jobs.queue('deals').getJobSchedulers()).map((s) => s.key).sort()).toEqual(schedulersBefore);
    const after = await press();
    expect(after.text).not.toBe(t('ru', 'errors.unavailable'));
    expect(after.ms).toBeLessThan(5_000);
  }, 60_000);
});
