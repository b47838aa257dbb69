import type { Context } from 'grammy';
import type { Locale } from '../i18n/index.js';

/** Per-update data the middleware adds before features run. */
export interface BotContextFlavor {
  locale: Locale;
}

export type BotContext = Context & BotContextFlavor;
