import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { type BitrixSandbox, startBitrixSandbox } from '@dealpilot/sandbox/bitrix';
import { imbotOf } from '@dealpilot/sandbox/bitrix/imbot';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testRedisUrl, uniquePrefix } from '../support/redis.js';

let portal: BitrixSandbox;
beforeAll(async () => { portal = await startBitrixSandbox({ seed: 'empty' }); });
afterAll(() => portal?.close());

// Asynchronous: the sandbox portal lives in this process and must keep answering while the CLI runs.
function register(): Promise<{ stdout: string; stderr: string }> {
  return promisify(execFile)(process.execPath, ['--import', 'tsx', 'src/main.ts', 'b24-register'], {
    encoding: 'utf8', timeout: 30_000,
    env: { PATH: process.env.PATH ?? '', B24_WEBHOOK_URL: portal.webhookUrl, B24_BOT_TOKEN: 'dealpilot-sandbox-token',
      REDIS_URL: testRedisUrl(), REDIS_PREFIX: uniquePrefix('reg'), LOG_LEVEL: 'silent' },
  });
}

describe('dealpilot b24-register', () => {
  it('registers once; running it again finds the same bot', async () => {
    const first = await register();
    expect(first.stderr).toBe('');
    expect(first.stdout).toMatch(/^registered: bot (\d+)/);
    const second = await register();
    expect(second.stdout).toMatch(/^already registered: bot (\d+)/);
    expect(second.stdout.match(/bot (\d+)/)![1]).toBe(first.stdout.match(/bot (\d+)/)![1]);
    expect(imbotOf(portal.store).allBots()).toHaveLength(1);
    expect(first.stdout + first.stderr + second.stdout).not.toContain('dealpilot-sandbox-token');
  });
});
