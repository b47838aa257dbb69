import fc from 'fast-check';
import type { Update } from 'grammy/types';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAppBot, createAppChatRouter } from '../../src/app.js';
import { CALLBACK_ACTIONS, encodeCallback } from '../../src/chat/callback-codec.js';
import { type SandboxEnvironment, startSandboxEnvironment } from '../../src/demo/environment.js';
import { silentLogger } from '../../src/infra/log.js';
import { testRedisUrl, uniquePrefix } from '../support/redis.js';

/** A manager who owns no deal and heads nothing: no forged payload may make them change the CRM. */
const OUTSIDER = 21;

export type PayloadFamily = 'random' | 'well-formed';

/** Fires `numRuns` payloads of one family at the bot as an outsider: none may throw or reach a CRM write. */
export function fuzzCallbacks(family: PayloadFamily, numRuns: number): void {
let env: SandboxEnvironment;
beforeAll(async () => {
  // No REST budget here: the property is about authorization, and 10,000 presses at 2 requests/s would take hours.
  env = await startSandboxEnvironment({
    redisUrl: testRedisUrl(), redisPrefix: uniquePrefix('fuzz'), roles: ['http'],
    telegramLimits: { perChatIntervalMs: 0, globalPerSecond: 100_000 },
    bitrixRateLimit: { enabled: false },
    extraEnv: { B24_RATE_PER_SECOND: '100000', B24_RATE_BURST: '100000' },
  });
});
afterAll(() => env?.stop());
describe(`untrusted callback data (${family})`, () => {
  it(`${numRuns.toLocaleString('en')} ${family} payloads never throw and never reach a CRM write`, async () => {
    const tg = env.telegramUserFor(OUTSIDER);
    await env.app.store.link(OUTSIDER, tg, String(tg));
    const log = silentLogger();
    const router = createAppChatRouter({ ...env.app, config: env.config, log });
    const bot = createAppBot({ ...env.app, router, config: env.config, log, botInfo: env.telegram.botInfo, flood: false });
    const errors: unknown[] = [];
    bot.catch((error) => { errors.push(error.error); });
    await bot.init();
    const message = await bot.api.sendMessage(tg, 'anchor');
    const dealIds = env.bitrix.store.listDeals().slice(0, 20).map((d) => Number(d.ID));
    const leadIds = env.bitrix.store.listLeads().slice(0, 20).map((l) => Number(l.ID));
    // Random strings, and well-formed payloads of every action aimed at other people's deals and leads.
    const wellFormed = fc.constantFrom(...(Object.keys(CALLBACK_ACTIONS) as Array<keyof typeof CALLBACK_ACTIONS>)).chain((action) => {
      const kinds = CALLBACK_ACTIONS[action].args as readonly string[];
      return fc.tuple(...kinds.map((kind) => kind === 'id' ? fc.constantFrom(...dealIds, ...leadIds)
        : kind === 'stage' ? fc.constantFrom('NEW', 'WON', 'LOSE', 'C1:WON', 'UC_CONTRACT')
          : kind === 'int' ? fc.integer({ min: 0, max: 5 })
            : kind === 'date' ? fc.constant('20270101') : fc.constantFrom('ru', 'en', 'price', 'too_expensive', 'week', 'off')))
        .map((args) => {
          try {
            return encodeCallback(action, ...(args as [never]));
          } catch {
            return `1|${CALLBACK_ACTIONS[action].code}`;
          }
        });
    });
    const payload = family === 'random' ? fc.oneof(fc.string({ maxLength: 70 }), fc.string({ unit: 'binary', maxLength: 64 })) : wellFormed;
    env.bitrix.resetLog();
    let updateId = 1_000_000;
    await fc.assert(fc.asyncProperty(payload, async (raw) => {
      let data = raw;
      // Signed as the bot signs (a payload that passed the MAC: what the decoder and the registry must withstand);
      // unsigned presses stop at the signature, which test/identity/forged-presses.test.ts covers.
      data = env.app.signer.sign(data, String(tg));
      // The sandbox registers the query (so answerCallbackQuery is valid); the bot gets the same update directly.
      const queryId = env.telegram.forgeCallback(tg, message.message_id, data);
      const update = {
        update_id: updateId++,
        callback_query: {
          id: queryId, from: { id: tg, is_bot: false, first_name: 'Outsider' }, chat_instance: '1',
          message: { ...message, chat: message.chat }, data,
        },
      } as Update;
      await bot.handleUpdate(update);
    }), { numRuns });
    expect(errors).toEqual([]);
    expect(env.bitrix.writeCalls()).toBe(0);
    expect(env.bitrix.callLog.filter((c) => /\.(add|update|delete|set)$/.test(c.method))).toEqual([]);
  }, 180_000);
});
}
