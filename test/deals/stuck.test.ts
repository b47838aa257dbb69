import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDealsCapability } from '../../src/capabilities/deals/index.js';
import { overdueNudgesKey } from '../../src/capabilities/reports/index.js';
import type { SandboxEnvironment } from '../../src/demo/environment.js';
import { silentLogger } from '../../src/infra/log.js';
import {
  addDeal, botMessages, buttonsOf, CEO, DAY, DIRECTOR, MANAGER, MOSCOW_HEAD, press, REGION_MANAGER, settle,
  startDealsEnvironment, waitFor,
} from './helpers.js';

describe('stuck deals: nudges, escalation, snooze (sandbox portal, real grammY and Redis)', () => {
  let env: SandboxEnvironment;
  beforeAll(async () => {
    env = await startDealsEnvironment('dst');
  });
  afterAll(() => env?.stop());

  it('reads only candidate deals, filtered server-side by semantic, stage and MOVED_TIME', async () => {
    env.bitrix.resetLog();
    await env.app.capabilities.deals.scan();
    const lists = env.bitrix.callLog.filter((c) => c.method === 'crm.deal.list');
    const stuckList = lists.find((c) => JSON.stringify(c.params).includes('<MOVED_TIME'));
    expect(stuckList).toBeDefined();
    const filter = (stuckList!.params as { filter: Record<string, unknown> }).filter;
    expect(filter.STAGE_SEMANTIC_ID).toBe('P');
    expect(filter['@STAGE_ID']).toEqual(expect.arrayContaining(['NEW', 'PREPARATION', 'EXECUTING']));
    // Stages without a threshold (awaiting payment, won, lost) are not read by the stuck scan.
    expect(filter['@STAGE_ID']).not.toContain('PREPAYMENT_INVOICE');
    expect(filter['@STAGE_ID']).not.toContain('WON');
  });

  it('nudges the manager once per stage stay across 3 scans and a worker restart, with only allowed moves offered', async () => {
    const id = addDeal(env, { title: 'Nudge-once deal', stageId: 'NEW', daysAgo: 3 });
    const deals = env.app.capabilities.deals;
    for (let i = 0; i < 3; i += 1) await deals.scan();
    // A restarted worker: a fresh capability instance on the same Redis and portal, no memory of its own.
    const app = env.app;
    const restarted = createDealsCapability({
      config: env.config, log: silentLogger(), redis: app.redis, prefix: env.config.env.REDIS_PREFIX, crm: app.crm,
      directory: app.directory, store: app.store, outbox: app.outbox, clock: () => new Date(),
      portalUrl: 'http://portal.example', enqueue: async () => undefined,
    });
    await restarted.scan();
    const nudge = await waitFor(env, MANAGER, (e) => e.text.includes('Nudge-once deal'));
    await settle();
    expect(botMessages(env, MANAGER, 'Nudge-once deal')).toHaveLength(1);
    expect(nudge.text).toContain('стоит на месте 3 дн.');
    // The scan also keeps the "overdue nudges" figure /report shows per manager.
    const overdue = await env.app.redis.hgetall(overdueNudgesKey(env.config.env.REDIS_PREFIX));
    expect(Number(overdue[String(MANAGER)])).toBeGreaterThanOrEqual(1);
    const data = buttonsOf(nudge).map((b) => b.data ?? '');
    expect(data).toContain(`1|dm|${id}|PREPARATION`);
    // NEW → WON is not an allowed transition: never offered.
    expect(data.some((d) => d.includes('|WON'))).toBe(false);
    expect(data).toContain(`1|dr|${id}`);
    expect(data).toContain(`1|ds|${id}|1`);
    expect(data).toContain(`1|ds|${id}|3`);

    // A stage change starts a new stay: the next threshold crossing nudges again.
    env.bitrix.store.updateDeal(id, { STAGE_ID: 'PREPARATION', MOVED_TIME: new Date(Date.now() - 6 * DAY).toISOString() }, { allowReadOnly: true, silent: true });
    await deals.scan();
    await deals.scan();
    await waitFor(env, MANAGER, (e) => e.text.includes('Nudge-once deal') && e.text.includes('стоит на месте 6 дн.'));
    await settle();
    expect(botMessages(env, MANAGER, 'Nudge-once deal')).toHaveLength(2);
  });

  it('escalates level 1 to the supervisor and level 2 to the supervisor and the next head up, once per level', async () => {
    addDeal(env, { title: 'Escalation-16 deal', stageId: 'PREPARATION', daysAgo: 16 });
    addDeal(env, { title: 'Escalation-31 deal', stageId: 'PREPARATION', daysAgo: 31 });
    // Regions have no head: the manager's supervisor is the sales director, then the CEO.
    addDeal(env, { title: 'Escalation-regions deal', stageId: 'PREPARATION', daysAgo: 31, assignedTo: REGION_MANAGER });
    const deals = env.app.capabilities.deals;
    await deals.scan();
    await deals.scan();
    await waitFor(env, MOSCOW_HEAD, (e) => e.text.includes('Escalation-16 deal'));
    await waitFor(env, MOSCOW_HEAD, (e) => e.text.includes('Escalation-31 deal'));
    await waitFor(env, DIRECTOR, (e) => e.text.includes('Escalation-31 deal'));
    await waitFor(env, DIRECTOR, (e) => e.text.includes('Escalation-regions deal'));
    await waitFor(env, CEO, (e) => e.text.includes('Escalation-regions deal'));
    await settle();
    expect(botMessages(env, MOSCOW_HEAD, 'Escalation-16 deal')[0]!.text).toContain('уровень 1');
    expect(botMessages(env, MOSCOW_HEAD, 'Escalation-16 deal')).toHaveLength(1);
    // Level 1 reaches only the supervisor.
    expect(botMessages(env, DIRECTOR, 'Escalation-16 deal')).toHaveLength(0);
    expect(botMessages(env, MOSCOW_HEAD, 'Escalation-31 deal')[0]!.text).toContain('уровень 2');
    expect(botMessages(env, MOSCOW_HEAD, 'Escalation-31 deal')).toHaveLength(1);
    expect(botMessages(env, DIRECTOR, 'Escalation-31 deal')).toHaveLength(1);
    expect(botMessages(env, CEO, 'Escalation-31 deal')).toHaveLength(0);
    expect(botMessages(env, CEO, 'Escalation-regions deal')).toHaveLength(1);
    // The managers got their own nudges, not escalations.
    expect(botMessages(env, MANAGER, 'Escalation-31 deal')[0]!.text).toContain('стоит на месте');
    expect(botMessages(env, REGION_MANAGER, 'Escalation-regions deal')).toHaveLength(1);
  });

  it('snooze delays the next nudge until it ends', async () => {
    const id = addDeal(env, { title: 'Snooze deal', stageId: 'NEW', daysAgo: 4 });
    const deals = env.app.capabilities.deals;
    await deals.scan();
    const nudge = await waitFor(env, MANAGER, (e) => e.text.includes('Snooze deal'));
    const answer = await press(env, MANAGER, nudge.messageId!, `1|ds|${id}|1`);
    expect(answer.text).toBe('Готово');
    await waitFor(env, MANAGER, (e) => e.messageId === nudge.messageId && e.text.includes('Напомню после'));
    expect(await deals.state.snoozedUntil(id)).toBeInstanceOf(Date);

    await deals.scan();
    await deals.scan({ now: new Date(Date.now() + 12 * 3600_000) });
    await settle();
    expect(botMessages(env, MANAGER, 'Snooze deal')).toHaveLength(1);

    // A day later the snooze is over: one more nudge, and only one however many scans run.
    await deals.scan({ now: new Date(Date.now() + DAY + 3600_000) });
    await deals.scan({ now: new Date(Date.now() + DAY + 2 * 3600_000) });
    await waitFor(env, MANAGER, (e) => e.text.includes('Snooze deal') && e.messageId !== nudge.messageId);
    await settle();
    expect(botMessages(env, MANAGER, 'Snooze deal')).toHaveLength(2);
  });
});
