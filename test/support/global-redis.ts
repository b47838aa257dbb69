import type { TestProject } from 'vitest/node';
import { type LocalRedis, startLocalRedis } from '../../src/infra/redis-server.js';

declare module 'vitest' {
  export interface ProvidedContext {
    redisUrl: string;
  }
}

let local: LocalRedis | undefined;

/** One private redis-server for the whole run (or REDIS_URL when given); tests isolate by key prefix. */
export async function setup(project: TestProject): Promise<void> {
  if (process.env.REDIS_URL) {
    project.provide('redisUrl', process.env.REDIS_URL);
    return;
  }
  local = await startLocalRedis();
  project.provide('redisUrl', local.url);
}

export async function teardown(): Promise<void> {
  await local?.stop();
}
