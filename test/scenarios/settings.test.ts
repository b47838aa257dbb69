import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MANAGER, type Scenario, startScenario } from './environment.js';
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

  it('/settings shows the time zone and where it comes from; a pick is kept, "Automatic" goes back', async () => {
    const { env, chat } = s;
    await env.app.store.setPreferences(MANAGER, { locale: 'ru' });
    await chat.write(MANAGER, '/settings');
    const settings = await chat.waitFor(MANAGER, (m) => m.text.startsWith('Настройки') && m.text.includes('Часовой пояс'));
    expect(settings.text).toContain('Часовой пояс: Москва (UTC+3) — по умолчанию');
    await chat.press(MANAGER, settings, '🕐 Часовой пояс');
    const picker = await chat.waitFor(MANAGER, (m) => m.messageId === settings.messageId && m.text.includes('Выберите часовой пояс'));
    expect(picker.buttons).toEqual(expect.arrayContaining(['Калининград', 'Самара', 'Новосибирск', 'Камчатка', 'Автоматически']));
    await chat.press(MANAGER, picker, 'Самара');
    await chat.waitFor(MANAGER, (m) => m.messageId === settings.messageId && m.text.includes('Часовой пояс: Самара (UTC+4) — выбран вами'));
    expect((await env.app.store.getPreferences(MANAGER)).timezone).toBe('Europe/Samara');
    // /report reads "today" in the person's zone and says which.
    await chat.write(MANAGER, '/report today');
    await chat.waitFor(MANAGER, (m) => m.text.includes('Europe/Samara'));

    const again = await chat.waitFor(MANAGER, (m) => m.messageId === settings.messageId);
    await chat.press(MANAGER, again, '🕐 Часовой пояс');
    const picker2 = await chat.waitFor(MANAGER, (m) => m.messageId === settings.messageId && m.text.includes('Выберите часовой пояс'));
    await chat.press(MANAGER, picker2, 'Автоматически');
    await chat.waitFor(MANAGER, (m) => m.messageId === settings.messageId && m.text.includes('Москва (UTC+3) — по умолчанию'));
    expect((await env.app.store.getPreferences(MANAGER)).timezone).toBeUndefined();
  });

  it('a person whose Bitrix24 profile has a time zone gets it without choosing', async () => {
    const { env } = s;
    const tz = await env.app.capabilities.reports.reportCommand(19, '/report today', 'ru');
    expect(tz[0]?.text).toContain('Europe/Samara');
  });

  it('a button command typed by hand and an unknown command get a short answer, and nothing is done', async () => {
    const { env, chat } = s;
    // Past the per-person flood window (10 updates / 2 s) the presses above used up.
    await new Promise((resolve) => setTimeout(resolve, 2_100));
    await env.app.store.setPreferences(MANAGER, { locale: 'ru' });
    const before = chat.botMessages(MANAGER).length;
    await chat.write(MANAGER, '/act 1|lt|17');
    await chat.waitFor(MANAGER, () => chat.botMessages(MANAGER).slice(before).some((m) => m.text.includes('Не знаю такой команды')));
    await chat.write(MANAGER, '/frobnicate');
    const answers = await chat.waitFor(MANAGER, () => chat.botMessages(MANAGER).slice(before).filter((m) => m.text.includes('Не знаю такой команды')).length >= 2);
    expect(answers).toBeDefined();
    expect(env.bitrix.store.getLead(17)?.STATUS_ID).not.toBe('IN_PROCESS');
  });
});
