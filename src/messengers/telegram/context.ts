import type { Context } from 'grammy';
import type { Actor } from '../../capabilities/chat.js';
import type { Locale } from '../../i18n/index.js';

export type { Actor };

/** Per-update data the middleware adds before features run. */
export interface BotContextFlavor {
  locale: Locale;
  /** The Bitrix24 user behind a linked chat, loaded for every update. */
  actor?: Actor;
  /** A pressed button's payload once its signature checked out (see chat/callback-signature.ts). */
  buttonPayload?: string;
  /** The press has had its one answer (Telegram takes exactly one). */
  pressAnswered?: boolean;
}

export type BotContext = Context & BotContextFlavor;
