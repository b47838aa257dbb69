import { z } from 'zod';
import { timeZone } from './rules-schema.js';

export const OFFICIAL_TELEGRAM_API_ROOT = 'https://api.telegram.org';

const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]', '::1']);

export function isLoopbackHost(hostname: string): boolean {
  return LOOPBACK_HOSTS.has(hostname) || /^127\.\d+\.\d+\.\d+$/.test(hostname);
}

/** https anywhere; plain http only for a loopback host (a local sandbox or a tunnel on this machine). */
function secureUrl(what: string) {
  return z.string().refine((value) => {
    try {
      const url = new URL(value);
      return url.protocol === 'https:' || (url.protocol === 'http:' && isLoopbackHost(url.hostname));
    } catch {
      return false;
    }
  }, { error: `expected an https:// URL for ${what} (plain http:// only for localhost/127.0.0.1)` });
}

export const webhookUrlSchema = secureUrl('the Bitrix24 inbound webhook').refine(
  (value) => {
    try {
      return /^\/rest\/\d+\/[^/]+\/?$/.test(new URL(value).pathname);
    } catch {
      return false;
    }
  },
  { error: 'expected the inbound webhook form https://<portal>/rest/<userId>/<code>/' },
);

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

const port = z.coerce.number().int().min(0).max(65535, { error: 'expected a TCP port 0–65535' });

export const envSchema = z.object({
  TELEGRAM_BOT_TOKEN: z.string().regex(/^\d+:[A-Za-z0-9_-]{20,}$/, {
    error: 'expected a bot token from @BotFather, like 123456789:AA…',
  }).optional(),
  TELEGRAM_API_ROOT: secureUrl('TELEGRAM_API_ROOT').default(OFFICIAL_TELEGRAM_API_ROOT),
  B24_WEBHOOK_URL: webhookUrlSchema.optional(),
  /** The application token of the Bitrix24 outgoing webhook that posts events to /b24/events. */
  B24_APPLICATION_TOKEN: z.string().min(8).optional(),
  REDIS_URL: z.string().regex(/^rediss?:\/\//, { error: 'expected redis://host:port or rediss://…' }).default('redis://127.0.0.1:6379'),
  /** Prefix of every Redis key and BullMQ queue (one Redis can host several bots; use a {hash tag} for Cluster). */
  REDIS_PREFIX: z.string().regex(/^[A-Za-z0-9:_{}-]{1,32}$/, { error: 'expected 1–32 characters A-Z a-z 0-9 : _ - { }' }).default('dp'),
  BOT_CONFIG: z.string().min(1).default('config/rules.example.yaml'),
  BOT_TIMEZONE: timeZone.default('Europe/Moscow'),
  HTTP_PORT: port.default(3000),
  HTTP_HOST: z.string().default('0.0.0.0'),
  /** Set → /metrics is served only on this port (bound to METRICS_HOST), not on HTTP_PORT. */
  METRICS_PORT: port.optional(),
  METRICS_HOST: z.string().default('127.0.0.1'),
  LOG_LEVEL: z.enum(LOG_LEVELS, { error: `expected one of: ${LOG_LEVELS.join(', ')}` }).default('info'),
  /** pretty: human-readable lines; json: one JSON object per line. Unset: pretty on a terminal, JSON otherwise. */
  LOG_FORMAT: z.enum(['json', 'pretty'], { error: 'expected json or pretty' }).optional(),
  /** When set, Telegram updates arrive by webhook at PUBLIC_URL/telegram/webhook instead of long polling. */
  PUBLIC_URL: secureUrl('PUBLIC_URL').optional(),
  TELEGRAM_WEBHOOK_SECRET: z.string().regex(/^[A-Za-z0-9_-]{1,256}$/, {
    error: 'expected 1–256 characters A-Z, a-z, 0-9, _ and -',
  }).optional(),
  /** Token of the bot in Bitrix24 chat (imbot.v2, 16–40 characters; secret) and the bot's code in the portal. */
  B24_BOT_TOKEN: z.string().regex(/^[A-Za-z0-9_-]{16,40}$/, { error: 'expected 16–40 characters A-Z a-z 0-9 _ - (a secret: make it hard to guess)' }).optional(),
  B24_BOT_CODE: z.string().regex(/^[a-z0-9_]{1,32}$/, { error: 'expected 1–32 characters a-z 0-9 _' }).default('dealpilot'),
  /**
   * How the chat bot's events arrive: `fetch` — a worker pulls them (no public URL needed); `webhook` — the portal
   * POSTs them to PUBLIC_URL/b24/bot, checked against B24_BOT_APPLICATION_TOKEN (else B24_APPLICATION_TOKEN).
   */
  B24_BOT_EVENT_MODE: z.enum(['fetch', 'webhook']).default('fetch'),
  B24_BOT_APPLICATION_TOKEN: z.string().min(8).optional(),
  /** Seconds between pulls of the Bitrix24 chat bot's events (fetch mode; the docs suggest 5–30 when idle). */
  /** Bitrix24 chat messages sent in one `batch` request at most (1 = one request per message). */
  B24_CHAT_BATCH: z.coerce.number().int().min(1).max(50).default(50),
  B24_CHAT_POLL_SECONDS: z.coerce.number().int().min(1).max(59).default(5),
  /** Bitrix24 REST budget shared by all processes: sustained requests/s and burst (Enterprise portals allow more). */
  B24_RATE_PER_SECOND: z.coerce.number().positive().default(2),
  B24_RATE_BURST: z.coerce.number().int().positive().default(40),
  /** Requests of the burst kept for button presses and commands (background work never takes them); 0 = off. */
  B24_INTERACTIVE_RESERVE: z.coerce.number().int().min(0).optional(),
  /** Outbox pace toward the messenger: Telegram allows about 1 message/s per chat and 30/s per bot. */
  TELEGRAM_PER_CHAT_INTERVAL_MS: z.coerce.number().int().min(0).default(1000),
  TELEGRAM_GLOBAL_PER_SECOND: z.coerce.number().positive().default(30),
  /**
   * Public https:// address the deal desk (Mini App) is served at, as people's browsers reach this server; default
   * PUBLIC_URL. Unset both: the desk is served but the bot offers no buttons that open it.
   */
  DESK_URL: secureUrl('DESK_URL').optional(),
  /** How old a Telegram Mini App's initData may be when it is exchanged for a session (the docs' auth_date check). */
  DESK_INITDATA_MAX_AGE_SECONDS: z.coerce.number().int().min(60).max(86_400).default(3600),
  /** How long a deal desk session lasts without use (it is renewed on every request). */
  DESK_SESSION_MINUTES: z.coerce.number().int().min(1).max(24 * 60).default(30),
  /** Key that signs button payloads (a secret, ≥ 32 characters); default: derived from TELEGRAM_BOT_TOKEN. */
  CALLBACK_SIGNING_KEY: z.string().min(32, { error: 'expected at least 32 characters (a secret)' }).optional(),
  /** Presses per person and minute that may reach Bitrix24 (the rest are answered at once); 0 = no limit. */
  PRESSES_PER_MINUTE: z.coerce.number().int().min(0).default(30),
  ADMIN_USER: z.string().min(1).optional(),
  ADMIN_PASSWORD: z.string().min(8, { error: 'expected at least 8 characters' }).optional(),
  SHUTDOWN_TIMEOUT_MS: z.coerce.number().int().positive().default(10_000),
});

export type Env = z.infer<typeof envSchema>;
