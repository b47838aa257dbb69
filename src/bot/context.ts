import type { Context } from 'grammy';
import type { Locale } from '../i18n/index.js';

/** The Bitrix24 user behind a linked chat, loaded for every update. */
export interface Actor {
  b24UserId: number;
  name: string;
}

/** Per-update data the middleware adds before features run. */
export interface BotContextFlavor {
  locale: Locale;
  actor?: Actor;
}

export type BotContext = Context & BotContextFlavor;
