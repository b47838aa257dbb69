import {
  connectTelegramSandbox, SandboxControlError, startTelegramSandbox, type TelegramSandbox,
} from '@dealpilot/sandbox/telegram';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { api } from './helpers.js';

let sandbox: TelegramSandbox;

beforeAll(async () => {
  sandbox = await startTelegramSandbox({ limits: { perChatIntervalMs: 0 } });
});
afterAll(async () => {
  await sandbox.close();
});
beforeEach(() => {
  sandbox.reset();
});

describe('control API in process', () => {
  it('auto-assigns user ids and rejects a duplicate id', () => {
    const a = sandbox.addUser({ firstName: 'A' });
    const b = sandbox.addUser({ firstName: 'B' });
    expect(b.id).toBe(a.id + 1);
    expect(sandbox.addUser({ id: 42, firstName: 'C' }).id).toBe(42);
    expect(() => sandbox.addUser({ id: 42, firstName: 'D' })).toThrow(SandboxControlError);
  });

  it('adds a bot_command entity to a command and to text starting with one', async () => {
    const user = sandbox.addUser({ firstName: 'Olga', languageCode: 'ru' });
    expect(sandbox.sendCommand(user.id, 'report week').entities).toEqual([{ type: 'bot_command', offset: 0, length: 7 }]);
    expect(sandbox.sendText(user.id, 'just text').entities).toBeUndefined();
    const updates = (await api(sandbox, 'getUpdates')).body.result as Array<{ message: { text: string; from: { language_code?: string } } }>;
    expect(updates.map((u) => u.message.text)).toEqual(['/report week', 'just text']);
    expect(updates[0]?.message.from.language_code).toBe('ru');
  });

  it('shares the own contact through a request_contact reply button, and someone else\'s contact directly', async () => {
    const user = sandbox.addUser({ firstName: 'Olga', phone: '+79990000001' });
    await api(sandbox, 'sendMessage', {
      chat_id: user.id,
      text: 'Поделитесь номером',
      reply_markup: { keyboard: [[{ text: 'Отправить номер', request_contact: true }]], one_time_keyboard: true },
    });
    const own = sandbox.tapReplyButton(user.id, 'Отправить номер');
    expect(own.contact).toEqual({ phone_number: '+79990000001', first_name: 'Olga', user_id: user.id });
    expect(() => sandbox.tapReplyButton(user.id, 'Отправить номер')).toThrow(/no reply keyboard button/);
    const other = sandbox.sendContact(user.id, { phoneNumber: '+79990000002', firstName: 'Пётр', userId: 777 });
    expect(other.contact).toEqual({ phone_number: '+79990000002', first_name: 'Пётр', user_id: 777 });
  });

  it('refuses to press a button that is not on the message', async () => {
    const user = sandbox.addUser({ firstName: 'Olga' });
    const sent = await api(sandbox, 'sendMessage', {
      chat_id: user.id, text: 'x', reply_markup: { inline_keyboard: [[{ text: 'Yes', callback_data: 'y' }]] },
    });
    expect(() => sandbox.pressButton(user.id, sent.body.result.message_id, 'No')).toThrow(/buttons: Yes/);
  });

  it('sends my_chat_member updates when the user blocks and unblocks the bot', async () => {
    const user = sandbox.addUser({ firstName: 'Olga' });
    sandbox.block(user.id);
    sandbox.unblock(user.id);
    const updates = (await api(sandbox, 'getUpdates')).body.result as Array<{ my_chat_member: { new_chat_member: { status: string } } }>;
    expect(updates.map((u) => u.my_chat_member.new_chat_member.status)).toEqual(['kicked', 'member']);
  });

  it('waits for a matching bot message, including one that appears later, and explains a timeout', async () => {
    const user = sandbox.addUser({ firstName: 'Olga' });
    await api(sandbox, 'sendMessage', { chat_id: user.id, text: 'first' });
    expect((await sandbox.waitForMessage(user.id)).text).toBe('first');
    const later = sandbox.waitForMessage(user.id, { textMatches: '^Отчёт' }, 2000);
    setTimeout(() => void api(sandbox, 'sendMessage', { chat_id: user.id, text: 'Отчёт за неделю' }), 20);
    expect((await later).text).toBe('Отчёт за неделю');
    await expect(sandbox.waitForMessage(user.id, { textIncludes: 'never' }, 50)).rejects.toThrow(/bot #1: first/);
  });

  it('renders a transcript with buttons, presses, edits and deletions', async () => {
    const user = sandbox.addUser({ firstName: 'Olga', username: 'olga' });
    sandbox.sendCommand(user.id, '/start');
    const sent = await api(sandbox, 'sendMessage', {
      chat_id: user.id,
      text: 'Новый лид: ООО Ромашка',
      reply_markup: { inline_keyboard: [[{ text: 'Take in work', callback_data: 't:1' }], [{ text: 'Open', url: 'https://b24.example/lead/1' }]] },
    });
    const id = sent.body.result.message_id as number;
    sandbox.pressButton(user.id, id, 't:1');
    await api(sandbox, 'editMessageText', { chat_id: user.id, message_id: id, text: 'Лид взят' });
    const bye = await api(sandbox, 'sendMessage', { chat_id: user.id, text: 'bye' });
    await api(sandbox, 'deleteMessage', { chat_id: user.id, message_id: bye.body.result.message_id });
    const text = sandbox.formatTranscript(user.id);
    expect(text).toContain(`chat ${user.id} · Olga @olga`);
    expect(text).toMatch(/you #1: \/start/);
    expect(text).toMatch(/bot #2 \(edited ×1\): Лид взят/);
    expect(text).toContain('you pressed [Take in work] on #2');
    expect(text).toMatch(/bot #3 \(deleted\)/);
    expect(sandbox.transcript(user.id).map((e) => e.kind)).toEqual(['text', 'text', 'button', 'text']);
  });
});

describe('getUpdates with two pollers', () => {
  it('ends the older long poll with 409 when a second instance polls', async () => {
    const first = api(sandbox, 'getUpdates', { timeout: 10 });
    await new Promise((resolve) => setTimeout(resolve, 20));
    const second = api(sandbox, 'getUpdates', { timeout: 0 });
    const older = await first;
    expect(older.status).toBe(409);
    expect(older.body.description).toBe(
      'Conflict: terminated by other getUpdates request; make sure that only one bot instance is running',
    );
    expect((await second).body.ok).toBe(true);
  });
});

describe('control API over HTTP', () => {
  it('lets another process act as a person and read the results', async () => {
    const remote = connectTelegramSandbox(`${sandbox.apiRoot}/`);
    const user = await remote.addUser({ firstName: 'Remote', phone: '+70000000000' });
    await remote.sendCommand(user.id, '/start');
    const sent = await api(sandbox, 'sendMessage', {
      chat_id: user.id, text: 'Готово?', reply_markup: { inline_keyboard: [[{ text: 'Да', callback_data: 'yes' }]] },
    });
    const waited = await remote.waitForMessage(user.id, { hasButton: 'yes' }, 1000);
    expect(waited.messageId).toBe(sent.body.result.message_id);
    const queryId = await remote.pressButton(user.id, waited.messageId ?? 0, 'Да');
    expect(await remote.callbackAnswer(queryId)).toEqual({ answered: false });
    await api(sandbox, 'answerCallbackQuery', { callback_query_id: queryId, text: 'ok', show_alert: true });
    expect(await remote.waitForCallbackAnswer(queryId, 1000)).toMatchObject({ answered: true, text: 'ok', showAlert: true });
    expect((await remote.transcript(user.id)).map((e) => e.direction)).toEqual(['user', 'bot', 'user']);
    expect(await remote.formatTranscript(user.id)).toContain('[Да]');
    const stats = await remote.stats();
    expect(stats.sent).toBe(1);
    expect(stats.callsByMethod).toMatchObject({ sendMessage: 1, answerCallbackQuery: 1 });
    expect((await remote.setLimits({ perChatIntervalMs: 5 })).perChatIntervalMs).toBe(5);
    await remote.block(user.id);
    expect((await api(sandbox, 'sendMessage', { chat_id: user.id, text: 'x' })).status).toBe(403);
    await expect(remote.pressButton(user.id, 99, 'x')).rejects.toThrow(/no bot message 99/);
    await remote.reset();
    expect(await remote.users()).toEqual([]);
  });

  it('answers 404 for an unknown action', async () => {
    const response = await fetch(`${sandbox.apiRoot}/sandbox/teleport`, { method: 'POST' });
    expect(response.status).toBe(404);
    expect(await response.json()).toMatchObject({ ok: false });
  });
});
