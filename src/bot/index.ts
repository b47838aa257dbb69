import { Bot, type BotConfig } from 'grammy';
import type { Logger } from '../log.js';
import { maskSecrets } from '../infra/secrets.js';
import { t, toLocale } from '../i18n/index.js';
import type { BotContext } from './context.js';
import { sequentializeByChat, type UpdateTracker } from './runtime.js';
import { helpFeature } from './features/help.js';
import { startFeature } from './features/start.js';

export interface CreateBotOptions {
  token: string;
  apiRoot: string;
  log: Logger;
  /** Bot identity, when already known (tests); otherwise fetched by bot.init(). */
  botInfo?: BotConfig<BotContext>['botInfo'];
  tracker?: UpdateTracker;
}

export const BOT_COMMANDS = [
  { command: 'start', description: 'Начать / Start' },
  { command: 'help', description: 'Справка / Help' },
  { command: 'report', description: 'Отчёт по сделкам / Deal report' },
  { command: 'settings', description: 'Настройки / Settings' },
];

/** Builds the grammY bot with every feature; the caller decides between long polling and webhook. */
export function createBot(options: CreateBotOptions): Bot<BotContext> {
  const bot = new Bot<BotContext>(options.token, {
    client: { apiRoot: options.apiRoot },
    ...(options.botInfo ? { botInfo: options.botInfo } : {}),
  });
  if (options.tracker) bot.use(options.tracker.middleware);
  bot.use(sequentializeByChat());
  bot.use(async (ctx, next) => {
    ctx.locale = toLocale(ctx.from?.language_code);
    await next();
  });
  bot.use(startFeature());
  bot.use(helpFeature());
  bot.on('message:text', async (ctx) => {
    if (ctx.message.text.startsWith('/')) await ctx.reply(t(ctx.locale, 'errors.unknown_command'));
  });
  // One error boundary for every handler: without it an error would stop long polling.
  bot.catch(async (error) => {
    options.log.error({ err: error.error, updateId: error.ctx.update.update_id }, maskSecrets(`update handling failed: ${error.message}`));
    try {
      if (error.ctx.callbackQuery) await error.ctx.answerCallbackQuery({ text: t(error.ctx.locale ?? 'ru', 'errors.generic') });
      else if (error.ctx.chat) await error.ctx.reply(t(error.ctx.locale ?? 'ru', 'errors.generic'));
    } catch {
      // The chat may be unreachable; the error is already logged.
    }
  });
  return bot;
}
