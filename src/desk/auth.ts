import { randomBytes } from 'node:crypto';
import { validate } from '@telegram-apps/init-data-node';
import type { Redis } from 'ioredis';
import type { IdentityStore } from '../identity/store.js';

/** Why a sign-in was refused; the API answers 401 with this short code and nothing else. */
export type DeskAuthRefusal = 'malformed' | 'bad_signature' | 'expired' | 'from_the_future' | 'replayed' | 'not_linked';

export type DeskSignIn = { ok: true; session: string; b24UserId: number; telegramUserId?: number; languageCode?: string } | { ok: false; reason: DeskAuthRefusal };

export interface DeskSession {
  b24UserId: number;
  /** Telegram's language of the person (a hint for the first page, before /settings is read). */
  languageCode?: string;
}

export interface DeskAuth {
  /** Telegram Mini App: validates initData as the Bot API docs say and exchanges it, once, for a session. */
  signInWithTelegram(initData: string): Promise<DeskSignIn>;
  /** Bitrix24 chat: a single-use link token (≤ 15 min) bound to one Bitrix24 user, for a button in the bot's message. */
  issueLinkToken(b24UserId: number): Promise<string>;
  signInWithLinkToken(token: string): Promise<DeskSignIn>;
  /** The session behind a bearer token, renewed on use; null when unknown or expired. */
  session(token: string): Promise<DeskSession | null>;
  signOut(token: string): Promise<void>;
}

/** A link token lives this long at most: the issue asks for ≤ 15 minutes and a single purpose. */
export const LINK_TOKEN_SECONDS = 15 * 60;
/** A Telegram auth_date this far ahead of our clock is clock skew, not an attack. */
const FUTURE_SKEW_SECONDS = 60;
const TOKEN_SHAPE = /^[A-Za-z0-9_-]{43}$/;
/** However it is renewed, a session ends after this long. */
const SESSION_MAX_AGE_MS = 12 * 3600_000;

const newToken = (): string => randomBytes(32).toString('base64url');

export function createDeskAuth(deps: {
  redis: Redis;
  prefix: string;
  botToken: string | undefined;
  identity: IdentityStore;
  initDataMaxAgeSeconds: number;
  sessionSeconds: number;
  clock?: () => Date;
}): DeskAuth {
  const now = () => (deps.clock ?? (() => new Date()))();
  const key = (kind: string, id: string) => `${deps.prefix}:desk:${kind}:${id}`;

  async function openSession(b24UserId: number, extra: Omit<DeskSession, 'b24UserId'> = {}): Promise<string> {
    const session = newToken();
    await deps.redis.set(key('session', session), JSON.stringify({ b24UserId, ...extra, openedAt: now().getTime() }), 'EX', deps.sessionSeconds);
    return session;
  }

  return {
    async signInWithTelegram(initData) {
      if (!deps.botToken || typeof initData !== 'string' || initData.length === 0 || initData.length > 4096) return { ok: false, reason: 'malformed' };
      const params = new URLSearchParams(initData);
      // Each key once: the library checks the last `hash` while `get` reads the first, so a second `hash` in front
      // of a used initData would pass the signature and dodge the replay mark keyed on it.
      const keys = [...params.keys()];
      if (new Set(keys).size !== keys.length) return { ok: false, reason: 'malformed' };
      const hash = params.get('hash');
      const authDate = Number(params.get('auth_date'));
      if (!hash || !/^[0-9a-f]{64}$/.test(hash) || !Number.isSafeInteger(authDate)) return { ok: false, reason: 'malformed' };
      try {
        // The library checks the HMAC (keyed by HMAC("WebAppData", token)); auth_date's age we check against the
        // bot's own clock (the library would read the machine's, which a demo or a test may have moved).
        validate(initData, deps.botToken, { expiresIn: 0 });
      } catch (error) {
        const name = error instanceof Error ? error.name : '';
        return { ok: false, reason: name === 'SignatureInvalidError' ? 'bad_signature' : 'malformed' };
      }
      const nowSeconds = now().getTime() / 1000;
      if (authDate > nowSeconds + FUTURE_SKEW_SECONDS) return { ok: false, reason: 'from_the_future' };
      if (authDate < nowSeconds - deps.initDataMaxAgeSeconds) return { ok: false, reason: 'expired' };
      let user: { id?: unknown; language_code?: unknown };
      try {
        user = JSON.parse(params.get('user') ?? 'null') ?? {};
      } catch {
        return { ok: false, reason: 'malformed' };
      }
      if (!Number.isSafeInteger(user.id)) return { ok: false, reason: 'malformed' };
      // One exchange per initData: a copy caught in transit (a log, a proxy) opens nothing once it was used.
      const fresh = await deps.redis.set(key('initdata', hash), '1', 'EX', deps.initDataMaxAgeSeconds + FUTURE_SKEW_SECONDS, 'NX');
      if (fresh !== 'OK') return { ok: false, reason: 'replayed' };
      const telegramUserId = user.id as number;
      const link = await deps.identity.byTelegram(telegramUserId);
      if (!link) return { ok: false, reason: 'not_linked' };
      const languageCode = typeof user.language_code === 'string' ? user.language_code.slice(0, 8) : undefined;
      const session = await openSession(link.b24UserId, languageCode ? { languageCode } : {});
      return { ok: true, session, b24UserId: link.b24UserId, telegramUserId, ...(languageCode ? { languageCode } : {}) };
    },

    async issueLinkToken(b24UserId) {
      const token = newToken();
      await deps.redis.set(key('link', token), String(b24UserId), 'EX', LINK_TOKEN_SECONDS);
      return token;
    },

    async signInWithLinkToken(token) {
      if (typeof token !== 'string' || !TOKEN_SHAPE.test(token)) return { ok: false, reason: 'malformed' };
      const owner = await deps.redis.getdel(key('link', token));
      if (owner === null) return { ok: false, reason: 'expired' };
      const b24UserId = Number(owner);
      return { ok: true, session: await openSession(b24UserId), b24UserId };
    },

    async session(token) {
      if (typeof token !== 'string' || !TOKEN_SHAPE.test(token)) return null;
      const raw = await deps.redis.getex(key('session', token), 'EX', deps.sessionSeconds);
      if (raw === null) return null;
      try {
        const parsed = JSON.parse(raw) as DeskSession & { openedAt?: number };
        // Renewed by use, but never beyond a working day: a forgotten open tab signs in again.
        if (typeof parsed.openedAt === 'number' && now().getTime() - parsed.openedAt > SESSION_MAX_AGE_MS) return null;
        return Number.isSafeInteger(parsed.b24UserId) ? { b24UserId: parsed.b24UserId, ...(parsed.languageCode ? { languageCode: parsed.languageCode } : {}) } : null;
      } catch {
        return null;
      }
    },

    async signOut(token) {
      if (TOKEN_SHAPE.test(token)) await deps.redis.del(key('session', token));
    },
  };
}
