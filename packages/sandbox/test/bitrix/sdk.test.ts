import { ApiVersion, B24Hook } from '@bitrix24/b24jssdk';
import { type BitrixSandbox, startBitrixSandbox } from '@dealpilot/sandbox/bitrix';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NOW } from './helpers.js';

let sandbox: BitrixSandbox;

beforeAll(async () => {
  sandbox = await startBitrixSandbox({ now: NOW, rateLimit: { enabled: false } });
});
afterAll(async () => {
  await sandbox.close();
});

/** The SDK always builds https:// URLs; rewrite them to the plain-HTTP sandbox. */
function sdkClient(): B24Hook {
  const b24 = new B24Hook({ b24Url: sandbox.origin, userId: sandbox.userId, secret: sandbox.code }, { restrictionParams: { maxRetries: 1 } });
  const forced = sandbox.origin.replace(/^http:/, 'https:');
  b24.getHttpClient(ApiVersion.v2).ajaxClient.interceptors.request.use((config) => {
    if (config.url?.startsWith(forced)) config.url = sandbox.origin + config.url.slice(forced.length);
    return config;
  });
  return b24;
}

describe('real @bitrix24/b24jssdk against the sandbox (smoke)', () => {
  it('reads a page of deals through actions.v2.call.make', async () => {
    const b24 = sdkClient();
    const response = await b24.actions.v2.call.make<Array<{ ID: string; STAGE_ID: string }>>({
      method: 'crm.deal.list', params: { select: ['ID', 'STAGE_ID'], order: { ID: 'ASC' }, start: 0 },
    });
    expect(response.isSuccess).toBe(true);
    const rows = response.getData()!.result;
    expect(rows).toHaveLength(50);
    expect(rows[0]!.ID).toBe('1');
    expect(response.isMore()).toBe(true);
    expect(response.getTotal()).toBe(sandbox.store.listDeals().length);
    const call = sandbox.callLog.at(-1)!;
    expect(call).toMatchObject({ method: 'crm.deal.list', status: 200, params: { select: ['ID', 'STAGE_ID'], start: 0 } });
    expect(Object.keys(call.params).some((k) => k.startsWith('bx24_'))).toBe(false);
  });
});
