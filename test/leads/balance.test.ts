import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEMO } from '@dealpilot/sandbox/bitrix/demo-ids';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { type SandboxEnvironment, startSandboxEnvironment } from '../../src/demo/environment.js';
import { testRedisUrl, uniquePrefix } from '../support/redis.js';

const POOL = [10, 11, 12, 14, 15];

describe('load balancing over equal present managers', () => {
  let env: SandboxEnvironment;
  beforeAll(async () => {
    const rules = parse(readFileSync('config/rules.example.yaml', 'utf8')) as { routing: { rules: unknown[] } };
    rules.routing.rules = [{ name: 'balance', when: { keywords: ['балансировка'] }, pool: { users: POOL } }];
    const rulesPath = join(mkdtempSync(join(tmpdir(), 'leads-')), 'rules.yaml');
    writeFileSync(rulesPath, stringify(rules));
    env = await startSandboxEnvironment({
      redisUrl: testRedisUrl(), redisPrefix: uniquePrefix('lbal'), telegramLimits: { perChatIntervalMs: 0 }, rulesPath,
      bitrixRateLimit: { enabled: false }, extraEnv: { B24_RATE_PER_SECOND: '10000', B24_RATE_BURST: '10000' },
      scheduleQueues: () => false, // the test routes by hand; a cron tick must not route beside it
    });
    // Equal starting loads: the pool's open leads and deals go to the sales director.
    const store = env.bitrix.store;
    for (const lead of store.listLeads()) {
      const owner = Number(lead.ASSIGNED_BY_ID);
      if (owner === DEMO.users.intake || (POOL.includes(owner) && lead.STATUS_SEMANTIC_ID === 'P')) {
        store.updateLead(Number(lead.ID), { ASSIGNED_BY_ID: DEMO.users.salesDirector }, { silent: true });
      }
    }
    for (const deal of store.listDeals()) {
      if (POOL.includes(Number(deal.ASSIGNED_BY_ID)) && deal.CLOSED === 'N') {
        store.updateDeal(Number(deal.ID), { ASSIGNED_BY_ID: DEMO.users.salesDirector }, { silent: true });
      }
    }
  }, 30_000);
  afterAll(() => env?.stop());

  it('100 leads routed by four concurrent lanes over 5 equal present managers end within ±1 of each other', async () => {
    const store = env.bitrix.store;
    const ids = Array.from({ length: 100 }, (_, i) => store.addLead({
      TITLE: `Балансировка #${i}`, SOURCE_ID: 'WEB', STATUS_ID: 'NEW', ASSIGNED_BY_ID: DEMO.users.intake,
    }, { silent: true }));
    // Four lanes at once, like the four routing workers of a deployment (and the scheduled scan besides).
    const lanes = [0, 1, 2, 3].map((lane) => ids.filter((_, i) => i % 4 === lane));
    await Promise.all(lanes.map(async (lane) => {
      for (const id of lane) await env.app.capabilities.leads.routeLead(id);
    }));
    const counts = new Map(POOL.map((id) => [id, 0]));
    for (const id of ids) {
      const owner = Number(store.getLead(id)!.ASSIGNED_BY_ID);
      expect(POOL).toContain(owner);
      counts.set(owner, counts.get(owner)! + 1);
    }
    const loads = POOL.map((m) => store.listLeads().filter((l) => Number(l.ASSIGNED_BY_ID) === m && l.STATUS_SEMANTIC_ID === 'P').length
      + store.listDeals().filter((d) => Number(d.ASSIGNED_BY_ID) === m && d.CLOSED === 'N').length);
    expect(Math.max(...loads) - Math.min(...loads)).toBeLessThanOrEqual(1);
    expect(Math.max(...counts.values()) - Math.min(...counts.values())).toBeLessThanOrEqual(1);
  }, 60_000);
});
