import { DEMO } from '@dealpilot/sandbox/bitrix';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeCallback } from '../../src/chat/callback-codec.js';
import { type SandboxEnvironment, startSandboxEnvironment } from '../../src/demo/environment.js';
import { testRedisUrl, uniquePrefix } from '../support/redis.js';

let env: SandboxEnvironment;
beforeAll(async () => {
  env = await startSandboxEnvironment({ redisUrl: testRedisUrl(), redisPrefix: uniquePrefix('idn'), telegramLimits: { perChatIntervalMs: 0 } });
});
afterAll(() => env?.stop());

const lastBotText = async (chatId: number, includes: string) =>
  (await env.telegram.waitForMessage(chatId, { textIncludes: includes }, 10_000)).text;

describe('linking a Telegram account by phone', () => {
  it('links the sender by their own contact', async () => {
    const tg = env.telegramUserFor(10);
    env.telegram.sendCommand(tg, '/start');
    await lastBotText(tg, 'Поделиться номером');
    env.telegram.sendContact(tg);
    expect(await lastBotText(tg, 'Готово')).toContain('связан');
    expect((await env.app.store.byTelegram(tg))?.b24UserId).toBe(10);
  });

  it("refuses someone else's contact", async () => {
    const tg = env.telegramUserFor(14);
    const other = env.bitrix.store.getUser(15)!;
    env.telegram.sendContact(tg, { phoneNumber: String(other.PERSONAL_MOBILE), userId: env.telegramUserFor(15) });
    expect(await lastBotText(tg, 'своим номером')).toBeTruthy();
    expect(await env.app.store.byTelegram(tg)).toBeNull();
  });

  it('refuses an unknown phone and an ambiguous one', async () => {
    const tg = env.telegramUserFor(19);
    env.telegram.sendContact(tg, { phoneNumber: '+7 900 000-00-00' });
    expect(await lastBotText(tg, 'Не нашёл')).toBeTruthy();
    const shared = env.bitrix.store.getUser(DEMO.users.sharedWorkPhone[0]!)!;
    const tg11 = env.telegramUserFor(11);
    env.telegram.sendContact(tg11, { phoneNumber: String(shared.WORK_PHONE) });
    expect(await lastBotText(tg11, 'нескольких сотрудников')).toBeTruthy();
    expect(await env.app.store.byTelegram(tg11)).toBeNull();
  });

  it('refuses a phone that belongs only to an inactive user, and picks the one active match otherwise', async () => {
    const inactive = env.bitrix.store.getUser(DEMO.users.formerManager)!;
    const tg = env.telegramUserFor(18);
    env.telegram.sendContact(tg, { phoneNumber: String(inactive.PERSONAL_MOBILE) });
    // User 16 has the same mobile as inactive user 22: the single ACTIVE match wins.
    expect(await lastBotText(tg, 'Готово')).toBeTruthy();
    expect((await env.app.store.byTelegram(tg))?.b24UserId).toBe(DEMO.users.sharesMobileWithInactive);
    env.bitrix.store.updateUser(DEMO.users.sharesMobileWithInactive, { ACTIVE: false });
    env.app.directory.invalidate();
    const tg17 = env.telegramUserFor(17);
    env.telegram.sendContact(tg17, { phoneNumber: String(inactive.PERSONAL_MOBILE) });
    expect(await lastBotText(tg17, 'уволен')).toBeTruthy();
    env.bitrix.store.updateUser(DEMO.users.sharesMobileWithInactive, { ACTIVE: true });
    env.app.directory.invalidate();
  });
});

describe('deep-link codes', () => {
  it('works once, then fails when reused', async () => {
    const code = await env.app.store.createLinkCode(12);
    const tg = env.telegramUserFor(12);
    env.telegram.sendCommand(tg, `/start ${code}`);
    expect(await lastBotText(tg, 'Готово')).toBeTruthy();
    expect((await env.app.store.byTelegram(tg))?.b24UserId).toBe(12);
    const tg13 = env.telegramUserFor(13);
    env.telegram.sendCommand(tg13, `/start ${code}`);
    expect(await lastBotText(tg13, 'недействительна')).toBeTruthy();
    expect(await env.app.store.byTelegram(tg13)).toBeNull();
  });

  it('fails when expired', async () => {
    const code = await env.app.store.createLinkCode(13);
    // Expiry is Redis' TTL: let it run out instead of waiting 15 minutes.
    const prefix = env.config.env.REDIS_PREFIX;
    expect(await env.app.redis.ttl(`${prefix}:linkcode:${code}`)).toBeGreaterThan(14 * 60);
    await env.app.redis.pexpire(`${prefix}:linkcode:${code}`, 1);
    await new Promise((r) => setTimeout(r, 20));
    const tg = env.telegramUserFor(13);
    env.telegram.sendCommand(tg, `/start ${code}`);
    expect(await lastBotText(tg, 'недействительна')).toBeTruthy();
  });
});

describe('authorization at press time', () => {
  it('refuses a forged press on another manager\'s lead and writes nothing', async () => {
    const tg = env.telegramUserFor(14);
    await env.app.store.link(14, tg, String(tg));
    const leadOf10 = env.bitrix.store.listLeads().find((l) => Number(l.ASSIGNED_BY_ID) === 10)!;
    env.telegram.sendCommand(tg, '/help');
    const msg = await env.telegram.waitForMessage(tg, { textIncludes: '/settings' }, 10_000);
    env.bitrix.resetLog();
    // A modified client can send any callback data for any message: forge "take in work" on a colleague's lead.
    const query = env.pressPayload(tg, msg.messageId!, encodeCallback('lead.take', Number(leadOf10.ID)));
    const answer = await env.telegram.waitForCallbackAnswer(query, 10_000);
    expect(answer.text).toContain('нет прав');
    expect(env.bitrix.writeCalls()).toBe(0);
  });

  it('lets a supervisor act two levels down but not on another department', async () => {
    const { roleOnEntity } = await import('../../src/identity/org.js');
    const org = await env.app.directory.org();
    expect(roleOnEntity(org, [], DEMO.users.salesDirector, 10)).toBe('supervisor');
    expect(roleOnEntity(org, [], DEMO.users.moscowHead, 15)).toBeNull();
    expect(roleOnEntity(org, [], DEMO.users.hrHead, 10)).toBeNull();
  });

  it('refuses a user deactivated in the portal after the directory refresh', async () => {
    const tg = env.telegramUserFor(15);
    await env.app.store.link(15, tg, String(tg));
    env.telegram.sendCommand(tg, '/settings');
    await lastBotText(tg, 'Настройки');
    env.bitrix.store.updateUser(15, { ACTIVE: false });
    env.app.directory.invalidate();
    env.telegram.sendCommand(tg, '/settings');
    expect(await lastBotText(tg, 'Сначала свяжите')).toBeTruthy();
    env.bitrix.store.updateUser(15, { ACTIVE: true });
    env.app.directory.invalidate();
  });

  it('answers malformed and outdated buttons politely without acting', async () => {
    const tg = env.telegramUserFor(10);
    env.telegram.sendCommand(tg, '/help');
    const msg = await env.telegram.waitForMessage(tg, { textIncludes: '/settings', afterMessageId: 0 }, 10_000);
    env.bitrix.resetLog();
    for (const data of ['0|dm|1|NEW', 'garbage', '1|zz|1', '1|dm|1']) {
      const query = env.pressPayload(tg, msg.messageId!, data);
      expect((await env.telegram.waitForCallbackAnswer(query, 10_000)).text).toContain('устарела');
    }
    expect(env.bitrix.writeCalls()).toBe(0);
  });
});

describe('flood protection', () => {
  it('answers a burst of presses politely instead of queuing them', async () => {
    const tg = env.telegramUserFor(11);
    await env.app.store.link(11, tg, String(tg));
    env.telegram.sendCommand(tg, '/settings');
    const msg = await env.telegram.waitForMessage(tg, { textIncludes: 'Настройки' }, 10_000);
    const queries = Array.from({ length: 30 }, () => env.telegram.pressButton(tg, msg.messageId!, 'English'));
    const answers = await Promise.all(queries.map((q) => env.telegram.waitForCallbackAnswer(q, 2_000).catch(() => undefined)));
    const throttled = answers.filter((a) => a?.text?.includes('Слишком много'));
    expect(throttled.length).toBeGreaterThan(0);
    expect(throttled.length).toBeLessThan(30);
  });
});

describe('invitation links (dealpilot link-code)', () => {
  it('prints a t.me deep link that links on /start, and can notify the user in Bitrix24', async () => {
    const { createInvite } = await import('../../src/identity/invite.js');
    const { createTelegramApi } = await import('../../src/messengers/telegram/adapter.js');
    const deps = { redis: env.app.redis, prefix: env.config.env.REDIS_PREFIX, crm: env.app.crm,
      telegram: createTelegramApi(env.config.env.TELEGRAM_BOT_TOKEN!, env.telegram.apiRoot) };
    const invite = await createInvite(deps, 19, { notify: true });
    expect(invite.url).toMatch(/^https:\/\/t\.me\/dealpilot_sandbox_bot\?start=[A-Za-z0-9_-]{32}$/);
    expect(invite.url.split('start=')[1]!.length).toBeLessThanOrEqual(64);
    expect(env.bitrix.store.listNotifications(19).at(-1)?.message).toContain(invite.url);
    const tg = env.telegramUserFor(19);
    env.telegram.sendCommand(tg, `/start ${invite.url.split('start=')[1]}`);
    expect(await lastBotText(tg, 'Готово')).toBeTruthy();
    expect((await env.app.store.byTelegram(tg))?.b24UserId).toBe(19);
    await expect(createInvite(deps, DEMO.users.formerManager)).rejects.toThrow(/not active/);
  });
});

describe('relinking and /unlink', () => {
  it('tells the old chat when the user links from another account, and /unlink removes the link', async () => {
    const first = env.telegramUserFor(20);
    const second = env.telegramUserFor(21);
    await env.app.store.link(20, first, String(first));
    const code = await env.app.store.createLinkCode(20);
    env.telegram.sendCommand(second, `/start ${code}`);
    expect(await lastBotText(first, 'другим аккаунтом')).toBeTruthy();
    expect((await env.app.store.byBitrixUser(20))?.telegramUserId).toBe(second);
    env.telegram.sendCommand(second, '/unlink');
    expect(await lastBotText(second, 'отвязан')).toBeTruthy();
    expect(await env.app.store.byBitrixUser(20)).toBeNull();
  });
});
