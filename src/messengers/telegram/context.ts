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

/**
 * Answers a pressed button, once: Telegram takes exactly one answer per press, and the watchdog, a refusal and the
 * action itself may each want to. A press Telegram already dropped ("query is too old") needs no answer.
 */
export async function answerPress(ctx: BotContext, answer: { text?: string; show_alert?: boolean } = {}): Promise<void> {
  if (!ctx.callbackQuery || ctx.pressAnswered) return;
  ctx.pressAnswered = true;
  await ctx.answerCallbackQuery(answer).catch((error: unknown) => {
    const description = (error as { description?: unknown }).description;
    if (!/query is too old|query id is invalid/i.test(typeof description === 'string' ? description : String(error))) throw error;
  });
}
