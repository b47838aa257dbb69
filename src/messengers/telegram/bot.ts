import { autoRetry } from '@grammyjs/auto-retry';
import { limit } from '@grammyjs/ratelimiter';
import { Bot, type BotConfig } from 'grammy';
import type { Redis } from 'ioredis';
import type { CallbackSigner } from '../../chat/callback-signature.js';
import type { ChatRouter } from '../../conversation/router.js';
import { t, toLocale } from '../../i18n/index.js';
import type { Directory } from '../../identity/directory.js';
import type { IdentityStore } from '../../identity/store.js';
import type { Logger } from '../../infra/log.js';
import { maskSecrets } from '../../infra/secrets.js';
import { answerPress, type BotContext } from './context.js';
import { telegramConversation } from './conversation.js';
import { accessGuard, actorMiddleware, linkingFeature } from './linking.js';
import { sequentializeByChat, type UpdateTracker } from './runtime.js';
import { startFeature } from './start.js';

export interface CreateBotOptions {
  token: string;
  apiRoot: string;
  log: Logger;
  store: IdentityStore;
  directory: Directory;
  admins: readonly number[];
  /** Commands, buttons and text answers shared with the Bitrix24 chat. */
  router: ChatRouter;
  /** Flood protection state shared by bot processes; in-memory when absent. */
  redis?: Redis;
  redisPrefix?: string;
  /** Bot identity, when already known (tests); otherwise fetched by bot.init(). */
  botInfo?: BotConfig<BotContext>['botInfo'];
  tracker?: UpdateTracker;
  /** Per-user flood limit (default 10 updates per 2 s); false turns it off (load tests). */
  flood?: { limit: number; timeFrameMs: number } | false;
  /** Signs buttons for their chat and checks presses before anything else; absent: payloads are taken as sent. */
  signer?: CallbackSigner;
  /** Presses that may reach the CRM per person and minute (the rest are answered at once); 0 = no limit. */
  pressesPerMinute?: number;
  /** False while Redis does not answer: every update is then told "temporarily unavailable" at once. */
  redisHealthy?: () => boolean;
  /** A press still running after this long is answered "working on it" (Telegram drops it after ~15 s). */
  answerPressWithinMs?: number;
}

/** Builds the grammY bot with every feature; the caller decides between long polling and webhook. */
export function createBot(options: CreateBotOptions): Bot<BotContext> {
  const { log } = options;
  const bot = new Bot<BotContext>(options.token, {
    client: { apiRoot: options.apiRoot },
    ...(options.botInfo ? { botInfo: options.botInfo } : {}),
  });
  // Replies to a person can hit Telegram's per-chat pace (e.g. a reply right after another); wait it out a
  // few times, never for long. Bulk sending is paced by the outbox instead.
  bot.api.config.use(autoRetry({ maxRetryAttempts: 3, maxDelaySeconds: 5 }));
  if (options.tracker) bot.use(options.tracker.middleware);
  // Whatever the backlog (a slow portal, a Redis that went away mid-press), the spinner stops within Telegram's
  // window (counted from arrival: before the wait behind the same chat's updates); the outcome still lands in the message.
  bot.on('callback_query', async (ctx, next) => {
    const early = setTimeout(() => {
      void answerPress(ctx, { text: t(toLocale(ctx.from?.language_code), 'errors.still_working') }).catch(() => undefined);
    }, options.answerPressWithinMs ?? 10_000);
    try {
      await next();
    } finally {
      clearTimeout(early);
    }
  });
  bot.use(sequentializeByChat());
  bot.use(async (ctx, next) => {
    ctx.locale = toLocale(ctx.from?.language_code);
    await next();
  });
  // A press whose data this bot never signed for this chat is answered at once and goes no further: no Redis,
  // no portal. A flood of forged presses costs one answer each.
  const signer = options.signer;
  bot.on('callback_query:data', async (ctx, next) => {
    const chatId = ctx.callbackQuery.message?.chat.id ?? ctx.from.id;
    const payload = signer ? signer.open(ctx.callbackQuery.data, String(chatId)) : ctx.callbackQuery.data;
    if (payload === null) {
      log.info({ telegramUserId: ctx.from.id }, 'press refused: the button data was not signed for this chat');
      await answerPress(ctx, { text: t(ctx.locale, 'errors.outdated_button') });
      return;
    }
    ctx.buttonPayload = payload;
    await next();
  });
  // Redis away (restarting, unreachable): say so now rather than leave a spinner or an unanswered message.
  const redisHealthy = options.redisHealthy;
  if (redisHealthy) {
    bot.use(async (ctx, next) => {
      if (redisHealthy()) return next();
      const text = t(ctx.locale, 'errors.unavailable');
      if (ctx.callbackQuery) await answerPress(ctx, { text }).catch(() => undefined);
      else if (ctx.chat && ctx.message) await ctx.reply(text).catch(() => undefined);
    });
  }
  // Per-user flood protection: a polite answer instead of queuing hundreds of presses.
  const flood = options.flood ?? { limit: 10, timeFrameMs: 2_000 };
  if (flood) bot.use(limit<BotContext, Redis>({
    timeFrame: flood.timeFrameMs,
    limit: flood.limit,
    keyPrefix: `${options.redisPrefix ?? 'dp'}:flood`,
    ...(options.redis ? { storageClient: options.redis } : {}),
    onLimitExceeded: async (ctx) => {
      if (ctx.callbackQuery) await answerPress(ctx, { text: t(ctx.locale, 'errors.too_many') }).catch(() => undefined);
      else if (ctx.chat) await ctx.reply(t(ctx.locale, 'errors.too_many')).catch(() => undefined);
    },
  }));
  const identity = { store: options.store, directory: options.directory, admins: options.admins, log };
  bot.use(actorMiddleware(identity));
  bot.use(accessGuard());
  bot.use(linkingFeature(identity));
  bot.use(startFeature());
  bot.command('help', async (ctx, next) => {
    if (ctx.actor) return next();
    const { locale } = ctx;
    await ctx.reply([t(locale, 'help.title'), t(locale, 'help.start'), t(locale, 'help.help'), '', t(locale, 'help.unlinked')].join('\n'));
  });
  bot.use(telegramConversation(options.router, {
    ...(signer ? { signer } : {}),
    ...(options.redis && options.pressesPerMinute ? { pressBudget: { redis: options.redis, keyPrefix: `${options.redisPrefix ?? 'dp'}:press-budget`, perMinute: options.pressesPerMinute } } : {}),
  }));
  bot.on('message:text', async (ctx) => {
    if (ctx.message.text.startsWith('/')) await ctx.reply(t(ctx.locale, 'errors.unknown_command'));
  });
  // One error boundary for every handler: without it an error would stop long polling.
  bot.catch(async (error) => {
    log.error({ err: error.error, updateId: error.ctx.update.update_id }, maskSecrets(`update handling failed: ${error.message}`));
    try {
      if (error.ctx.callbackQuery) await answerPress(error.ctx, { text: t(error.ctx.locale ?? 'ru', 'errors.generic') });
      else if (error.ctx.chat) await error.ctx.reply(t(error.ctx.locale ?? 'ru', 'errors.generic'));
    } catch {
      // The chat may be unreachable; the error is already logged.
    }
  });
  return bot;
}
