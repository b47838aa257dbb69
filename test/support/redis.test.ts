import { describe, expect, it } from 'vitest';
import { testRedis, uniquePrefix } from './redis.js';

describe('test harness', () => {
  it('reaches a private Redis that is not port 6379', async () => {
    const redis = testRedis();
    const key = `${uniquePrefix()}:ping`;
    await redis.set(key, 'pong');
    expect(await redis.get(key)).toBe('pong');
    expect(redis.options.port).not.toBe(6379);
    await redis.quit();
  });
});
