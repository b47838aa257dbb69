import { afterAll, describe, expect, it } from 'vitest';
import { type ChatAdapter, ChatRejectedError } from '../../src/chat/adapter.js';
import { createIdentityStore } from '../../src/identity/store.js';
import { silentLogger } from '../../src/infra/log.js';
import { createOutbox, type Outbox } from '../../src/outbox/index.js';
import { eventually, intent, testSettings } from '../outbox/support.js';
import { testRedis, uniquePrefix } from '../support/redis.js';

const UNLINKED = 4100;
const redis = testRedis();
let outbox: Outbox | undefined;
afterAll(async () => {
  await outbox?.close();
  redis.disconnect();
});

/**
 * Before a302c15 an unlinked person always got their messages as im.notify. Now they go to the Bitrix24 chat
 * bot first, and only "unreachable" falls through to im.notify. The portal answers a deleted bot (the channel
 * caches its id for the life of the process), a webhook without the `imbot` scope or a wrong bot token with
 * errors the adapter maps to ChatRejectedError, which the outbox turns into UnrecoverableError: the message is
 * dropped, and so is every other message to every unlinked or Telegram-blocked person.
 */
describe('outbox: the Bitrix24 chat bot refuses every send', () => {
  it('still reaches an unlinked person through the system notification', async () => {
    const prefix = uniquePrefix('ob-b24');
    const fallback: Array<{ userId: number; text: string }> = [];
    const unused: ChatAdapter = {
      channel: 'telegram',
      send: async () => { throw new Error('an unlinked person has no Telegram chat'); },
      edit: async () => {},
    };
    const brokenBot: ChatAdapter = {
      channel: 'bitrix24',
      send: async () => { throw new ChatRejectedError('imbot.v2.Chat.Message.send: BOT_NOT_FOUND (400)'); },
      edit: async () => {},
    };
    outbox = createOutbox({
      connection: redis, prefix, log: silentLogger(), adapters: { telegram: unused, bitrix24: brokenBot },
      identity: createIdentityStore(redis, prefix),
      fallbackNotify: async (userId, text) => { fallback.push({ userId, text }); },
      supervisorOf: async () => null,
      settings: testSettings(),
    });
    await outbox.enqueue(intent(UNLINKED, 1));
    const worker = outbox.startWorker();
    const queue = outbox.queue;
    await eventually(async () => (await queue.getCompletedCount()) + (await queue.getFailedCount()) === 1, 15_000, 'the job to end');
    await worker.close(5000);
    expect(fallback).toEqual([{ userId: UNLINKED, text: 'Новый лид #1' }]);
  });
});
