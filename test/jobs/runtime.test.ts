import { afterAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/infra/log.js';
import { createJobRuntime } from '../../src/jobs/runtime.js';
import { testRedis, uniquePrefix } from '../support/redis.js';

const redis = testRedis();
afterAll(() => { redis.disconnect(); });

describe('job runtime shutdown', () => {
  it('ends within its deadline while a job is still running, and the job is left to be retried', async () => {
    let started = false;
    const runtime = createJobRuntime({
      connection: redis, prefix: uniquePrefix('jobs'), timezone: 'Europe/Moscow', log: silentLogger(),
      definitions: [{
        queue: 'slow', name: 'forever',
        // A job stuck on something that never answers (a portal call past every timeout, a bug).
        process: async () => { started = true; await new Promise(() => undefined); },
      }],
    });
    runtime.startWorkers(1);
    await runtime.add('slow', 'forever', {});
    while (!started) await new Promise((resolve) => setTimeout(resolve, 20));

    // Without the disconnect, BullMQ's second close() would wait for the job for ever.
    await runtime.close(300);
    const queue = createJobRuntime({
      connection: redis, prefix: (runtime.queue('slow').opts.prefix as string), timezone: 'Europe/Moscow', log: silentLogger(), definitions: [],
    }).queue('slow');
    // Still active (its lock will lapse and the stalled-job check hands it to another worker), not lost.
    expect(await queue.getActiveCount()).toBe(1);
    await queue.close();
  }, 15_000);
});
