import { startTelegramSandbox, type TelegramSandbox } from '@dealpilot/sandbox/telegram';
import { validate } from '@telegram-apps/init-data-node';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { api } from './helpers.js';

let sandbox: TelegramSandbox;

beforeAll(async () => {
  sandbox = await startTelegramSandbox({ limits: { perChatIntervalMs: 0 } });
});
afterAll(async () => {
  await sandbox.close();
});
beforeEach(() => sandbox.reset());

const initDataOf = (url: string) => new URLSearchParams(new URL(url).hash.slice(1)).get('tgWebAppData')!;

describe('Mini Apps: the menu button, web_app buttons and signed launch data', () => {
  it('signs initData as the Bot API docs say: an independent validator accepts it, and a forged one fails', () => {
    const user = sandbox.addUser({ firstName: 'Анна', languageCode: 'ru' });
    const url = sandbox.openWebApp(user.id, { url: 'https://desk.example/desk/?open=deal/5' });
    expect(new URL(url).searchParams.get('open')).toBe('deal/5');
    const initData = initDataOf(url);
    expect(() => validate(initData, sandbox.token, { expiresIn: 3600 })).not.toThrow();
    expect(JSON.parse(new URLSearchParams(initData).get('user')!)).toMatchObject({ id: user.id, first_name: 'Анна', language_code: 'ru' });
    // Each launch is its own: two launches in one second differ.
    expect(initDataOf(sandbox.openWebApp(user.id, { url: 'https://desk.example/' }))).not.toBe(initDataOf(sandbox.openWebApp(user.id, { url: 'https://desk.example/' })));
    const forged = initDataOf(sandbox.openWebApp(user.id, { url: 'https://desk.example/' }, { token: '1:AAforgedforgedforgedforgedforgedforgedf' }));
    expect(() => validate(forged, sandbox.token)).toThrow();
    const aged = initDataOf(sandbox.openWebApp(user.id, { url: 'https://desk.example/' }, { authDate: new Date(Date.now() - 7200_000) }));
    expect(() => validate(aged, sandbox.token, { expiresIn: 3600 })).toThrow(/expired/i);
  });

  it('setChatMenuButton takes a web_app button over HTTPS (loopback http for local runs) and getChatMenuButton reads it back', async () => {
    const user = sandbox.addUser({ firstName: 'Борис' });
    expect((await api(sandbox, 'getChatMenuButton')).body.result).toEqual({ type: 'commands' });
    expect(() => sandbox.openWebApp(user.id, { menu: true })).toThrow(/no web_app menu button/);
    const plainHttp = await api(sandbox, 'setChatMenuButton', { menu_button: { type: 'web_app', text: 'Desk', web_app: { url: 'http://desk.example/' } } });
    expect(plainHttp).toMatchObject({ status: 400, body: { ok: false, description: expect.stringContaining('BUTTON_URL_INVALID') } });
    const set = await api(sandbox, 'setChatMenuButton', { menu_button: { type: 'web_app', text: 'Desk', web_app: { url: 'https://desk.example/desk/' } } });
    expect(set.body).toEqual({ ok: true, result: true });
    expect((await api(sandbox, 'getChatMenuButton', { chat_id: user.id })).body.result).toMatchObject({ type: 'web_app', web_app: { url: 'https://desk.example/desk/' } });
    expect(new URL(sandbox.openWebApp(user.id, { menu: true })).origin).toBe('https://desk.example');
    expect((await api(sandbox, 'setChatMenuButton', { chat_id: 424242, menu_button: { type: 'commands' } })).body.description).toBe('Bad Request: chat not found');
  });

  it('a web_app inline button needs an HTTPS URL; the person opens it from the message', async () => {
    const user = sandbox.addUser({ firstName: 'Вера' });
    sandbox.sendCommand(user.id, '/start');
    const bad = await api(sandbox, 'sendMessage', { chat_id: user.id, text: 'x', reply_markup: { inline_keyboard: [[{ text: 'Open', web_app: { url: 'http://desk.example/' } }]] } });
    expect(bad.status).toBe(400);
    const sent = await api(sandbox, 'sendMessage', { chat_id: user.id, text: 'x', reply_markup: { inline_keyboard: [[{ text: 'Open', web_app: { url: 'https://desk.example/desk/?open=deal/7' } }]] } });
    expect(sent.body.ok).toBe(true);
    const url = sandbox.openWebApp(user.id, { messageId: sent.body.result.message_id, buttonText: 'Open' });
    expect(url.startsWith('https://desk.example/desk/?open=deal/7#tgWebAppData=')).toBe(true);
    expect(() => sandbox.openWebApp(user.id, { messageId: sent.body.result.message_id, buttonText: 'Nope' })).toThrow(/no web_app button "Nope"/);
  });
});
