import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { Locale } from '../i18n/index.js';

/**
 * Links between chat accounts and Bitrix24 users, user preferences and deep-link codes, in Redis.
 *
 * Keys (prefix default `dp`):
 *   <p>:link:tg:<telegramUserId>   hash  b24UserId, chatId, linkedAt            one Telegram account → one user
 *   <p>:link:b24:<b24UserId>       hash  telegramUserId, chatId, unreachable    the reverse, for delivery
 *   <p>:prefs:<b24UserId>          hash  locale, quietStart, quietEnd, weekendsOff, channel
 *   <p>:linkcode:<code>            string b24UserId, expires after 15 minutes, deleted on first use
 */

export type Channel = 'telegram' | 'bitrix24';

export interface TelegramLink {
  b24UserId: number;
  telegramUserId: number;
  chatId: string;
  linkedAt: number;
  unreachable: boolean;
}

export interface UserPreferences {
  locale: Locale;
  /** HH:MM; messages wait while local time is between quietStart and quietEnd. */
  quietStart?: string;
  quietEnd?: string;
  weekendsOff: boolean;
  channel: Channel;
  /** An IANA zone the person chose in /settings; absent = automatic (profile, department, BOT_TIMEZONE). */
  timezone?: string;
}

export const LINK_CODE_TTL_SECONDS = 15 * 60;

/** Lua: replace any previous link of either side atomically; returns the displaced chat ids. */
const LINK_SCRIPT = `
local tgKey, b24Key = KEYS[1], KEYS[2]
local prefix, tgId, b24Id, chatId, now = ARGV[1], ARGV[2], ARGV[3], ARGV[4], ARGV[5]
local displaced = {}
local oldB24 = redis.call('HGET', tgKey, 'b24UserId')
if oldB24 and oldB24 ~= b24Id then
  redis.call('DEL', prefix .. ':link:b24:' .. oldB24)
end
local oldTg = redis.call('HGET', b24Key, 'telegramUserId')
local oldChat = redis.call('HGET', b24Key, 'chatId')
if oldTg and oldTg ~= tgId then
  redis.call('DEL', prefix .. ':link:tg:' .. oldTg)
  table.insert(displaced, oldChat)
end
redis.call('DEL', tgKey, b24Key)
redis.call('HSET', tgKey, 'b24UserId', b24Id, 'chatId', chatId, 'linkedAt', now)
redis.call('HSET', b24Key, 'telegramUserId', tgId, 'chatId', chatId, 'linkedAt', now, 'unreachable', '0')
return displaced
`;

export interface IdentityStore {
  /** Links; returns chat ids of a previous Telegram account that lost the link (to tell it). */
  link(b24UserId: number, telegramUserId: number, chatId: string): Promise<{ displacedChatIds: string[] }>;
  unlinkTelegram(telegramUserId: number): Promise<number | null>;
  byTelegram(telegramUserId: number): Promise<TelegramLink | null>;
  byBitrixUser(b24UserId: number): Promise<TelegramLink | null>;
  markUnreachable(b24UserId: number, unreachable: boolean): Promise<void>;
  getPreferences(b24UserId: number): Promise<UserPreferences>;
  setPreferences(b24UserId: number, patch: Partial<UserPreferences>): Promise<UserPreferences>;
  createLinkCode(b24UserId: number): Promise<string>;
  /** Single use: the code is deleted as it is read. */
  consumeLinkCode(code: string): Promise<number | null>;
}

export function createIdentityStore(redis: Redis, prefix = 'dp'): IdentityStore {
  const tgKey = (id: number) => `${prefix}:link:tg:${id}`;
  const b24Key = (id: number) => `${prefix}:link:b24:${id}`;
  const prefsKey = (id: number) => `${prefix}:prefs:${id}`;
  const codeKey = (code: string) => `${prefix}:linkcode:${code}`;

  async function byBitrixUser(b24UserId: number): Promise<TelegramLink | null> {
    const row = await redis.hgetall(b24Key(b24UserId));
    if (!row.telegramUserId || !row.chatId) return null;
    return {
      b24UserId,
      telegramUserId: Number(row.telegramUserId),
      chatId: row.chatId,
      linkedAt: Number(row.linkedAt ?? 0),
      unreachable: row.unreachable === '1',
    };
  }

  return {
    async link(b24UserId, telegramUserId, chatId) {
      const displaced = (await redis.eval(LINK_SCRIPT, 2, tgKey(telegramUserId), b24Key(b24UserId), prefix,
        String(telegramUserId), String(b24UserId), chatId, String(Date.now()))) as string[];
      return { displacedChatIds: displaced.filter((c) => c && c !== chatId) };
    },
    async unlinkTelegram(telegramUserId) {
      const b24 = await redis.hget(tgKey(telegramUserId), 'b24UserId');
      if (!b24) return null;
      await redis.multi().del(tgKey(telegramUserId)).del(b24Key(Number(b24))).exec();
      return Number(b24);
    },
    async byTelegram(telegramUserId) {
      const b24 = await redis.hget(tgKey(telegramUserId), 'b24UserId');
      return b24 ? byBitrixUser(Number(b24)) : null;
    },
    byBitrixUser,
    async markUnreachable(b24UserId, unreachable) {
      if (await redis.exists(b24Key(b24UserId))) await redis.hset(b24Key(b24UserId), 'unreachable', unreachable ? '1' : '0');
    },
    async getPreferences(b24UserId) {
      const row = await redis.hgetall(prefsKey(b24UserId));
      return {
        locale: row.locale === 'en' ? 'en' : 'ru',
        ...(row.quietStart ? { quietStart: row.quietStart } : {}),
        ...(row.quietEnd ? { quietEnd: row.quietEnd } : {}),
        weekendsOff: row.weekendsOff !== '0',
        channel: row.channel === 'bitrix24' ? 'bitrix24' : 'telegram',
        ...(row.timezone ? { timezone: row.timezone } : {}),
      };
    },
    async setPreferences(b24UserId, patch) {
      const fields: Record<string, string> = {};
      if (patch.locale) fields.locale = patch.locale;
      if (patch.quietStart) fields.quietStart = patch.quietStart;
      if (patch.quietEnd) fields.quietEnd = patch.quietEnd;
      if (patch.weekendsOff !== undefined) fields.weekendsOff = patch.weekendsOff ? '1' : '0';
      if (patch.channel) fields.channel = patch.channel;
      if (patch.timezone) fields.timezone = patch.timezone;
      if (Object.keys(fields).length > 0) await redis.hset(prefsKey(b24UserId), fields);
      // An explicit undefined timezone: back to automatic.
      if ('timezone' in patch && !patch.timezone) await redis.hdel(prefsKey(b24UserId), 'timezone');
      return this.getPreferences(b24UserId);
    },
    async createLinkCode(b24UserId) {
      // 24 random bytes → 32 URL-safe characters: unguessable, well under the 64-char deep-link limit.
      const code = randomBytes(24).toString('base64url');
      await redis.set(codeKey(code), String(b24UserId), 'EX', LINK_CODE_TTL_SECONDS);
      return code;
    },
    async consumeLinkCode(code) {
      if (!/^[A-Za-z0-9_-]{16,64}$/.test(code)) return null;
      const value = await redis.getdel(codeKey(code));
      return value ? Number(value) : null;
    },
  };
}
