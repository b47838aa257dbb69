import { afterAll, describe, expect, it } from 'vitest';
import { createIdentityStore } from '../../src/identity/store.js';
import { testRedis, uniquePrefix } from '../support/redis.js';

const redis = testRedis();
afterAll(() => redis.quit());

describe('identity store (real Redis)', () => {
  it('links one Telegram account to one user; relinking displaces the old chat', async () => {
    const store = createIdentityStore(redis, uniquePrefix());
    expect((await store.link(10, 5001, '5001')).displacedChatIds).toEqual([]);
    expect(await store.byTelegram(5001)).toMatchObject({ b24UserId: 10, chatId: '5001', unreachable: false });
    // The same Bitrix24 user links from another Telegram account: the old account loses the link.
    expect((await store.link(10, 5002, '5002')).displacedChatIds).toEqual(['5001']);
    expect(await store.byTelegram(5001)).toBeNull();
    expect(await store.byBitrixUser(10)).toMatchObject({ telegramUserId: 5002 });
    // That account now links to another user: user 10 is left without a link.
    await store.link(11, 5002, '5002');
    expect(await store.byBitrixUser(10)).toBeNull();
    expect(await store.byBitrixUser(11)).toMatchObject({ telegramUserId: 5002 });
    expect(await store.unlinkTelegram(5002)).toBe(11);
    expect(await store.byBitrixUser(11)).toBeNull();
  });

  it('link codes work once and are unguessable in shape', async () => {
    const store = createIdentityStore(redis, uniquePrefix());
    const code = await store.createLinkCode(12);
    expect(code).toMatch(/^[A-Za-z0-9_-]{32}$/);
    expect(await store.consumeLinkCode(code)).toBe(12);
    expect(await store.consumeLinkCode(code)).toBeNull();
    expect(await store.consumeLinkCode('../../etc')).toBeNull();
  });

  it('keeps preferences with Russian as the default', async () => {
    const store = createIdentityStore(redis, uniquePrefix());
    expect(await store.getPreferences(3)).toEqual({ locale: 'ru', weekendsOff: true, channel: 'telegram' });
    await store.setPreferences(3, { locale: 'en', quietStart: '21:00', quietEnd: '08:00' });
    expect(await store.getPreferences(3)).toMatchObject({ locale: 'en', quietStart: '21:00', quietEnd: '08:00' });
  });
});
