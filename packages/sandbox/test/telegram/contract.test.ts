import { startTelegramSandbox, type TelegramSandbox } from '@dealpilot/sandbox/telegram';
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
  sandbox.setLimits({ perChatIntervalMs: 0, globalPerSecond: 30 });
});

describe('envelope, tokens and methods', () => {
  it('generates a token shaped like a real one and answers getMe with the bot user', async () => {
    expect(sandbox.token).toMatch(/^\d+:[A-Za-z0-9_-]{35}$/);
    const { status, body } = await api(sandbox, 'getMe');
    expect(status).toBe(200);
    expect(body.ok).toBe(true);
    expect(body.result).toMatchObject({
      id: Number(sandbox.token.split(':')[0]),
      is_bot: true,
      username: 'dealpilot_sandbox_bot',
      can_join_groups: true,
    });
  });

  it('answers 401 Unauthorized for a token it does not know', async () => {
    const other = `${sandbox.token.split(':')[0]}:AA${'x'.repeat(33)}`;
    const { status, body } = await api(sandbox, 'getMe', {}, other);
    expect(status).toBe(401);
    expect(body).toEqual({ ok: false, error_code: 401, description: 'Unauthorized' });
  });

  it('answers 404 Not Found for an unknown method and matches method names case-insensitively', async () => {
    const unknown = await api(sandbox, 'sendTelepathy');
    expect(unknown.status).toBe(404);
    expect(unknown.body).toEqual({ ok: false, error_code: 404, description: 'Not Found' });
    const lower = await api(sandbox, 'getme');
    expect(lower.body.ok).toBe(true);
  });

  it('accepts every token in the tokens option and rejects others', async () => {
    const tokens = [`111111:AA${'a'.repeat(33)}`, `111111:AA${'b'.repeat(33)}`];
    const multi = await startTelegramSandbox({ tokens });
    try {
      expect((await api(multi, 'getMe', {}, tokens[1])).body.result.id).toBe(111111);
      expect((await api(multi, 'getMe', {}, sandbox.token)).status).toBe(401);
    } finally {
      await multi.close();
    }
  });

  it('reads parameters from a query string and from a urlencoded form', async () => {
    const user = sandbox.addUser({ firstName: 'Olga' });
    const viaQuery = await fetch(`${sandbox.apiRoot}/bot${sandbox.token}/sendMessage?chat_id=${user.id}&text=hi`);
    expect(((await viaQuery.json()) as { result: { text: string } }).result.text).toBe('hi');
    const viaForm = await fetch(`${sandbox.apiRoot}/bot${sandbox.token}/sendMessage`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        chat_id: String(user.id),
        text: 'form',
        reply_markup: JSON.stringify({ inline_keyboard: [[{ text: 'Go', callback_data: 'go' }]] }),
      }).toString(),
    });
    const body = (await viaForm.json()) as { result: { text: string; reply_markup: unknown } };
    expect(body.result.text).toBe('form');
    expect(body.result.reply_markup).toEqual({ inline_keyboard: [[{ text: 'Go', callback_data: 'go' }]] });
  });
});

describe('sendMessage', () => {
  it('returns a real Message shape: per-chat ids, bot as sender, private chat, unix date', async () => {
    const ivan = sandbox.addUser({ firstName: 'Ivan', username: 'ivan' });
    const anna = sandbox.addUser({ firstName: 'Anna' });
    const before = Math.floor(Date.now() / 1000);
    const first = await api(sandbox, 'sendMessage', { chat_id: ivan.id, text: 'one' });
    const second = await api(sandbox, 'sendMessage', { chat_id: ivan.id, text: 'two' });
    const other = await api(sandbox, 'sendMessage', { chat_id: anna.id, text: 'three' });
    expect(first.body.result).toMatchObject({
      message_id: 1,
      from: { id: sandbox.botInfo.id, is_bot: true, first_name: sandbox.botInfo.first_name, username: sandbox.botInfo.username },
      chat: { id: ivan.id, type: 'private', first_name: 'Ivan', username: 'ivan' },
      text: 'one',
    });
    expect(first.body.result.date).toBeGreaterThanOrEqual(before);
    expect(first.body.result.date).toBeLessThan(before + 5);
    expect(second.body.result.message_id).toBe(2);
    expect(other.body.result.message_id).toBe(1);
  });

  it('rejects an empty text and a whitespace-only text', async () => {
    const user = sandbox.addUser({ firstName: 'Olga' });
    for (const text of ['', '   ', '<b> </b>']) {
      const { status, body } = await api(sandbox, 'sendMessage', { chat_id: user.id, text, parse_mode: 'HTML' });
      expect(status).toBe(400);
      expect(body.description).toBe('Bad Request: message text is empty');
    }
  });

  it('allows 4096 characters after entity parsing and rejects 4097', async () => {
    const user = sandbox.addUser({ firstName: 'Olga' });
    const ok = await api(sandbox, 'sendMessage', { chat_id: user.id, text: `<b>${'я'.repeat(4096)}</b>`, parse_mode: 'HTML' });
    expect(ok.body.ok).toBe(true);
    const tooLong = await api(sandbox, 'sendMessage', { chat_id: user.id, text: 'a'.repeat(4097) });
    expect(tooLong.status).toBe(400);
    expect(tooLong.body).toEqual({ ok: false, error_code: 400, description: 'Bad Request: message is too long' });
  });

  it('parses HTML into entities and rejects unbalanced or unsupported tags', async () => {
    const user = sandbox.addUser({ firstName: 'Olga' });
    const ok = await api(sandbox, 'sendMessage', {
      chat_id: user.id,
      text: '<b>Сделка</b> &lt;42&gt; <a href="https://example.com/d/42">open</a>',
      parse_mode: 'HTML',
    });
    expect(ok.body.result.text).toBe('Сделка <42> open');
    expect(ok.body.result.entities).toEqual([
      { type: 'bold', offset: 0, length: 6 },
      { type: 'text_link', offset: 12, length: 4, url: 'https://example.com/d/42' },
    ]);
    const unbalanced = await api(sandbox, 'sendMessage', { chat_id: user.id, text: '<b>bold', parse_mode: 'HTML' });
    expect(unbalanced.status).toBe(400);
    expect(unbalanced.body.description).toBe(
      'Bad Request: can\'t parse entities: Can\'t find end tag corresponding to start tag "b"',
    );
    const unsupported = await api(sandbox, 'sendMessage', { chat_id: user.id, text: 'x <p>y</p>', parse_mode: 'HTML' });
    expect(unsupported.body.description).toBe(
      'Bad Request: can\'t parse entities: Unsupported start tag "p" at byte offset 2',
    );
  });

  it('answers chat not found for an unknown chat and 403 for a user who blocked the bot', async () => {
    const missing = await api(sandbox, 'sendMessage', { chat_id: 999, text: 'hi' });
    expect(missing.status).toBe(400);
    expect(missing.body.description).toBe('Bad Request: chat not found');
    const user = sandbox.addUser({ firstName: 'Olga' });
    sandbox.block(user.id);
    const blocked = await api(sandbox, 'sendMessage', { chat_id: user.id, text: 'hi' });
    expect(blocked.status).toBe(403);
    expect(blocked.body).toEqual({ ok: false, error_code: 403, description: 'Forbidden: bot was blocked by the user' });
    sandbox.unblock(user.id);
    expect((await api(sandbox, 'sendMessage', { chat_id: user.id, text: 'hi' })).body.ok).toBe(true);
  });

  it('answers 403 for a user who never started the bot, until they write', async () => {
    const user = sandbox.addUser({ firstName: 'New', startedBot: false });
    const before = await api(sandbox, 'sendMessage', { chat_id: user.id, text: 'hi' });
    expect(before.body.description).toBe("Forbidden: bot can't initiate conversation with a user");
    sandbox.sendCommand(user.id, '/start');
    expect((await api(sandbox, 'sendMessage', { chat_id: user.id, text: 'hi' })).body.ok).toBe(true);
  });

  it('keeps reply_parameters as reply_to_message and rejects a missing reply target', async () => {
    const user = sandbox.addUser({ firstName: 'Olga' });
    const question = sandbox.sendText(user.id, 'Где сделка?');
    const reply = await api(sandbox, 'sendMessage', {
      chat_id: user.id, text: 'Вот', reply_parameters: { message_id: question.message_id },
    });
    expect(reply.body.result.reply_to_message).toMatchObject({ message_id: question.message_id, text: 'Где сделка?' });
    const missing = await api(sandbox, 'sendMessage', { chat_id: user.id, text: 'x', reply_to_message_id: 77 });
    expect(missing.body.description).toBe('Bad Request: message to be replied not found');
  });
});

describe('inline keyboards', () => {
  const send = (chatId: number, callbackData: string) =>
    api(sandbox, 'sendMessage', {
      chat_id: chatId, text: 'pick', reply_markup: { inline_keyboard: [[{ text: 'B', callback_data: callbackData }]] },
    });

  it('limits callback_data to 64 bytes, counting UTF-8 bytes of Cyrillic text', async () => {
    const user = sandbox.addUser({ firstName: 'Olga' });
    expect((await send(user.id, 'a'.repeat(64))).body.ok).toBe(true);
    expect((await send(user.id, 'д'.repeat(32))).body.ok).toBe(true); // 64 bytes
    for (const data of ['a'.repeat(65), 'д'.repeat(33), '']) {
      const { status, body } = await send(user.id, data);
      expect(status).toBe(400);
      expect(body.description).toBe('Bad Request: BUTTON_DATA_INVALID');
    }
  });

  it('rejects a button without an action and a bad URL', async () => {
    const user = sandbox.addUser({ firstName: 'Olga' });
    const noAction = await api(sandbox, 'sendMessage', { chat_id: user.id, text: 'x', reply_markup: { inline_keyboard: [[{ text: 'B' }]] } });
    expect(noAction.body.description).toBe('Bad Request: text buttons are unallowed in the inline keyboard');
    const badUrl = await api(sandbox, 'sendMessage', {
      chat_id: user.id, text: 'x', reply_markup: { inline_keyboard: [[{ text: 'B', url: 'not a url' }]] },
    });
    expect(badUrl.body.description).toBe('Bad Request: BUTTON_URL_INVALID');
  });
});

describe('editing and deleting', () => {
  it('edits text, answers "message is not modified" for identical content, and drops the keyboard when omitted', async () => {
    const user = sandbox.addUser({ firstName: 'Olga' });
    const keyboard = { inline_keyboard: [[{ text: 'Take', callback_data: 'take:1' }]] };
    const sent = await api(sandbox, 'sendMessage', { chat_id: user.id, text: 'Lead 1', reply_markup: keyboard });
    const messageId = sent.body.result.message_id as number;
    const same = await api(sandbox, 'editMessageText', { chat_id: user.id, message_id: messageId, text: 'Lead 1', reply_markup: keyboard });
    expect(same.status).toBe(400);
    expect(same.body.description).toBe(
      'Bad Request: message is not modified: specified new message content and reply markup are exactly the same as a current content and reply markup of the message',
    );
    const edited = await api(sandbox, 'editMessageText', { chat_id: user.id, message_id: messageId, text: 'Lead 1 — taken' });
    expect(edited.body.result).toMatchObject({ message_id: messageId, text: 'Lead 1 — taken' });
    expect(edited.body.result.reply_markup).toBeUndefined();
    expect(typeof edited.body.result.edit_date).toBe('number');
    const sameMarkup = await api(sandbox, 'editMessageReplyMarkup', { chat_id: user.id, message_id: messageId });
    expect(sameMarkup.body.description).toContain('message is not modified');
    const entry = sandbox.transcript(user.id).find((e) => e.messageId === messageId);
    expect(entry).toMatchObject({ text: 'Lead 1 — taken', edited: 1 });
    expect(entry?.replyMarkup).toBeUndefined();
  });

  it('answers "message to edit not found" and "message to delete not found"', async () => {
    const user = sandbox.addUser({ firstName: 'Olga' });
    const edit = await api(sandbox, 'editMessageText', { chat_id: user.id, message_id: 42, text: 'x' });
    expect(edit.body.description).toBe('Bad Request: message to edit not found');
    const sent = await api(sandbox, 'sendMessage', { chat_id: user.id, text: 'bye' });
    const id = sent.body.result.message_id as number;
    expect((await api(sandbox, 'deleteMessage', { chat_id: user.id, message_id: id })).body.result).toBe(true);
    const again = await api(sandbox, 'deleteMessage', { chat_id: user.id, message_id: id });
    expect(again.body.description).toBe('Bad Request: message to delete not found');
    expect(sandbox.transcript(user.id).at(-1)).toMatchObject({ messageId: id, deleted: true });
  });
});

describe('rate limits', () => {
  it('answers 429 with retry_after for a second send to the same chat within the interval, and records it', async () => {
    sandbox.setLimits({ perChatIntervalMs: 60_000 });
    const user = sandbox.addUser({ firstName: 'Olga' });
    const other = sandbox.addUser({ firstName: 'Oleg' });
    expect((await api(sandbox, 'sendMessage', { chat_id: user.id, text: '1' })).body.ok).toBe(true);
    const limited = await api(sandbox, 'sendMessage', { chat_id: user.id, text: '2' });
    expect(limited.status).toBe(429);
    expect(limited.body.error_code).toBe(429);
    const retryAfter = limited.body.parameters?.retry_after ?? 0;
    expect(retryAfter).toBeGreaterThanOrEqual(59);
    expect(retryAfter).toBeLessThanOrEqual(60);
    expect(limited.body.description).toBe(`Too Many Requests: retry after ${retryAfter}`);
    // Another chat is not affected, and edits do not count toward the per-chat limit.
    expect((await api(sandbox, 'sendMessage', { chat_id: other.id, text: '1' })).body.ok).toBe(true);
    const stats = sandbox.stats();
    expect(stats.rateLimited429).toBe(1);
    expect(stats.rateLimited[0]).toMatchObject({ method: 'sendMessage', chatId: user.id, scope: 'chat', retryAfter });
    expect(stats.sent).toBe(2);
    expect(stats.perChat[String(user.id)]).toHaveLength(1);
  });

  it('allows 30 sends and edits per rolling second across chats, then answers 429', async () => {
    sandbox.setLimits({ globalPerSecond: 3 });
    const users = [0, 1, 2, 3].map((i) => sandbox.addUser({ firstName: `U${i}` }));
    const sent = await api(sandbox, 'sendMessage', { chat_id: users[0]?.id, text: 'a' });
    await api(sandbox, 'sendMessage', { chat_id: users[1]?.id, text: 'b' });
    const edit = await api(sandbox, 'editMessageText', { chat_id: users[0]?.id, message_id: sent.body.result.message_id, text: 'a2' });
    expect(edit.body.ok).toBe(true);
    const limited = await api(sandbox, 'sendMessage', { chat_id: users[3]?.id, text: 'd' });
    expect(limited.status).toBe(429);
    expect(limited.body.parameters).toEqual({ retry_after: 1 });
    expect(sandbox.stats().rateLimited.at(-1)?.scope).toBe('global');
  });

  it('reports the highest per-chat rate seen', async () => {
    const user = sandbox.addUser({ firstName: 'Olga' });
    for (const text of ['1', '2', '3']) await api(sandbox, 'sendMessage', { chat_id: user.id, text });
    expect(sandbox.stats().maxPerChatPerSecond).toBe(3);
  });
});

describe('getUpdates', () => {
  it('returns pending updates until confirmed by a higher offset, honouring limit', async () => {
    const user = sandbox.addUser({ firstName: 'Olga' });
    sandbox.sendText(user.id, 'one');
    sandbox.sendText(user.id, 'two');
    sandbox.sendText(user.id, 'three');
    const all = await api(sandbox, 'getUpdates');
    const ids = (all.body.result as Array<{ update_id: number }>).map((u) => u.update_id);
    expect(all.body.result.map((u: { message: { text: string } }) => u.message.text)).toEqual(['one', 'two', 'three']);
    expect(ids[1]).toBe((ids[0] ?? 0) + 1);
    const limited = await api(sandbox, 'getUpdates', { limit: 1 });
    expect(limited.body.result).toHaveLength(1);
    const afterFirst = await api(sandbox, 'getUpdates', { offset: (ids[0] ?? 0) + 1 });
    expect(afterFirst.body.result.map((u: { update_id: number }) => u.update_id)).toEqual(ids.slice(1));
    // Confirmed updates are gone for good, even without an offset.
    expect((await api(sandbox, 'getUpdates')).body.result).toHaveLength(2);
    const negative = await api(sandbox, 'getUpdates', { offset: -1 });
    expect(negative.body.result.map((u: { update_id: number }) => u.update_id)).toEqual(ids.slice(2));
  });

  it('holds a long poll until the timeout when nothing arrives', async () => {
    const started = Date.now();
    const { body } = await api(sandbox, 'getUpdates', { timeout: 1 });
    expect(body).toEqual({ ok: true, result: [] });
    expect(Date.now() - started).toBeGreaterThanOrEqual(900);
  });

  it('answers a held long poll as soon as an update arrives', async () => {
    const user = sandbox.addUser({ firstName: 'Olga' });
    const poll = api(sandbox, 'getUpdates', { timeout: 20 });
    setTimeout(() => sandbox.sendText(user.id, 'ping'), 50);
    const { body } = await poll;
    expect(body.result).toHaveLength(1);
    expect(body.result[0].message).toMatchObject({ text: 'ping', from: { id: user.id, is_bot: false } });
  });

  it('filters by allowed_updates for updates created afterwards', async () => {
    const user = sandbox.addUser({ firstName: 'Olga' });
    await api(sandbox, 'getUpdates', { allowed_updates: ['callback_query'] });
    sandbox.sendText(user.id, 'ignored');
    expect((await api(sandbox, 'getUpdates')).body.result).toEqual([]);
  });

  it('answers 409 while a webhook is set, and works again after deleteWebhook', async () => {
    const set = await api(sandbox, 'setWebhook', { url: 'http://127.0.0.1:9/hook' });
    expect(set.body).toEqual({ ok: true, result: true, description: 'Webhook was set' });
    const conflict = await api(sandbox, 'getUpdates');
    expect(conflict.status).toBe(409);
    expect(conflict.body).toEqual({
      ok: false,
      error_code: 409,
      description: "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to delete the webhook first",
    });
    const info = await api(sandbox, 'getWebhookInfo');
    expect(info.body.result).toMatchObject({ url: 'http://127.0.0.1:9/hook', has_custom_certificate: false, pending_update_count: 0 });
    expect((await api(sandbox, 'deleteWebhook')).body.description).toBe('Webhook was deleted');
    expect((await api(sandbox, 'getUpdates')).body.ok).toBe(true);
  });

  it('drops pending updates only when asked to', async () => {
    const user = sandbox.addUser({ firstName: 'Olga' });
    sandbox.sendText(user.id, 'kept');
    await api(sandbox, 'deleteWebhook');
    expect((await api(sandbox, 'getWebhookInfo')).body.result).toEqual({
      url: '', has_custom_certificate: false, pending_update_count: 1,
    });
    await api(sandbox, 'deleteWebhook', { drop_pending_updates: true });
    expect((await api(sandbox, 'getUpdates')).body.result).toEqual([]);
  });
});

describe('callback queries', () => {
  it('answers a callback query once; a second answer and an unknown id are "query is too old"', async () => {
    const user = sandbox.addUser({ firstName: 'Olga' });
    const sent = await api(sandbox, 'sendMessage', {
      chat_id: user.id, text: 'Lead', reply_markup: { inline_keyboard: [[{ text: 'Взять', callback_data: 'take:7' }]] },
    });
    const queryId = sandbox.pressButton(user.id, sent.body.result.message_id, 'Взять');
    const updates = (await api(sandbox, 'getUpdates')).body.result as Array<{ callback_query?: Record<string, unknown> }>;
    expect(updates.at(-1)?.callback_query).toMatchObject({
      id: queryId, data: 'take:7', from: { id: user.id }, message: { message_id: sent.body.result.message_id },
    });
    expect(typeof updates.at(-1)?.callback_query?.chat_instance).toBe('string');
    const first = await api(sandbox, 'answerCallbackQuery', { callback_query_id: queryId, text: 'Готово' });
    expect(first.body.result).toBe(true);
    expect(sandbox.callbackAnswer(queryId)).toMatchObject({ answered: true, text: 'Готово', showAlert: false });
    for (const id of [queryId, 'nope']) {
      const late = await api(sandbox, 'answerCallbackQuery', { callback_query_id: id });
      expect(late.body.description).toBe(
        'Bad Request: query is too old and response timeout expired or query ID is invalid',
      );
    }
  });

  it('expires a callback query after callbackQueryTtlMs', async () => {
    let now = Date.now();
    const clocked = await startTelegramSandbox({ now: () => now });
    try {
      const user = clocked.addUser({ firstName: 'Olga' });
      const sent = await api(clocked, 'sendMessage', {
        chat_id: user.id, text: 'x', reply_markup: { inline_keyboard: [[{ text: 'B', callback_data: 'b' }]] },
      });
      const queryId = clocked.pressButton(user.id, sent.body.result.message_id, 'b');
      now += 15_001;
      const late = await api(clocked, 'answerCallbackQuery', { callback_query_id: queryId });
      expect(late.status).toBe(400);
      expect(late.body.description).toContain('query is too old');
    } finally {
      await clocked.close();
    }
  });
});

describe('commands and photos', () => {
  it('stores commands per scope and language', async () => {
    const commands = [{ command: 'start', description: 'Начать' }, { command: 'report', description: 'Отчёт' }];
    expect((await api(sandbox, 'setMyCommands', { commands })).body.result).toBe(true);
    expect((await api(sandbox, 'getMyCommands')).body.result).toEqual(commands);
    expect((await api(sandbox, 'getMyCommands', { language_code: 'en' })).body.result).toEqual([]);
    const invalid = await api(sandbox, 'setMyCommands', { commands: [{ command: 'Bad-Name', description: 'x' }] });
    expect(invalid.body.description).toBe('Bad Request: BOT_COMMAND_INVALID');
  });

  it('sends a photo by URL, checks the caption length and returns photo sizes', async () => {
    const user = sandbox.addUser({ firstName: 'Olga' });
    const ok = await api(sandbox, 'sendPhoto', { chat_id: user.id, photo: 'https://example.com/chart.png', caption: '<i>Отчёт</i>', parse_mode: 'HTML' });
    expect(ok.body.result).toMatchObject({ caption: 'Отчёт', caption_entities: [{ type: 'italic', offset: 0, length: 5 }] });
    expect(ok.body.result.photo.length).toBeGreaterThan(0);
    const reuse = await api(sandbox, 'sendPhoto', { chat_id: user.id, photo: ok.body.result.photo[0].file_id });
    expect(reuse.body.ok).toBe(true);
    const long = await api(sandbox, 'sendPhoto', { chat_id: user.id, photo: 'https://example.com/a.png', caption: 'c'.repeat(1025) });
    expect(long.body.description).toBe('Bad Request: message caption is too long');
    const unknown = await api(sandbox, 'sendPhoto', { chat_id: user.id, photo: 'no-such-file-id' });
    expect(unknown.body.description).toBe('Bad Request: wrong file identifier/HTTP URL specified');
  });
});
