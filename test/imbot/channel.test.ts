import { type BitrixSandbox, DEMO } from '@dealpilot/sandbox/bitrix';
import { imbotOf } from '@dealpilot/sandbox/bitrix/imbot';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ChatRejectedError } from '../../src/chat/adapter.js';
import type { CrmGateway } from '../../src/crm/index.js';
import { createIdentityStore } from '../../src/identity/store.js';
import { silentLogger } from '../../src/infra/log.js';
import { createBitrixChatChannel } from '../../src/messengers/bitrix24/channel.js';
import type { BitrixChatEvent } from '../../src/messengers/bitrix24/events.js';
import { registerBitrixBot } from '../../src/messengers/bitrix24/register.js';
import { testRedis, uniquePrefix } from '../support/redis.js';
import { startChatPortal } from './support.js';

const BOT_TOKEN = 'dp-channel-bot-token-0123';
const manager = DEMO.users.moscowManagers[0]!;

let redis: Redis;
let sandbox: BitrixSandbox;
let crm: CrmGateway;
beforeAll(async () => {
  redis = testRedis();
  ({ sandbox, crm } = await startChatPortal(redis));
});
afterAll(async () => {
  await sandbox.close();
  await redis.quit();
});

function channel(code: string) {
  const prefix = uniquePrefix('chan');
  return createBitrixChatChannel({
    crm, redis, prefix, log: silentLogger(), store: createIdentityStore(redis, prefix), botToken: BOT_TOKEN, code, pollSeconds: 5,
  });
}

describe('the Bitrix24 chat channel', () => {
  it('finds a bot registered again under a new id without a restart', async () => {
    const first = await registerBitrixBot(crm, { code: 'chan_reborn', name: 'DealPilot', botToken: BOT_TOKEN });
    const chat = channel('chan_reborn');
    await chat.adapter.send(String(manager), { text: 'до' });
    expect(await chat.botId()).toBe(first.botId);

    await crm.call('imbot.v2.Bot.unregister', { botId: first.botId, botToken: BOT_TOKEN });
    const refused = await chat.adapter.send(String(manager), { text: 'между' }).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(ChatRejectedError);
    expect((refused as ChatRejectedError).code).toBe('BOT_NOT_FOUND');

    const second = await registerBitrixBot(crm, { code: 'chan_reborn', name: 'DealPilot', botToken: BOT_TOKEN });
    expect(second.botId).not.toBe(first.botId);
    await chat.adapter.send(String(manager), { text: 'после' });
    expect(await chat.botId()).toBe(second.botId);
    expect(imbotOf(sandbox.store).transcript(manager, second.botId).map((e) => e.text)).toEqual(['после']);
  });

  it('polls from one place at a time: a tick while another poll runs is skipped; `wait` waits its turn', async () => {
    const bot = await registerBitrixBot(crm, { code: 'chan_lock', name: 'DealPilot', botToken: BOT_TOKEN });
    const chat = channel('chan_lock');
    const order: string[] = [];
    let release!: () => void;
    const gate = new Promise<void>((resolve) => { release = resolve; });
    chat.setHandler(async (event: BitrixChatEvent) => {
      order.push(event.kind === 'text' ? event.text : event.kind);
      if (event.kind === 'text' && event.text === 'первое') await gate;
    });
    imbotOf(sandbox.store).personWrites(manager, 'первое', bot.botId);
    const running = chat.poll();
    while (order.length === 0) await new Promise((resolve) => setTimeout(resolve, 10));
    expect(await chat.poll()).toBeNull();
    imbotOf(sandbox.store).personWrites(manager, 'второе', bot.botId);
    const waiting = chat.poll({ wait: true });
    release();
    expect((await running)?.handled).toBe(1);
    expect((await waiting)?.handled).toBe(1);
    expect(order).toEqual(['первое', 'второе']);
  });
});
