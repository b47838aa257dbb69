/**
 * `npm run storm`: DealPilot under hostile conditions, one table at the end. Pick some with
 * `npm run storm -- http`; a short version of each runs in `npm test`.
 */

import { startLocalRedis } from '../src/infra/redis-server.js';
import { runForgedPresses } from './storm/forged-presses.js';
import { runHttpFuzz } from './storm/http-fuzz.js';
import { runPortalFaults } from './storm/portal-faults.js';
import { runSoak } from './storm/soak.js';
import { runTelegramFaults } from './storm/telegram-faults.js';
import { runWorkerKills } from './storm/worker-kills.js';
import { percentile } from './support/stats.js';

const STORMS: Record<string, () => Promise<Record<string, unknown>>> = {
  http: async () => {
    const r = await runHttpFuzz({ requests: Number(process.env.STORM_HTTP_REQUESTS ?? 100_000) });
    return {
      storm: 'HTTP fuzz (every endpoint)', requests: r.requests, '5xx': r.serverErrors, 'network errors': r.byStatus.network ?? 0,
      'portal writes': r.portalWrites, 'Telegram sends': r.telegramSends, 'secret leaks': r.leaks, alive: r.alive,
      statuses: Object.entries(r.byStatus).map(([s, n]) => `${s}×${n}`).join(' '), seconds: r.seconds.toFixed(1),
      goal: r.serverErrors === 0 && r.portalWrites === 0 && r.telegramSends === 0 && r.leaks === 0 && r.alive ? 'met' : 'NOT MET',
    };
  },
};

STORMS.kills = async () => {
  const redis = await startLocalRedis();
  process.env.TEST_REDIS_URL = redis.url;
  try {
    const r = await runWorkerKills({ redisUrl: redis.url, messages: Number(process.env.STORM_KILL_MESSAGES ?? 2_000), kills: 10 });
    return {
      storm: `Worker kills (outbox fan-out, ${r.messages} messages, SIGKILL ${r.kills}×)`, delivered: r.delivered, lost: r.lost,
      duplicated: r.duplicated, 'per kill': r.perKill.toFixed(2), failed: r.failed, seconds: r.seconds.toFixed(1),
      goal: r.lost === 0 && r.failed === 0 && r.duplicated <= r.kills ? 'met' : 'NOT MET (goal: 0 lost, duplicates ≤ kills)',
    };
  } finally {
    await redis.stop();
  }
};

STORMS.telegram = async () => {
  const redis = await startLocalRedis();
  process.env.TEST_REDIS_URL = redis.url;
  try {
    const r = await runTelegramFaults({ chats: 200, perChat: 10, retryAfter: Number(process.env.STORM_RETRY_AFTER ?? 10) });
    return {
      storm: `Telegram faults (fan-out ${r.messages}: 10 % 5xx, 2 % 429 retry_after, 5 % answers lost after sending)`,
      delivered: r.delivered, lost: r.lost, repeated: r.repeated, '5xx': r.serverErrors, '429': r.floodWaits,
      'answers lost': r.lostAnswers, failed: r.failed, seconds: r.seconds.toFixed(1),
      goal: r.lost === 0 && r.failed === 0 && r.repeated <= r.lostAnswers ? 'met' : 'NOT MET (goal: 0 lost, repeats ≤ answers lost)',
    };
  } finally {
    await redis.stop();
  }
};

STORMS.portal = async () => {
  const redis = await startLocalRedis();
  try {
    const r = await runPortalFaults({ leads: 30, handLeads: 10, moves: 15, approvals: 5, birthdays: 5, faultSeconds: Number(process.env.STORM_FAULT_SECONDS ?? 30), redisUrl: redis.url });
    const duplicates = r.duplicates.comments + r.duplicates.tasks + r.duplicates.deals;
    return {
      storm: 'Portal faults (30 % errors before acting, 10 % answers lost after acting): lead routing, hand assignments, stage moves, approvals, birthday deals',
      triggers: r.triggers, done: r.done, 'failed calls': r.faultedCalls,
      'duplicates comments/tasks/deals': `${r.duplicates.comments}/${r.duplicates.tasks}/${r.duplicates.deals}`,
      'done after the faults stop p99/max s': `${(r.completionP99Ms / 1000).toFixed(1)}/${(r.completionMaxMs / 1000).toFixed(1)}`,
      seconds: r.seconds.toFixed(1),
      goal: r.done === r.triggers && duplicates === 0 ? 'met' : 'NOT MET (goal: 100 % done, 0 duplicates)',
    };
  } finally {
    await redis.stop();
  }
};

STORMS.soak = async () => {
  const redis = await startLocalRedis();
  try {
    const r = await runSoak({ minutes: Number(process.env.STORM_SOAK_MINUTES ?? 15), redisUrl: redis.url });
    const first = r.samples[0]!;
    const last = r.samples.at(-1)!;
    return {
      storm: `Soak (${r.minutes} min mixed load at the real portal and Telegram limits)`, leads: r.leads, presses: r.presses, messages: r.messages,
      'RSS MB first/last': `${first.rssMb.toFixed(0)}/${last.rssMb.toFixed(0)}`, 'RSS slope after 1 min MB/min': r.rssSlopeMbPerMin.toFixed(2),
      'heap after GC MB first/last': `${first.heapMb.toFixed(1)}/${last.heapMb.toFixed(1)}`, 'heap slope MB/min': r.heapSlopeMbPerMin.toFixed(3),
      'heap MB per sample': r.samples.map((s) => s.heapMb.toFixed(0)).join(' '),
      'held by the sandboxes\' logs at the end MB': `${r.sandboxLogsMb.toFixed(1)} (${r.portalCallsLogged} portal calls logged)`,
      'Redis MB first/last': `${first.redisMb.toFixed(1)}/${last.redisMb.toFixed(1)}`, 'Redis slope MB/min': r.redisSlopeMbPerMin.toFixed(3),
      samples: r.samples.length,
      goal: r.heapSlopeMbPerMin < 0.5 ? 'met (heap flat; Redis grows by the delivery and exactly-once records, each with a TTL)' : 'NOT MET (the heap grows)',
    };
  } finally {
    await redis.stop();
  }
};

STORMS.presses = async () => {
  const redis = await startLocalRedis();
  try {
    const r = await runForgedPresses({ people: 50, presses: Number(process.env.STORM_FORGED_PRESSES ?? 20_000), perPersonPerSecond: 3, redisUrl: redis.url });
    const honestMax = Math.max(...r.honestMs);
    return {
      storm: `Forged presses (${r.people} people, ~3/s each, real 2 req/s portal budget)`, presses: r.presses, answered: r.answered,
      'portal calls caused': r.portalCalls, 'portal writes caused': r.portalWrites,
      'honest press p50/max ms': `${Math.round(percentile(r.honestMs, 50))}/${Math.round(honestMax)}`,
      seconds: r.seconds.toFixed(1),
      goal: r.answered === r.presses && r.portalCalls === 0 && honestMax < 1_000 ? 'met' : 'NOT MET (goal: all answered, 0 portal calls, honest < 1 s)',
    };
  } finally {
    await redis.stop();
  }
};

const wanted = process.argv.slice(2).filter((a) => !a.startsWith('-'));
const rows: Array<Record<string, unknown>> = [];
for (const name of wanted.length > 0 ? wanted : Object.keys(STORMS)) {
  const storm = STORMS[name];
  if (!storm) throw new Error(`unknown storm "${name}" (known: ${Object.keys(STORMS).join(', ')})`);
  process.stdout.write(`running ${name}…\n`);
  rows.push(await storm());
}
process.stdout.write(`\nmachine: ${(await import('node:os')).cpus().length} cores, node ${process.version}\n`);
for (const row of rows) {
  process.stdout.write(`\n${String(row.storm)}\n`);
  for (const [key, value] of Object.entries(row)) if (key !== 'storm') process.stdout.write(`  ${key.padEnd(16)} ${String(value)}\n`);
}
process.exit(rows.every((r) => r.goal === 'met') ? 0 : 1);
