/**
 * Push mode (imbot.v2 eventMode "webhook") end to end: the sandbox portal POSTs the bot's events over real HTTP
 * to our endpoint on an express app, which verifies the application token and hands them to the same once-only
 * handling as the fetch-mode poller, with markers in a real Redis.
 */
import type { Server } from 'node:http';
import {
  type BitrixSandbox, buildPhpQuery, DEMO, parsePhpQuery,
} from '@dealpilot/sandbox/bitrix';
import { type ImbotState, imbotOf } from '@dealpilot/sandbox/bitrix/imbot';
import express from 'express';
import { type Logger, pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeCallback } from '../../src/chat/callback-codec.js';
import { actionButton } from '../../src/chat/message.js';
import type { CrmGateway } from '../../src/crm/index.js';
import { createBitrixChatAdapter } from '../../src/messengers/bitrix24/adapter.js';
import { type BitrixChatEvent, checkBitrixChatEvent } from '../../src/messengers/bitrix24/events.js';
import {
  B24_BOT_EVENTS_PATH, type BitrixBotEventOutcome, type BitrixBotEventsEndpoint, mountBitrixBotEvents,
} from '../../src/messengers/bitrix24/push.js';
import { registerBitrixBot } from '../../src/messengers/bitrix24/register.js';
import { BUTTON_COMMAND } from '../../src/messengers/bitrix24/render.js';
import { testRedis, uniquePrefix } from '../support/redis.js';
import { startChatPortal } from './support.js';

const redis = testRedis();
const BOT_TOKEN = 'dp-push-bot-token-0123456789';
const APP_TOKEN = 'a1b2c3d4e5f60718293a4b5c6d7e8f90';
const NEAR_MISS = 'a1b2c3d4e5f60718293a4b5c6d7e8f91';
const manager = DEMO.users.moscowManagers[0]!;

let sandbox: BitrixSandbox;
let crm: CrmGateway;
let chat: ImbotState;
let server: Server;
let appOrigin: string;
const logLines: string[] = [];
/** Events handled, per bot. */
const seen = new Map<number, BitrixChatEvent[]>();
const outcomes: BitrixBotEventOutcome[] = [];
/** Events whose handling failed for good (the person would be told). */
const givenUp: BitrixChatEvent[] = [];
/** A text that makes the handler throw. */
const FAILING_TEXT = 'сломайся';
let endpoint: BitrixBotEventsEndpoint;
/** The bot the endpoint serves; each describe registers its own and points the endpoint at it. */
let currentBot: number | null = null;

beforeAll(async () => {
  ({ sandbox, crm } = await startChatPortal(redis));
  chat = imbotOf(sandbox.store);
  chat.configureWebhooks({ applicationToken: APP_TOKEN, domain: new URL(sandbox.origin).host, clientEndpoint: `${sandbox.origin}/rest/` });

  // A plain pino logger without DealPilot's masking: the endpoint itself must not write a token.
  const log: Logger = pino({ level: 'debug' }, { write: (line: string) => { logLines.push(line); } });
  const app = express();
  const keyPrefix = `${uniquePrefix('push')}:`;
  endpoint = mountBitrixBotEvents(app, {
    applicationToken: APP_TOKEN, botId: async () => currentBot, redis, keyPrefix, log,
    handle: async (event) => {
      if (event.kind === 'text' && event.text === FAILING_TEXT) throw new Error('CRM down');
      const list = seen.get(currentBot!) ?? [];
      list.push(event);
      seen.set(currentBot!, list);
    },
    onOutcome: (outcome) => outcomes.push(outcome),
    onGiveUp: async (event) => { givenUp.push(event); },
  });
  // The same endpoint without a configured token: nothing gets through.
  mountBitrixBotEvents(app, {
    applicationToken: undefined, botId: async () => currentBot, redis, keyPrefix, log, path: '/b24/bot-unconfigured',
    handle: async () => { throw new Error('must not be called'); },
  });
  await new Promise<void>((resolve) => { server = app.listen(0, '127.0.0.1', () => resolve()); });
  const address = server.address();
  appOrigin = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
});

afterAll(async () => {
  await chat.flushWebhooks();
  await endpoint.settled();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  await sandbox.close();
  await redis.quit();
});

function hookUrl(): string {
  return `${appOrigin}${B24_BOT_EVENTS_PATH}`;
}

/** Registers (or finds) a webhook-mode bot with this code and points the endpoint at it. */
async function pushBot(code: string): Promise<number> {
  const bot = await registerBitrixBot(crm, { code, name: 'DealPilot', botToken: BOT_TOKEN, webhookUrl: hookUrl() });
  currentBot = bot.botId;
  return bot.botId;
}

/** Waits until the portal's POSTs were answered and what they handed over was handled. */
async function delivered(): Promise<void> {
  await chat.flushWebhooks();
  await endpoint.settled();
}

async function post(body: string, contentType = 'application/x-www-form-urlencoded', path = B24_BOT_EVENTS_PATH): Promise<{ status: number; json: unknown }> {
  const response = await fetch(`${appOrigin}${path}`, { method: 'POST', headers: { 'content-type': contentType }, body });
  return { status: response.status, json: await response.json() };
}

function handled(botId: number): BitrixChatEvent[] {
  return seen.get(botId) ?? [];
}

describe('registration in webhook mode', () => {
  it('registering twice with a webhook URL leaves one bot, in webhook mode, at that URL', async () => {
    const before = sandbox.callLog.filter((c) => c.method === 'imbot.v2.bot.register').length;
    const first = await registerBitrixBot(crm, { code: 'push_twice', name: 'DealPilot', botToken: BOT_TOKEN, webhookUrl: hookUrl() });
    const second = await registerBitrixBot(crm, { code: 'push_twice', name: 'DealPilot', botToken: BOT_TOKEN, webhookUrl: hookUrl() });
    expect(first).toMatchObject({ created: true, updated: false, eventMode: 'webhook' });
    expect(second).toMatchObject({ created: false, eventMode: 'webhook', botId: first.botId });
    expect(second.commands).toEqual(first.commands);
    const bots = chat.allBots().filter((b) => b.code === 'push_twice');
    expect(bots).toHaveLength(1);
    expect(bots[0]).toMatchObject({ eventMode: 'webhook', webhookUrl: hookUrl() });
    expect(sandbox.callLog.filter((c) => c.method === 'imbot.v2.bot.register').length - before).toBe(1);
  });

  it('switching a fetch-mode bot to webhook mode updates the same bot, and back again', async () => {
    const fetchMode = await registerBitrixBot(crm, { code: 'switcher', name: 'DealPilot', botToken: BOT_TOKEN });
    expect(fetchMode).toMatchObject({ created: true, eventMode: 'fetch' });
    const updatesBefore = sandbox.callLog.filter((c) => c.method === 'imbot.v2.bot.update').length;

    const pushMode = await registerBitrixBot(crm, { code: 'switcher', name: 'DealPilot', botToken: BOT_TOKEN, webhookUrl: hookUrl() });
    expect(pushMode).toMatchObject({ botId: fetchMode.botId, created: false, updated: true, eventMode: 'webhook' });
    expect(chat.allBots().filter((b) => b.code === 'switcher')).toEqual([
      expect.objectContaining({ id: fetchMode.botId, eventMode: 'webhook', webhookUrl: hookUrl() }),
    ]);
    const updates = sandbox.callLog.filter((c) => c.method === 'imbot.v2.bot.update');
    expect(updates.length - updatesBefore).toBe(1);
    expect(updates.at(-1)!.params).toMatchObject({ botId: fetchMode.botId, fields: { eventMode: 'webhook', webhookUrl: hookUrl() } });

    // The switched bot's events now arrive by POST and are handled.
    currentBot = fetchMode.botId;
    chat.personWrites(manager, 'после переключения', fetchMode.botId);
    await delivered();
    expect(chat.pendingEvents(fetchMode.botId)).toHaveLength(0);
    expect(handled(fetchMode.botId).map((e) => e.kind === 'text' && e.text)).toEqual(['после переключения']);

    // Back to fetch: the bot queues its events for Event.get again.
    const back = await registerBitrixBot(crm, { code: 'switcher', name: 'DealPilot', botToken: BOT_TOKEN });
    expect(back).toMatchObject({ botId: fetchMode.botId, updated: true, eventMode: 'fetch' });
    expect(chat.getBot(fetchMode.botId)).toMatchObject({ eventMode: 'fetch', webhookUrl: null });
    chat.personWrites(manager, 'снова в очередь', fetchMode.botId);
    expect(chat.pendingEvents(fetchMode.botId)).toHaveLength(1);
  });

  it('refuses a webhook URL that is not absolute http(s) before calling the portal', async () => {
    await expect(registerBitrixBot(crm, { code: 'bad_url', name: 'X', botToken: BOT_TOKEN, webhookUrl: '/b24/bot' })).rejects.toThrow(RangeError);
    await expect(registerBitrixBot(crm, { code: 'bad_url', name: 'X', botToken: BOT_TOKEN, webhookUrl: 'ftp://x/b24/bot' })).rejects.toThrow(RangeError);
    expect(chat.findBotByCode('bad_url')).toBeUndefined();
  });
});

describe('events pushed to the endpoint', () => {
  it('hands a button press over once, decoded by the callback codec, from a POST shaped like the portal\'s', async () => {
    const botId = await pushBot('push_press');
    const adapter = createBitrixChatAdapter(crm, { botId, botToken: BOT_TOKEN });
    const ref = await adapter.send(String(manager), { text: 'Лид 17', buttons: [[actionButton('Беру', encodeCallback('lead.take', 17))]] });
    chat.pressButton(manager, Number(ref.messageId), 'Беру');
    await delivered();

    expect(handled(botId)).toEqual([{
      kind: 'button', eventId: null, eventKey: expect.stringMatching(/^push:[0-9a-f]{32}$/), userId: manager,
      chatId: String(manager), language: 'ru', callback: { action: 'lead.take', args: [17] },
      message: { channel: 'bitrix24', chatId: String(manager), messageId: ref.messageId },
    }]);
    // Nothing waits in the queue: a webhook-mode bot's events are posted, and Event.get is refused for it.
    expect(chat.pendingEvents(botId)).toHaveLength(0);
    await expect(crm.call('imbot.v2.Event.get', { botId, botToken: BOT_TOKEN })).rejects.toMatchObject({ code: 'BOT_INVALID_EVENT_MODE' });

    // The POST: form-encoded PHP keys, scalars as strings, data.bot = {id, code, auth}, top-level auth.
    const [delivery] = chat.webhookDeliveries(botId);
    expect(delivery).toMatchObject({ type: 'ONIMBOTV2COMMANDADD', url: hookUrl(), status: 200 });
    expect(delivery!.body).toContain(`data%5Bbot%5D%5Bid%5D=${botId}`);
    const body = parsePhpQuery(delivery!.body) as Record<string, any>;
    expect(body.event).toBe('ONIMBOTV2COMMANDADD');
    expect(body.ts).toMatch(/^\d+$/);
    expect(body.auth).toEqual({ domain: new URL(sandbox.origin).host, application_token: APP_TOKEN });
    expect(Object.keys(body.data.bot).sort()).toEqual(['auth', 'code', 'id']);
    expect(body.data.bot).toMatchObject({ id: String(botId), code: 'push_press', auth: { application_token: APP_TOKEN, scope: 'imbot' } });
    expect(body.data.user).toMatchObject({ id: String(manager), bot: '0', active: '1' });
    expect(body.data.message).toMatchObject({ id: ref.messageId, isSystem: '0', forward: '' });
    expect(body.data.command).toMatchObject({ command: `/${BUTTON_COMMAND}`, params: encodeCallback('lead.take', 17), context: 'keyboard' });
  });

  it('refuses the same POST replayed, and still handles a second real press', async () => {
    const botId = await pushBot('push_replay');
    const adapter = createBitrixChatAdapter(crm, { botId, botToken: BOT_TOKEN });
    const keyboard = { text: 'Лид 18', buttons: [[actionButton('Беру', encodeCallback('lead.take', 18))]] };
    const ref = await adapter.send(String(manager), keyboard);
    chat.pressButton(manager, Number(ref.messageId), 'Беру');
    await delivered();
    expect(handled(botId)).toHaveLength(1);

    const [original] = chat.webhookDeliveries(botId);
    const replay = await post(original!.body);
    expect(replay).toEqual({ status: 200, json: { result: 'accepted' } });
    await endpoint.settled();
    expect(handled(botId)).toHaveLength(1);
    expect(outcomes.at(-1)).toMatchObject({ status: 'duplicate', kind: 'button', eventKey: handled(botId)[0]!.eventKey });

    // The bot edits the message (buttons enabled again) and the person presses once more, a second later.
    await adapter.edit(ref, keyboard);
    sandbox.clock.advance(1000);
    chat.pressButton(manager, Number(ref.messageId), 'Беру');
    await delivered();
    const events = handled(botId);
    expect(events).toHaveLength(2);
    expect(events[1]).toMatchObject({ kind: 'button', callback: { action: 'lead.take', args: [18] } });
    expect(events[1]!.eventKey).not.toBe(events[0]!.eventKey);
  });

  it('answers 401 to a missing or wrong application token, calls no handler and logs no token', async () => {
    const botId = await pushBot('push_auth');
    const adapter = createBitrixChatAdapter(crm, { botId, botToken: BOT_TOKEN });
    const ref = await adapter.send(String(manager), { text: 'x', buttons: [[actionButton('Беру', encodeCallback('lead.take', 19))]] });
    const genuine = chat.pressButton(manager, Number(ref.messageId), 'Беру');
    await delivered();
    expect(handled(botId)).toHaveLength(1);
    logLines.length = 0;

    const ts = Math.floor(sandbox.clock.nowMs() / 1000) + 60; // a fresh key: only the token can stop these
    const form = (auth: Record<string, string> | undefined): string =>
      buildPhpQuery({ event: 'ONIMBOTV2COMMANDADD', data: genuine.data, ts: String(ts), ...(auth ? { auth } : {}) });
    const domain = new URL(sandbox.origin).host;
    expect(await post(form({ domain, application_token: NEAR_MISS }))).toMatchObject({ status: 401 });
    expect(await post(form({ domain }))).toMatchObject({ status: 401 });
    expect(await post(form(undefined))).toMatchObject({ status: 401 });
    // The token inside data[bot][auth] is the bot's callback token, not proof of the sender.
    expect(await post(form({ domain, application_token: '' }))).toMatchObject({ status: 401 });
    expect(await post(JSON.stringify({ event: 'ONIMBOTV2COMMANDADD', data: genuine.data, ts, auth: { application_token: NEAR_MISS } }), 'application/json'))
      .toMatchObject({ status: 401 });
    // With no token configured even the right one is refused.
    expect(await post(form({ domain, application_token: APP_TOKEN }), undefined, '/b24/bot-unconfigured')).toMatchObject({ status: 401 });
    await endpoint.settled();

    expect(handled(botId)).toHaveLength(1);
    const logged = logLines.join('\n');
    expect(logLines.filter((l) => l.includes('wrong application token'))).toHaveLength(6);
    expect(logged).not.toContain(APP_TOKEN);
    expect(logged).not.toContain(NEAR_MISS);

    // The right token over JSON gets through (same checks as the form).
    expect(await post(JSON.stringify({ event: 'ONIMBOTV2COMMANDADD', data: genuine.data, ts, auth: { application_token: APP_TOKEN } }), 'application/json'))
      .toEqual({ status: 200, json: { result: 'accepted' } });
    await endpoint.settled();
    expect(handled(botId)).toHaveLength(2);
  });

  it('parses webhook typing: ids as strings, booleans as "1"/"0", null as ""', async () => {
    const botId = await pushBot('push_typing');
    const data = {
      bot: { id: String(botId), code: 'push_typing', auth: { application_token: APP_TOKEN } },
      message: { id: '555', chatId: '10012', authorId: '12', text: 'привет', isSystem: '0', uuid: '', forward: '', viewedByOthers: '0' },
      chat: { id: '10012', dialogId: '12', type: 'private', owner: '0' },
      user: { id: '12', active: '1', bot: '0', extranet: '0', absent: '0', idle: '0', departments: ['1'] },
      language: 'en',
    };
    const body = (user: Record<string, unknown>, ts: number): string => buildPhpQuery({
      event: 'ONIMBOTV2MESSAGEADD', data: { ...data, user: { ...data.user, ...user } }, ts: String(ts),
      auth: { domain: 'portal.example', application_token: APP_TOKEN },
    });
    expect(await post(body({}, 1_772_000_000))).toEqual({ status: 200, json: { result: 'accepted' } });
    // A message of another bot ("bot":"1") is not ours to answer.
    expect(await post(body({ id: '13', bot: '1' }, 1_772_000_001))).toEqual({ status: 200, json: { result: 'ignored' } });
    // An event without ts cannot be told from its replay.
    expect(await post(buildPhpQuery({ event: 'ONIMBOTV2MESSAGEADD', data, auth: { application_token: APP_TOKEN } }))).toMatchObject({ status: 400 });
    await endpoint.settled();
    expect(handled(botId)).toEqual([{
      kind: 'text', text: 'привет', messageId: 555, userId: 12, chatId: '12', language: 'en', eventId: null,
      eventKey: expect.stringMatching(/^push:/),
    }]);
  });

  it('gives one event the same key whichever way its fields are typed', () => {
    const typed = {
      bot: { id: 7, code: 'x' }, command: { id: 3, command: '/report', params: 'week', context: 'textarea' },
      message: { id: 90, text: '/report week' }, chat: { dialogId: '12', type: 'private' }, user: { id: 12, bot: false }, language: 'ru',
    };
    const stringly = {
      bot: { id: '7', code: 'x' }, command: { id: '3', command: '/report', params: 'week', context: 'textarea' },
      message: { id: '90', text: '/report week' }, chat: { dialogId: '12', type: 'private' }, user: { id: '12', bot: '0' }, language: 'ru',
    };
    const a = checkBitrixChatEvent({ type: 'ONIMBOTV2COMMANDADD', data: typed, ts: 1_772_000_000 }, 7, 'webhook');
    const b = checkBitrixChatEvent({ type: 'ONIMBOTV2COMMANDADD', data: stringly, ts: '1772000000' }, 7, 'webhook');
    expect(a).toEqual(b);
    expect(a).toMatchObject({ ok: true, event: { kind: 'command', command: 'report', params: 'week', userId: 12 } });
    const later = checkBitrixChatEvent({ type: 'ONIMBOTV2COMMANDADD', data: typed, ts: 1_772_000_001 }, 7, 'webhook');
    expect(later.ok && a.ok && later.event.eventKey !== a.event.eventKey).toBe(true);
  });

  it('refuses a button command typed by hand and an event of another bot', async () => {
    const botId = await pushBot('push_forged');
    const adapter = createBitrixChatAdapter(crm, { botId, botToken: BOT_TOKEN });
    const ref = await adapter.send(String(manager), { text: 'x', buttons: [[actionButton('Беру', encodeCallback('lead.take', 20))]] });
    sandbox.clock.advance(1000);
    const genuine = chat.pressButton(manager, Number(ref.messageId), 'Беру');
    await delivered();
    expect(handled(botId)).toHaveLength(1);
    const start = outcomes.length;

    // Typed as "/act 1|lt|20": a real command event, but not from our keyboard.
    chat.personWrites(manager, `/${BUTTON_COMMAND} 1|lt|20`, botId);
    chat.injectEvent(botId, 'ONIMBOTV2COMMANDADD', { ...genuine.data, bot: { id: botId + 1, code: 'other', auth: {} } });
    chat.injectEvent(botId, 'ONIMBOTV2COMMANDADD', { ...genuine.data, command: { ...(genuine.data.command as object), params: '1|lt|20|DROP' } });
    await delivered();

    expect(handled(botId)).toHaveLength(1);
    expect(outcomes.slice(start)).toEqual([
      { status: 'refused', refused: { eventId: null, type: 'ONIMBOTV2COMMANDADD', reason: 'not_keyboard' } },
      { status: 'refused', refused: { eventId: null, type: 'ONIMBOTV2COMMANDADD', reason: 'foreign_bot' } },
      { status: 'refused', refused: { eventId: null, type: 'ONIMBOTV2COMMANDADD', reason: 'bad_payload:bad_arguments' } },
    ]);
  });

  it('survives a failing handler: the person is told once, later events go on, and a replay does not run it again', async () => {
    const botId = await pushBot('push_failure');
    const start = outcomes.length;
    sandbox.clock.advance(1000);
    chat.personWrites(manager, FAILING_TEXT, botId);
    chat.personWrites(manager, 'после сбоя', botId);
    await delivered();

    // The portal does not deliver an event twice, so the first failure is final.
    const failed = outcomes.slice(start).find((o) => o.status === 'failed');
    expect(failed).toMatchObject({ status: 'failed', kind: 'text' });
    expect(handled(botId).map((e) => e.kind === 'text' && e.text)).toEqual(['после сбоя']);
    expect(givenUp.map((e) => e.kind === 'text' && e.text)).toEqual([FAILING_TEXT]);
    expect(logLines.some((l) => l.includes('bitrix24 chat event handler failed'))).toBe(true);

    // The same POST again (a replay) is a duplicate: nothing runs twice, nobody is told twice.
    const [first] = chat.webhookDeliveries(botId);
    const before = outcomes.length;
    expect(await post(first!.body)).toMatchObject({ status: 200 });
    await endpoint.settled();
    expect(outcomes.slice(before)).toEqual([expect.objectContaining({ status: 'duplicate', eventKey: (failed as { eventKey: string }).eventKey })]);
    expect(givenUp).toHaveLength(1);
  });
});
