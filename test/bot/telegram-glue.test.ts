import { BotError } from 'grammy';
import type { Update } from 'grammy/types';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { helpFeature } from '../../src/capabilities/help/chat.js';
import { encodeCallback } from '../../src/chat/callback-codec.js';
import { createActionRegistry } from '../../src/conversation/actions.js';
import { type ChatFeature, createChatRouter } from '../../src/conversation/router.js';
import { t } from '../../src/i18n/index.js';
import { createDirectory, type Directory } from '../../src/identity/directory.js';
import { createIdentityStore } from '../../src/identity/store.js';
import { silentLogger } from '../../src/infra/log.js';
import { createBot } from '../../src/messengers/telegram/bot.js';
import { testRedis, uniquePrefix } from '../support/redis.js';

const MANAGER = 5;
const TG_USER = 5005;

let redis: Redis;
beforeAll(() => { redis = testRedis(); });
afterAll(async () => { await redis.quit(); });

/** A linked manager and the grammY bot with the given chat features; the Bot API is not called (see the tests). */
async function linkedBot(features: (directory: Directory) => ChatFeature[]) {
  const prefix = uniquePrefix('tg-glue');
  const store = createIdentityStore(redis, prefix);
  await store.link(MANAGER, TG_USER, String(TG_USER));
  const directory = createDirectory({
    source: {
      users: async () => [{ id: MANAGER, active: true, name: 'Анна', phones: [], departmentIds: [] }],
      departments: async () => [],
    },
  });
  const log = silentLogger();
  const router = createChatRouter(createActionRegistry({ directory, admins: [], ownerOf: async () => MANAGER, log }), features(directory));
  return createBot({
    token: '123456:review', apiRoot: 'http://127.0.0.1:9', log, store, directory, admins: [], router,
    redis, redisPrefix: prefix, flood: false,
    botInfo: {
      id: 1, is_bot: true, first_name: 'DealPilot', username: 'dealpilot_bot', can_join_groups: true,
      can_read_all_group_messages: false, supports_inline_queries: false, can_connect_to_business: false,
      has_main_web_app: false,
    } as never,
  });
}

/**
 * A press whose handler threw must reach bot.catch unanswered, so the person gets the "something went wrong"
 * toast: answering it empty first would make bot.catch's answer a second answerCallbackQuery, which Telegram
 * refuses, and the person would see the spinner stop and nothing else.
 */
describe('Telegram: a press whose handler fails', () => {
  it('is answered exactly once, with the generic error text', async () => {
    const bot = await linkedBot(() => [{
      actions(registry) {
        registry.on('settings.lang', { handle: async () => { throw new Error('CRM is down'); } });
      },
    }]);
    const calls: Array<{ method: string; payload: Record<string, unknown> }> = [];
    bot.api.config.use(async (_prev, method, payload) => {
      calls.push({ method, payload: payload as Record<string, unknown> });
      return { ok: true, result: true } as never;
    });

    const update = {
      update_id: 1,
      callback_query: {
        id: 'q1', from: { id: TG_USER, is_bot: false, first_name: 'Анна' }, chat_instance: '1',
        message: { message_id: 10, date: 1, chat: { id: TG_USER, type: 'private', first_name: 'Анна' }, text: 'settings' },
        data: encodeCallback('settings.lang', 'en'),
      },
    } as Update;
    // What long polling / the runner does: an error out of the middleware goes to bot.catch.
    try {
      await bot.handleUpdate(update);
    } catch (error) {
      if (!(error instanceof BotError)) throw error;
      await bot.errorHandler(error);
    }

    const answers = calls.filter((c) => c.method === 'answerCallbackQuery');
    expect(answers).toHaveLength(1);
    expect(answers[0]!.payload.text).toBe(t('ru', 'errors.generic'));
  });
});

describe('Telegram: commands addressed to a bot by name', () => {
  it('answers /help@dealpilot_bot and stays silent on /help@OtherBot (another bot\'s command in a group)', async () => {
    const bot = await linkedBot((directory) => [helpFeature({ directory, admins: [] })]);
    const sent: string[] = [];
    bot.api.config.use(async (_prev, method, payload) => {
      if (method === 'sendMessage') sent.push(String((payload as { text?: unknown }).text));
      return { ok: true, result: { message_id: sent.length, date: 1, chat: { id: -100, type: 'group', title: 'Продажи' } } } as never;
    });
    const message = (id: number, text: string) => ({
      update_id: id,
      message: {
        message_id: id, date: 1, chat: { id: -100, type: 'group', title: 'Продажи' }, from: { id: TG_USER, is_bot: false, first_name: 'Анна' },
        text, entities: [{ type: 'bot_command', offset: 0, length: text.length }],
      },
    }) as Update;
    await bot.handleUpdate(message(1, '/help@OtherBot'));
    expect(sent).toEqual([]);
    await bot.handleUpdate(message(2, '/help@dealpilot_bot'));
    expect(sent).toHaveLength(1);
    expect(sent[0]).toContain('/report');
  });
});
