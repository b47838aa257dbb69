import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { reportsFeature } from '../../src/capabilities/reports/chat.js';
import type { ReportsCapability } from '../../src/capabilities/reports/index.js';
import type { ChatAdapter } from '../../src/chat/adapter.js';
import type { ChatMessage, MessageRef } from '../../src/chat/message.js';
import { createActionRegistry } from '../../src/conversation/actions.js';
import { type ChatFeature, createChatRouter } from '../../src/conversation/router.js';
import { createDirectory } from '../../src/identity/directory.js';
import { createIdentityStore } from '../../src/identity/store.js';
import { silentLogger } from '../../src/infra/log.js';
import { createBitrixChatHandler } from '../../src/messengers/bitrix24/conversation.js';
import type { BitrixChatEvent } from '../../src/messengers/bitrix24/events.js';
import { testRedis, uniquePrefix } from '../support/redis.js';

const SUPERVISOR = 5;
const COLLEAGUE = 6;
/** Not in the directory: an extranet guest (the directory keeps employees only) or a bot-less integration user. */
const GUEST = 99;
const TEAM_REPORT = 'Отчёт по отделу: Иванов — 12 сделок, 3 просрочены; Петров — 4 сделки';

let redis: Redis;
beforeAll(() => { redis = testRedis(); });
afterAll(async () => { await redis.quit(); });

function setup(extra: ChatFeature[] = [], flood?: { limit: number; windowMs: number }) {
  const sends: Array<{ chatId: string; text: string }> = [];
  const adapter: ChatAdapter = {
    channel: 'bitrix24',
    async send(chatId: string, message: ChatMessage): Promise<MessageRef> {
      sends.push({ chatId, text: message.text });
      return { channel: 'bitrix24', chatId, messageId: String(sends.length) };
    },
    async edit() {},
  };
  const user = (id: number, name: string) => ({ id, active: true, name, phones: [], departmentIds: [] });
  const directory = createDirectory({
    source: { users: async () => [user(SUPERVISOR, 'Анна'), user(COLLEAGUE, 'Борис')], departments: async () => [] },
  });
  const log = silentLogger();
  const reports = {
    reportCommand: async () => [{ text: TEAM_REPORT }],
    reportForKey: async () => [{ text: TEAM_REPORT }],
  } as unknown as ReportsCapability;
  const router = createChatRouter(
    createActionRegistry({ directory, admins: [], ownerOf: async () => null, log }),
    [reportsFeature(reports), ...extra],
  );
  const store = createIdentityStore(redis, uniquePrefix('b24-group'));
  return {
    sends,
    handle: createBitrixChatHandler({
      router, adapter, directory, store, log,
      ...(flood ? { flood: { redis, keyPrefix: `${uniquePrefix('b24-flood')}:`, ...flood } } : {}),
    }),
  };
}

const base = { eventId: 1, eventKey: '1', language: 'ru' } as const;

describe('Bitrix24 chat: the bot added to a group chat', () => {
  it('does not post a person\'s /report into the group, where every member (extranet guests too) reads it', async () => {
    const { sends, handle } = setup();
    const event: BitrixChatEvent = { ...base, userId: SUPERVISOR, chatId: 'chat5', kind: 'command', command: 'report', params: '', context: 'textarea' };
    await handle(event);
    expect(sends.filter((s) => s.chatId === 'chat5').map((s) => s.text)).not.toContain(TEAM_REPORT);
  });

  it('does not answer every group message of a guest outside the directory with "not allowed"', async () => {
    const { sends, handle } = setup();
    for (let i = 0; i < 3; i += 1) {
      await handle({ ...base, userId: GUEST, chatId: 'chat5', kind: 'text', text: `сообщение ${i}`, messageId: 100 + i });
    }
    expect(sends.filter((s) => s.chatId === 'chat5')).toEqual([]);
  });

  it('takes no text from a group (anyone there could answer someone else\'s question); private texts are keyed per person', async () => {
    const conversations = new Map<number, string[]>();
    const { sends, handle } = setup([{
      async text(press) {
        conversations.set(press.actor.b24UserId, [...(conversations.get(press.actor.b24UserId) ?? []), press.conversation]);
        return true;
      },
    }]);
    await handle({ ...base, userId: SUPERVISOR, chatId: 'chat5', kind: 'text', text: 'комментарий', messageId: 1 });
    await handle({ ...base, userId: COLLEAGUE, chatId: 'chat5', kind: 'text', text: 'привет всем', messageId: 2 });
    expect(conversations.size).toBe(0);
    await handle({ ...base, userId: SUPERVISOR, chatId: String(SUPERVISOR), kind: 'text', text: 'комментарий', messageId: 3 });
    await handle({ ...base, userId: COLLEAGUE, chatId: String(COLLEAGUE), kind: 'text', text: 'ответ', messageId: 4 });
    expect(conversations.get(SUPERVISOR)).toEqual([`bitrix24:${SUPERVISOR}`]);
    expect(conversations.get(COLLEAGUE)).toEqual([`bitrix24:${COLLEAGUE}`]);
    expect(sends).toEqual([]);
  });

  it('answers a command given in a group in the person\'s private dialog', async () => {
    const { sends, handle } = setup();
    await handle({ ...base, userId: SUPERVISOR, chatId: 'chat5', kind: 'command', command: 'report', params: '', context: 'textarea' });
    expect(sends).toEqual([{ chatId: String(SUPERVISOR), text: TEAM_REPORT }]);
  });
});

describe('Bitrix24 chat: flood protection', () => {
  it('handles a person\'s first events in the window, tells them once, and drops the rest', async () => {
    const { sends, handle } = setup([], { limit: 3, windowMs: 60_000 });
    for (let i = 0; i < 6; i += 1) {
      await handle({ ...base, eventKey: String(i), userId: SUPERVISOR, chatId: String(SUPERVISOR), kind: 'command', command: 'report', params: '', context: 'textarea' });
    }
    expect(sends.map((s) => s.text)).toEqual([TEAM_REPORT, TEAM_REPORT, TEAM_REPORT, 'Слишком много нажатий — подождите пару секунд.']);
    // Another person is not held back by the first one's flood.
    await handle({ ...base, userId: COLLEAGUE, chatId: String(COLLEAGUE), kind: 'command', command: 'report', params: '', context: 'textarea' });
    expect(sends.at(-1)).toEqual({ chatId: String(COLLEAGUE), text: TEAM_REPORT });
  });
});
