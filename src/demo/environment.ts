import { type BitrixSandbox, DEMO, startBitrixSandbox } from '@dealpilot/sandbox/bitrix';
import { imbotOf } from '@dealpilot/sandbox/bitrix/imbot';
import { startTelegramSandbox, type TelegramSandbox, type TelegramSandboxLimits } from '@dealpilot/sandbox/telegram';
import { type Role, type RunningApp, startApp } from '../app.js';
import { type Config, loadConfig } from '../config/load.js';
import { createLogger, type Logger } from '../infra/log.js';
import { freePort, type LocalRedis, startLocalRedis } from '../infra/redis-server.js';
import { registerConfiguredBot } from '../messengers/bitrix24/channel.js';
import type { HeldMessage } from '../outbox/index.js';

/**
 * The whole bot against local sandboxes: a Bitrix24 portal seeded with the demo company, a Telegram Bot API
 * server, a Redis, and DealPilot itself (the real grammY and b24jssdk over HTTP). `npm run demo` and the
 * integration tests both build on this, so what the tests drive is what a newcomer sees.
 */
export interface SandboxEnvironment {
  app: RunningApp;
  config: Config;
  telegram: TelegramSandbox;
  bitrix: BitrixSandbox;
  redisUrl: string;
  /** A Telegram sandbox user whose phone matches a demo Bitrix24 user (so "Share my phone" links them). */
  telegramUserFor(b24UserId: number): number;
  /**
   * A press with this payload on a bot message in a Telegram chat, signed as the bot signs the buttons it sends
   * there: what a genuine client holding such a button sends (a stale one, a double press, another person's deal id
   * under a valid signature). Unsigned data is `telegram.forgeCallback`'s, refused before any I/O.
   */
  pressPayload(telegramChatId: number, messageId: number, payload: string): string;
  stop(): Promise<void>;
}

export interface SandboxEnvironmentOptions {
  /** 0 picks a free port. */
  httpPort?: number;
  redisUrl?: string;
  redisPrefix?: string;
  logLevel?: string;
  log?: Logger;
  roles?: Role[];
  telegramLimits?: Partial<TelegramSandboxLimits>;
  bitrixRateLimit?: { enabled?: boolean; burst?: number; drainPerSecond?: number };
  /** Set → Telegram webhook mode at this public URL (the sandbox posts updates there). */
  publicUrl?: string;
  rulesPath?: string;
  extraEnv?: Record<string, string>;
  /** Bitrix24 users to give Telegram accounts (same phone). Default: the demo's key people. */
  people?: number[];
  startApp?: boolean;
  /**
   * Register the bot in the portal's chat (imbot.v2) and turn the Bitrix24 chat channel on: `true`/'fetch' — a
   * worker pulls its events; 'webhook' — the portal posts them to the app (PUBLIC_URL on a fixed free port, so
   * Telegram runs in webhook mode too).
   */
  bitrixChat?: boolean | 'fetch' | 'webhook';
  /** The app reads time from the portal's clock, so moving that clock (the demo's :clock) moves the bot too. */
  shareClock?: boolean;
  /** Start the portal's (running) clock at this instant, and seed the demo data relative to it. */
  startAt?: Date;
  onHeld?: (held: HeldMessage) => void;
  /** Which queues' schedules the app registers (all when absent); tests that run scans by hand pass a filter. */
  scheduleQueues?: (queue: string) => boolean;
}

/** The application token the sandbox portal signs pushed chat-bot events with. */
export const SANDBOX_BOT_APPLICATION_TOKEN = 'sandbox-bot-application-token';

/** The sandbox's Bitrix24 chat bot token (what an admin would put in B24_BOT_TOKEN). */
export const SANDBOX_BOT_TOKEN = 'sandbox-bot-token';

const DEFAULT_PEOPLE = [DEMO.users.ceo, DEMO.users.salesDirector, DEMO.users.moscowHead, DEMO.users.accountManager,
  ...DEMO.users.moscowManagers, ...DEMO.users.regionManagers, DEMO.users.hrHead, DEMO.users.hrRecruiter];

/** Telegram user id for a Bitrix24 user in the sandbox world (stable, readable: 100000 + id). */
export function telegramIdOf(b24UserId: number): number {
  return 100_000 + b24UserId;
}

export async function startSandboxEnvironment(options: SandboxEnvironmentOptions = {}): Promise<SandboxEnvironment> {
  let localRedis: LocalRedis | undefined;
  const redisUrl = options.redisUrl ?? (localRedis = await startLocalRedis()).url;
  const log = options.log ?? createLogger({ level: options.logLevel ?? 'warn' });
  const telegram = await startTelegramSandbox({ ...(options.telegramLimits ? { limits: options.telegramLimits } : {}) });
  // Seeded at the start instant: the demo's relative facts ("a birthday in 28 days", "stuck for 16 days") hold then.
  const bitrix = await startBitrixSandbox({
    seed: 'demo', ...(options.startAt ? { startAt: options.startAt } : {}), ...(options.bitrixRateLimit ? { rateLimit: options.bitrixRateLimit } : {}),
  });

  for (const b24UserId of options.people ?? DEFAULT_PEOPLE) {
    const user = bitrix.store.getUser(b24UserId);
    if (!user) continue;
    const phone = String(user.PERSONAL_MOBILE || user.WORK_PHONE || user.PERSONAL_PHONE || '');
    telegram.addUser({
      id: telegramIdOf(b24UserId),
      firstName: String(user.NAME ?? `User ${b24UserId}`),
      ...(user.LAST_NAME ? { lastName: String(user.LAST_NAME) } : {}),
      ...(phone ? { phone } : {}),
      languageCode: 'ru',
    });
  }

  const chatMode = options.bitrixChat === true ? 'fetch' : options.bitrixChat || null;
  let httpPort = options.httpPort ?? 0;
  let publicUrl = options.publicUrl;
  // The deal desk's address goes into buttons and the menu before the app listens: fix the port now.
  if (httpPort === 0) httpPort = await freePort();
  if (chatMode === 'webhook') {
    publicUrl ??= `http://127.0.0.1:${httpPort}`;
    imbotOf(bitrix.store).configureWebhooks({ applicationToken: SANDBOX_BOT_APPLICATION_TOKEN });
  }
  const env: Record<string, string> = {
    TELEGRAM_BOT_TOKEN: telegram.token,
    TELEGRAM_API_ROOT: telegram.apiRoot,
    B24_WEBHOOK_URL: bitrix.webhookUrl,
    B24_APPLICATION_TOKEN: 'sandbox-application-token',
    REDIS_URL: redisUrl,
    REDIS_PREFIX: options.redisPrefix ?? 'dp',
    BOT_CONFIG: options.rulesPath ?? 'config/rules.example.yaml',
    HTTP_PORT: String(httpPort),
    HTTP_HOST: '127.0.0.1',
    LOG_LEVEL: options.logLevel ?? 'warn',
    // The sandbox portal drains 2 req/s like a real one; the shared budget mirrors it.
    B24_RATE_PER_SECOND: '2',
    B24_RATE_BURST: '40',
    SHUTDOWN_TIMEOUT_MS: '3000',
    // The outbox paces itself to the sandbox's limits (tests that are not about pacing lower them).
    TELEGRAM_PER_CHAT_INTERVAL_MS: String(options.telegramLimits?.perChatIntervalMs ?? 1000),
    ...(options.telegramLimits?.globalPerSecond ? { TELEGRAM_GLOBAL_PER_SECOND: String(options.telegramLimits.globalPerSecond) } : {}),
    ...(publicUrl ? { PUBLIC_URL: publicUrl } : {}),
    DESK_URL: `http://127.0.0.1:${httpPort}`,
    ...(chatMode ? { B24_BOT_TOKEN: SANDBOX_BOT_TOKEN, B24_CHAT_POLL_SECONDS: '1', B24_BOT_EVENT_MODE: chatMode } : {}),
    ...(chatMode === 'webhook' ? { B24_BOT_APPLICATION_TOKEN: SANDBOX_BOT_APPLICATION_TOKEN } : {}),
    ...options.extraEnv,
  };
  const config = loadConfig(env);
  let app: RunningApp | undefined;
  try {
    // What an admin does once with `dealpilot b24-register`.
    if (chatMode) await registerConfiguredBot(config, log);
    app = await startApp({
      config, log, roles: new Set(options.roles ?? ['bot', 'worker', 'http']),
      ...(options.shareClock ? { clock: () => bitrix.clock.now() } : {}),
      ...(options.onHeld ? { onHeld: options.onHeld } : {}),
      ...(options.scheduleQueues ? { scheduleQueues: options.scheduleQueues } : {}),
    });
  } catch (error) {
    await Promise.allSettled([telegram.close(), bitrix.close()]);
    await localRedis?.stop();
    throw error;
  }
  const running = app;
  return {
    app: running,
    config,
    telegram,
    bitrix,
    redisUrl,
    telegramUserFor: telegramIdOf,
    pressPayload: (chatId, messageId, payload) => telegram.forgeCallback(chatId, messageId, running.signer.sign(payload, String(chatId))),
    async stop() {
      await running.stop();
      await Promise.allSettled([telegram.close(), bitrix.close()]);
      await localRedis?.stop();
    },
  };
}
