import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MANAGER, startScenario, type Scenario } from './environment.js';
import { MESSENGERS } from './messengers.js';

describe.each(MESSENGERS)('/settings and /help in %s', (messenger) => {
  let s: Scenario;
  beforeAll(async () => {
    s = await startScenario(messenger, 'scs', [MANAGER]);
  });
  afterAll(() => s?.env.stop());

  it('/settings shows the choices as buttons; a press saves the language and redraws the message in it', async () => {
    const { env, chat } = s;
    await chat.write(MANAGER, '/settings');
    const settings = await chat.waitFor(MANAGER, (m) => m.text.startsWith('Настройки'));
    expect(settings.text).toContain('Язык: Русский');
    expect(settings.buttons).toEqual(expect.arrayContaining(['Русский', 'English', 'Telegram', 'Чат Битрикс24']));
    await chat.press(MANAGER, settings, 'English');
    const english = await chat.waitFor(MANAGER, (m) => m.messageId === settings.messageId && m.text.startsWith('Settings'));
    expect(english.text).toContain('Language: English');
    expect((await env.app.store.getPreferences(MANAGER)).locale).toBe('en');

    // The next command answers in English, in either messenger.
    await chat.write(MANAGER, '/help');
    const help = await chat.waitFor(MANAGER, (m) => m.text.includes('/report') && m.messageId > settings.messageId);
    expect(help.text).toContain('What I can do:');
    expect(help.text.includes('/unlink')).toBe(messenger === 'telegram');
  });

  it('a button command typed by hand and an unknown command get a short answer, and nothing is done', async () => {
    const { env, chat } = s;
    await env.app.store.setPreferences(MANAGER, { locale: 'ru' });
    const before = chat.botMessages(MANAGER).length;
    await chat.write(MANAGER, '/act 1|lt|17');
    await chat.waitFor(MANAGER, (m) => m.text.includes('Не знаю такой команды'));
    await chat.write(MANAGER, '/frobnicate');
    const answers = await chat.waitFor(MANAGER, () => chat.botMessages(MANAGER).slice(before).filter((m) => m.text.includes('Не знаю такой команды')).length >= 2);
    expect(answers).toBeDefined();
    expect(env.bitrix.store.getLead(17)?.STATUS_ID).not.toBe('IN_PROCESS');
  });
});
