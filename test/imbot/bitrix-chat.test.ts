import { type BitrixSandbox, DEMO } from '@dealpilot/sandbox/bitrix';
import { type ImbotState, imbotOf } from '@dealpilot/sandbox/bitrix/imbot';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ChatRejectedError, ChatUnreachableError } from '../../src/chat/adapter.js';
import { encodeCallback } from '../../src/chat/callback-codec.js';
import { actionButton, urlButton } from '../../src/chat/message.js';
import type { CrmGateway } from '../../src/crm/index.js';
import { createBitrixChatAdapter } from '../../src/messengers/bitrix24/adapter.js';
import {
  type BitrixChatEvent, offsetKey, type PullOptions, pullBitrixChatEvents,
} from '../../src/messengers/bitrix24/events.js';
import { registerBitrixBot } from '../../src/messengers/bitrix24/register.js';
import { BUTTON_COMMAND } from '../../src/messengers/bitrix24/render.js';
import { testRedis, uniquePrefix } from '../support/redis.js';
import { startChatPortal } from './support.js';

const redis = testRedis();
const BOT_TOKEN = 'dp-test-bot-token-0123456789';
const manager = DEMO.users.moscowManagers[0]!;

let sandbox: BitrixSandbox;
let crm: CrmGateway;
let chat: ImbotState;

beforeAll(async () => {
  ({ sandbox, crm } = await startChatPortal(redis));
  chat = imbotOf(sandbox.store);
});
afterAll(async () => {
  await sandbox.close();
  await redis.quit();
});
beforeEach(() => {
  sandbox.faults.reset();
});

/** Registers (or finds) the test bot; the first test proves this is idempotent. */
async function bot(): Promise<number> {
  return (await registerBitrixBot(crm, { code: 'dealpilot', name: 'DealPilot', botToken: BOT_TOKEN })).botId;
}

function poller(prefix = uniquePrefix('imbot')): { options: PullOptions; seen: BitrixChatEvent[]; handle: (e: BitrixChatEvent) => Promise<void> } {
  const seen: BitrixChatEvent[] = [];
  return { options: { redis, keyPrefix: `${prefix}:`, botToken: BOT_TOKEN }, seen, handle: async (e) => { seen.push(e); } };
}

/** Acknowledges whatever is queued, so a test starts from an empty queue. */
async function drain(botId: number): Promise<void> {
  const p = poller();
  await pullBitrixChatEvents(crm, botId, p.handle, p.options);
  await pullBitrixChatEvents(crm, botId, p.handle, p.options);
  expect(chat.pendingEvents(botId)).toHaveLength(0);
}

describe('registration', () => {
  it('running it twice leaves one bot and one set of commands', async () => {
    const first = await registerBitrixBot(crm, { code: 'dealpilot', name: 'DealPilot', botToken: BOT_TOKEN });
    const second = await registerBitrixBot(crm, { code: 'dealpilot', name: 'DealPilot', botToken: BOT_TOKEN });
    expect(first.created).toBe(true);
    expect(second.created).toBe(false);
    expect(second.botId).toBe(first.botId);
    expect(second.commands).toEqual(first.commands);
    expect(Object.keys(first.commands).sort()).toEqual([BUTTON_COMMAND, 'app', 'help', 'report', 'settings'].sort());
    expect(chat.allBots().filter((b) => b.code === 'dealpilot')).toHaveLength(1);
    expect(chat.commandsOf(first.botId)).toHaveLength(5);
    expect(chat.commandsOf(first.botId).find((c) => c.command === BUTTON_COMMAND)?.hidden).toBe(true);
    // The second run found the bot by listing, without asking the portal to register it again.
    const registerCalls = sandbox.callLog.filter((c) => c.method === 'imbot.v2.bot.register');
    expect(registerCalls).toHaveLength(1);
  });

  it('refuses a token longer than the portal accepts before calling it', async () => {
    await expect(registerBitrixBot(crm, { code: 'x', name: 'X', botToken: 'a'.repeat(41) })).rejects.toThrow(RangeError);
  });
});

describe('the chat adapter', () => {
  it('sends BB-code text with a keyboard and edits it; the transcript shows both versions', async () => {
    const botId = await bot();
    const adapter = createBitrixChatAdapter(crm, { botId, botToken: BOT_TOKEN });
    const take = encodeCallback('lead.take', 17);
    const ref = await adapter.send(String(manager), {
      text: '**Новый лид** _Ромашка_ `L_17`',
      buttons: [[actionButton('Беру', take), actionButton('Отказ', encodeCallback('lead.reject', 17))], [urlButton('Открыть', 'https://acme.bitrix24.ru/crm/lead/details/17/')]],
    });
    expect(ref).toMatchObject({ channel: 'bitrix24', chatId: String(manager) });
    expect(ref.messageId).toMatch(/^\d+$/);

    let [entry] = chat.transcript(manager, botId).filter((m) => String(m.messageId) === ref.messageId);
    expect(entry).toMatchObject({ from: 'bot', text: '[B]Новый лид[/B] [I]Ромашка[/I] [CODE]L_17[/CODE]', edits: 0 });
    expect(entry!.buttons).toEqual([
      [
        { text: 'Беру', command: BUTTON_COMMAND, params: take, blocked: false },
        { text: 'Отказ', command: BUTTON_COMMAND, params: '1|lr|17', blocked: false },
      ],
      [{ text: 'Открыть', link: 'https://acme.bitrix24.ru/crm/lead/details/17/', blocked: false }],
    ]);

    await adapter.edit(ref, { text: '**Лид взят** в работу' });
    [entry] = chat.transcript(manager, botId).filter((m) => String(m.messageId) === ref.messageId);
    expect(entry).toMatchObject({ text: '[B]Лид взят[/B] в работу', buttons: [], edits: 1 });
  });

  it('maps portal refusals onto the adapter errors', async () => {
    const botId = await bot();
    const adapter = createBitrixChatAdapter(crm, { botId, botToken: BOT_TOKEN });
    // A fired employee cannot be written to: do not retry on this channel.
    await expect(adapter.send(String(DEMO.users.formerManager), { text: 'x' })).rejects.toBeInstanceOf(ChatUnreachableError);
    await expect(adapter.send('chat-abc', { text: 'x' })).rejects.toBeInstanceOf(ChatUnreachableError);
    // An empty message and a message that is not the bot's are the message's own fault.
    await expect(adapter.send(String(manager), { text: '  ' })).rejects.toBeInstanceOf(ChatRejectedError);
    await expect(adapter.edit({ channel: 'bitrix24', chatId: String(manager), messageId: '999999999' }, { text: 'x' }))
      .rejects.toBeInstanceOf(ChatRejectedError);
    // A wrong bot token is a configuration failure, and the token never shows in the error.
    const wrong = createBitrixChatAdapter(crm, { botId, botToken: 'not-the-token-of-this-bot' });
    const error = await wrong.send(String(manager), { text: 'x' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ChatRejectedError);
    expect((error as Error).message).toContain('BOT_OWNERSHIP_ERROR');
    expect((error as Error).message).not.toContain('not-the-token-of-this-bot');
  });
});

describe('the fetch-mode poller', () => {
  it('delivers a button press once, decoded, and refuses it when the portal delivers it again', async () => {
    const botId = await bot();
    await drain(botId);
    const adapter = createBitrixChatAdapter(crm, { botId, botToken: BOT_TOKEN });
    const ref = await adapter.send(String(manager), { text: 'Лид 17', buttons: [[actionButton('Беру', encodeCallback('lead.take', 17))]] });
    const pressed = chat.pressButton(manager, Number(ref.messageId), 'Беру');

    const p = poller();
    const first = await pullBitrixChatEvents(crm, botId, p.handle, p.options);
    expect(first).toMatchObject({ fetched: 1, handled: 1, duplicates: 0, refused: [], failed: null });
    expect(p.seen).toEqual([{
      kind: 'button', eventId: pressed.eventId, eventKey: String(pressed.eventId), userId: manager, chatId: String(manager), language: 'ru',
      callback: { action: 'lead.take', args: [17] },
      message: { channel: 'bitrix24', chatId: String(manager), messageId: ref.messageId },
    }]);
    // BLOCK:'Y' — the pressed button is disabled in the chat until the bot edits the message.
    expect(chat.transcript(manager, botId).at(-1)!.buttons[0]![0]!.blocked).toBe(true);
    expect(() => chat.pressButton(manager, Number(ref.messageId), 'Беру')).toThrow(/disabled/);

    // The saved offset was lost before it acknowledged the event, so the portal hands it out again: refused.
    await redis.del(offsetKey(p.options.keyPrefix, botId));
    const replay = await pullBitrixChatEvents(crm, botId, p.handle, p.options);
    expect(replay).toMatchObject({ fetched: 1, handled: 0, duplicates: 1 });
    expect(p.seen).toHaveLength(1);

    // With the offset kept, the next poll acknowledges it and the queue is empty.
    await pullBitrixChatEvents(crm, botId, p.handle, p.options);
    expect(chat.pendingEvents(botId)).toHaveLength(0);
    expect(p.seen).toHaveLength(1);
  });

  it('refuses forged events: another bot, a bad payload, a button command typed by hand', async () => {
    const botId = await bot();
    await drain(botId);
    const adapter = createBitrixChatAdapter(crm, { botId, botToken: BOT_TOKEN });
    const ref = await adapter.send(String(manager), { text: 'x', buttons: [[actionButton('Беру', encodeCallback('lead.take', 17))]] });
    const genuine = chat.pressButton(manager, Number(ref.messageId), 0);
    const foreign = chat.injectEvent(botId, 'ONIMBOTV2COMMANDADD', { ...genuine.data, bot: { id: botId + 1, code: 'other' } });
    const command = genuine.data.command as Record<string, unknown>;
    const badPayload = chat.injectEvent(botId, 'ONIMBOTV2COMMANDADD', { ...genuine.data, command: { ...command, params: '1|lt|17|DROP' } });
    const unknownAction = chat.injectEvent(botId, 'ONIMBOTV2COMMANDADD', { ...genuine.data, command: { ...command, params: '1|zz|17' } });
    const noUser = chat.injectEvent(botId, 'ONIMBOTV2COMMANDADD', { ...genuine.data, user: { id: 'abc' } });
    // Typed as "/act 1|lt|17": a genuine command event, but not from our keyboard.
    chat.personWrites(manager, `/${BUTTON_COMMAND} 1|lt|17`, botId);
    const typed = chat.pendingEvents(botId).at(-1)!;
    expect(typed.data.command).toMatchObject({ context: 'textarea', params: '1|lt|17' });

    const p = poller();
    const summary = await pullBitrixChatEvents(crm, botId, p.handle, p.options);
    expect(summary.handled).toBe(1);
    expect(p.seen.map((e) => e.eventId)).toEqual([genuine.eventId]);
    expect(summary.refused).toEqual([
      { eventId: foreign.eventId, type: 'ONIMBOTV2COMMANDADD', reason: 'foreign_bot' },
      { eventId: badPayload.eventId, type: 'ONIMBOTV2COMMANDADD', reason: 'bad_payload:bad_arguments' },
      { eventId: unknownAction.eventId, type: 'ONIMBOTV2COMMANDADD', reason: 'bad_payload:unknown_action' },
      { eventId: noUser.eventId, type: 'ONIMBOTV2COMMANDADD', reason: 'no_user' },
      { eventId: typed.eventId, type: 'ONIMBOTV2COMMANDADD', reason: 'not_keyboard' },
    ]);
  });

  it('hands chat commands and text messages over, and ignores other event types', async () => {
    const botId = await bot();
    await drain(botId);
    chat.personWrites(manager, '/report week', botId);
    chat.personWrites(manager, 'привет', botId);
    chat.injectEvent(botId, 'ONIMBOTV2JOINCHAT', { bot: { id: botId }, dialogId: 'chat5' });

    const p = poller();
    const summary = await pullBitrixChatEvents(crm, botId, p.handle, p.options);
    expect(summary).toMatchObject({ fetched: 3, handled: 2, ignored: 1, refused: [] });
    expect(p.seen).toMatchObject([
      { kind: 'command', command: 'report', params: 'week', context: 'textarea', userId: manager, chatId: String(manager) },
      { kind: 'text', text: 'привет', userId: manager, chatId: String(manager) },
    ]);
  });

  it('retries an event whose handler failed on the next poll, and only that one', async () => {
    const botId = await bot();
    await drain(botId);
    chat.personWrites(manager, 'один', botId);
    chat.personWrites(manager, 'два', botId);
    chat.personWrites(manager, 'три', botId);
    const p = poller();
    const texts: string[] = [];
    let failOn: string | null = 'два';
    const handle = async (e: BitrixChatEvent): Promise<void> => {
      if (e.kind !== 'text') return;
      if (e.text === failOn) throw new Error('CRM down');
      texts.push(e.text);
    };

    const failed = await pullBitrixChatEvents(crm, botId, handle, p.options);
    expect(failed.handled).toBe(1);
    expect(failed.failed?.error).toBeInstanceOf(Error);
    expect(texts).toEqual(['один']);

    failOn = null;
    const retried = await pullBitrixChatEvents(crm, botId, handle, p.options);
    expect(retried).toMatchObject({ handled: 2, duplicates: 0, failed: null });
    expect(texts).toEqual(['один', 'два', 'три']);
  });
});
