import { randomBytes } from 'node:crypto';
import { type RunnerHandle, run, sequentialize } from '@grammyjs/runner';
import type { RequestHandler } from 'express';
import { type Bot, type Middleware, webhookCallback } from 'grammy';
import type { Logger } from '../../infra/log.js';
import { createRunningSet } from '../../infra/running.js';
import type { BotContext } from './context.js';
import { syncBotProfile } from './profile.js';

export const TELEGRAM_WEBHOOK_PATH = '/telegram/webhook';
const ALLOWED_UPDATES = ['message', 'callback_query', 'my_chat_member'] as const;

export interface BotRuntime {
  mode: 'polling' | 'webhook';
  /** Express handler for webhook mode (mounted at TELEGRAM_WEBHOOK_PATH). */
  webhookHandler?: RequestHandler;
  start(): Promise<void>;
  /** Stops taking updates and waits (bounded) for handlers in flight. */
  stop(deadlineMs: number): Promise<void>;
  /** Bot identity known (getMe answered). */
  ready(): boolean;
  /** The "/" menu and description registration started by start() (it never fails; errors are logged). */
  profileSynced(): Promise<void>;
}

export interface BotRuntimeOptions {
  bot: Bot<BotContext>;
  log: Logger;
  /** Set → webhook mode at `${publicUrl}${TELEGRAM_WEBHOOK_PATH}`; unset → long polling. */
  publicUrl?: string;
  webhookSecret?: string;
  tracker: UpdateTracker;
  /** The deal desk's address for the chat menu button (asked at start: it may be known only once http listens). */
  deskUrl?: () => string | null;
}

/**
 * Runs the bot by long polling (grammY runner: concurrent across chats, sequential within one chat) or by
 * webhook (grammY's webhookCallback, which checks X-Telegram-Bot-Api-Secret-Token in constant time).
 */
export function createBotRuntime(options: BotRuntimeOptions): BotRuntime {
  const { bot, log } = options;
  bot.api.config.use(async (prev, method, payload, signal) => {
    try {
      return await prev(method, payload, signal);
    } catch (error) {
      if (!signal?.aborted) log.warn({ err: error, method }, 'telegram request failed');
      throw error;
    }
  });
  let handle: RunnerHandle | undefined;
  let identityKnown = false;
  // Registered in the background: the bot answers at once; the menu appears a moment later.
  let profile: Promise<void> = Promise.resolve();
  const syncProfile = () => {
    profile = syncBotProfile(bot.api, log, { deskUrl: options.deskUrl?.() ?? null }).then(() => undefined, () => undefined);
  };
  const secret = options.webhookSecret ?? randomBytes(24).toString('base64url');

  const waitForDrain = (deadlineMs: number) => options.tracker.drain(deadlineMs, log);

  if (options.publicUrl) {
    const url = new URL(TELEGRAM_WEBHOOK_PATH, options.publicUrl).toString();
    const handler = webhookCallback(bot, 'express', { secretToken: secret, onTimeout: 'return', timeoutMilliseconds: 8_000 });
    let accepting = true;
    return {
      mode: 'webhook',
      webhookHandler: (req, res, next) => {
        if (!accepting) {
          res.status(503).end();
          return;
        }
        Promise.resolve(handler(req, res)).catch(next);
      },
      async start() {
        await bot.init();
        identityKnown = true;
        await bot.api.setWebhook(url, { secret_token: secret, allowed_updates: [...ALLOWED_UPDATES] });
        syncProfile();
        log.info({ bot: bot.botInfo.username, mode: 'webhook' }, 'telegram bot started');
      },
      async stop(deadlineMs) {
        accepting = false;
        await waitForDrain(deadlineMs);
      },
      ready: () => identityKnown,
      profileSynced: () => profile,
    };
  }

  return {
    mode: 'polling',
    async start() {
      await bot.init();
      identityKnown = true;
      // A webhook left over from an earlier deployment would make getUpdates answer 409.
      await bot.api.deleteWebhook();
      // silent: the runner would print failed getUpdates calls with console.error, URL and token included;
      // the API transformer below logs them through the masking logger instead.
      handle = run(bot, { runner: { silent: true, fetch: { allowed_updates: [...ALLOWED_UPDATES] } } });
      syncProfile();
      log.info({ bot: bot.botInfo.username, mode: 'polling' }, 'telegram bot started');
    },
    async stop(deadlineMs) {
      if (handle?.isRunning()) await handle.stop();
      await waitForDrain(deadlineMs);
    },
    ready: () => identityKnown,
    profileSynced: () => profile,
  };
}

/** Must be installed on the bot before any feature: keeps one chat's updates in order under the runner. */
export function sequentializeByChat(): Middleware<BotContext> {
  return sequentialize<BotContext>((ctx) => ctx.chat?.id.toString() ?? ctx.from?.id.toString());
}

/** Counts update handlers in flight so shutdown can wait for them (the runner's stop() does not). */
export interface UpdateTracker {
  middleware: Middleware<BotContext>;
  inFlight(): number;
  drain(deadlineMs: number, log: Logger): Promise<void>;
}

export function createUpdateTracker(): UpdateTracker {
  const running = createRunningSet();
  return {
    middleware: (_ctx, next) => running.track(next),
    inFlight: () => running.count(),
    async drain(deadlineMs, log) {
      if (!(await running.idle(deadlineMs))) log.warn({ inFlight: running.count() }, 'stopped with update handlers still running');
    },
  };
}
