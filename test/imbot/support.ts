import { type BitrixSandbox, startBitrixSandbox } from '@dealpilot/sandbox/bitrix';
import type { Redis } from 'ioredis';
import { type CrmGateway, createCrmGateway } from '../../src/crm/index.js';
import { silentLogger } from '../../src/infra/log.js';
import { uniquePrefix } from '../support/redis.js';

/** An empty sandbox portal at a fixed moment, and a gateway to it with no rate wait and quick retries. */
export async function startChatPortal(redis: Redis): Promise<{ sandbox: BitrixSandbox; crm: CrmGateway }> {
  const sandbox = await startBitrixSandbox({ seed: 'empty', rateLimit: { enabled: false }, now: new Date('2026-03-02T09:00:00+03:00') });
  const crm = createCrmGateway({
    webhookUrl: sandbox.webhookUrl, redis, log: silentLogger(), timezone: 'Europe/Moscow',
    rate: { perSecond: 1000, burst: 1000, keyPrefix: uniquePrefix('crm') },
    retry: { baseDelayMs: 5, maxDelayMs: 20, operationLimitWaitMs: 30 }, timeoutMs: 2000,
  });
  return { sandbox, crm };
}
