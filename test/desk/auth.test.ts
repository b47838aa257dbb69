import { describe, expect, it } from 'vitest';
import { createDeskAuth } from '../../src/desk/auth.js';
import { createIdentityStore } from '../../src/identity/store.js';
import { testRedis, uniquePrefix } from '../support/redis.js';

describe('deal desk sessions', () => {
  it('a session renewed by use still ends after 12 hours; a link token opens one session once', async () => {
    const redis = testRedis();
    const prefix = uniquePrefix('deskauth');
    let now = new Date('2026-12-08T08:00:00Z');
    const auth = createDeskAuth({
      redis, prefix, botToken: undefined, identity: createIdentityStore(redis, prefix),
      initDataMaxAgeSeconds: 3600, sessionSeconds: 30 * 60, clock: () => now,
    });
    const token = await auth.issueLinkToken(10);
    const first = await auth.signInWithLinkToken(token);
    expect(first.ok).toBe(true);
    expect(await auth.signInWithLinkToken(token)).toEqual({ ok: false, reason: 'expired' });
    const session = first.ok ? first.session : '';
    expect(await auth.session(session)).toEqual({ b24UserId: 10 });
    now = new Date('2026-12-08T19:59:00Z');
    expect(await auth.session(session)).toEqual({ b24UserId: 10 });
    now = new Date('2026-12-08T20:01:00Z');
    expect(await auth.session(session)).toBeNull();
    // Without a bot token there is no Telegram sign-in at all.
    expect(await auth.signInWithTelegram('auth_date=1&hash=x')).toEqual({ ok: false, reason: 'malformed' });
    await auth.signOut(session);
  });
});
