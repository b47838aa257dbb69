import { type BitrixSandbox, DEMO } from '@dealpilot/sandbox/bitrix';
import { imbotOf } from '@dealpilot/sandbox/bitrix/imbot';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ChatUnreachableError } from '../../src/chat/adapter.js';
import { actionButton, urlButton } from '../../src/chat/message.js';
import type { CrmGateway } from '../../src/crm/index.js';
import { createBitrixChatAdapter } from '../../src/messengers/bitrix24/adapter.js';
import { registerBitrixBot } from '../../src/messengers/bitrix24/register.js';
import { testRedis } from '../support/redis.js';
import { startChatPortal } from './support.js';

const redis = testRedis();
const BOT_TOKEN = 'dp-batch-bot-token-0123456789';
let sandbox: BitrixSandbox;
let crm: CrmGateway;
let botId: number;

beforeAll(async () => {
  ({ sandbox, crm } = await startChatPortal(redis));
  botId = (await registerBitrixBot(crm, { code: 'dealpilot', name: 'DealPilot', botToken: BOT_TOKEN })).botId;
});
afterAll(async () => {
  await sandbox.close();
  await redis.quit();
});

const people = () => sandbox.store.listUsers().filter((u) => u.ACTIVE).map((u) => u.ID);
const message = (n: number) => ({
  text: `**Дайджест** #${n}`,
  buttons: [[actionButton('Взять', `1|lt|${n}`)], [urlButton('Открыть', 'https://example.bitrix24.ru/crm/deal/details/1/')]],
});

describe('Bitrix24 chat messages sent together share batch requests', () => {
  it('100 messages: at most a few requests, each message posted once with its keyboard', async () => {
    const adapter = createBitrixChatAdapter(crm, { botId, botToken: BOT_TOKEN });
    const recipients = Array.from({ length: 100 }, (_, i) => people()[i % people().length]!);
    const before = sandbox.requestCount();
    const refs = await Promise.all(recipients.map((to, n) => adapter.send(String(to), message(n))));
    const requests = sandbox.requestCount() - before;
    expect(requests).toBeLessThanOrEqual(3);
    expect(new Set(refs.map((r) => r.messageId)).size).toBe(100);
    const chat = imbotOf(sandbox.store);
    for (const [n, to] of recipients.entries()) {
      const posted = chat.transcript(to).filter((e) => e.from === 'bot' && e.text === `[B]Дайджест[/B] #${n}`);
      expect(posted).toHaveLength(1);
      expect(posted[0]!.buttons.flat().map((b) => b.text)).toEqual(['Взять', 'Открыть']);
    }
  });

  it('a message the portal refuses fails alone; the others of its batch are posted', async () => {
    const adapter = createBitrixChatAdapter(crm, { botId, botToken: BOT_TOKEN });
    const [a, b] = people();
    const results = await Promise.allSettled([
      adapter.send(String(a), message(1001)),
      adapter.send(String(DEMO.users.formerManager), message(1002)), // deactivated: the bot may not write to them
      adapter.send(String(b), message(1003)),
    ]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect((results[1] as PromiseRejectedResult).reason).toBeInstanceOf(ChatUnreachableError);
  });

  it('maxBatch 1 keeps one request per message (the figure before batching)', async () => {
    const adapter = createBitrixChatAdapter(crm, { botId, botToken: BOT_TOKEN, maxBatch: 1 });
    const before = sandbox.requestCount();
    await Promise.all(people().slice(0, 5).map((to, n) => adapter.send(String(to), message(2000 + n))));
    expect(sandbox.requestCount() - before).toBe(5);
  });
});
