import { Composer } from 'grammy';
import type { ActionRegistry } from '../actions.js';
import type { BotContext } from '../context.js';
import type { ChatMessage } from '../../chat/message.js';
import { renderTelegramHtml, renderTelegramKeyboard } from '../../chat/telegram-render.js';
import { parseIsoDate } from '../../rules/time/calendar-date.js';
import type { ActionOutcome, BirthdaysCapability } from '../../jobs/birthdays/index.js';

/** "20190514" (callback `date` argument) → calendar date. */
function compactDate(value: string) {
  return parseIsoDate(`${value.slice(0, 4)}-${value.slice(4, 6)}-${value.slice(6, 8)}`);
}

/** Replaces the pressed message with the outcome; "message is not modified" on a double press is harmless. */
async function showOutcome(ctx: BotContext, message: ChatMessage): Promise<void> {
  const markup = renderTelegramKeyboard(message);
  await ctx.editMessageText(renderTelegramHtml(message.text), { parse_mode: 'HTML', ...(markup ? { reply_markup: markup } : {}) })
    .catch(() => undefined);
}

/** Answers the press once: a refusal as a toast (the message keeps its buttons), a success by editing the message. */
async function finish(ctx: BotContext, outcome: ActionOutcome): Promise<void> {
  if (!outcome.ok) {
    await ctx.answerCallbackQuery({ text: outcome.message.text, show_alert: true });
    return;
  }
  await ctx.answerCallbackQuery();
  await showOutcome(ctx, outcome.message);
}

/**
 * grammY glue for birthdays: manual-check buttons (Keep / Use / Type the date + the typed reply) and the party
 * reminder buttons (Take in work / Not relevant → reason). The decisions live in the capability.
 */
export function birthdaysBotFeature(capability: BirthdaysCapability): (actions: ActionRegistry) => Composer<BotContext> {
  return (actions) => {
    const composer = new Composer<BotContext>();
    const deal = (id: number) => ({ type: 'deal' as const, id });

    actions.on('bday.keep', {
      entity: ([checkDealId]) => deal(checkDealId),
      async handle({ ctx, actor, args: [checkDealId] }) {
        await finish(ctx, await capability.resolveCheck(checkDealId, { kind: 'keep' }, actor, ctx.locale));
      },
    });
    actions.on('bday.use', {
      entity: ([checkDealId]) => deal(checkDealId),
      async handle({ ctx, actor, args: [checkDealId, compact] }) {
        const date = compactDate(compact);
        if (!date) return void (await ctx.answerCallbackQuery());
        await finish(ctx, await capability.resolveCheck(checkDealId, { kind: 'use', date }, actor, ctx.locale));
      },
    });
    actions.on('bday.type', {
      entity: ([checkDealId]) => deal(checkDealId),
      async handle({ ctx, actor, args: [checkDealId] }) {
        const prompt = await capability.beginTypedDate(checkDealId, actor, ctx.locale);
        if (!prompt.ok) return void (await ctx.answerCallbackQuery({ text: prompt.message.text, show_alert: true }));
        await ctx.answerCallbackQuery();
        // A new message, so the check with its buttons stays visible above the prompt.
        await ctx.reply(renderTelegramHtml(prompt.message.text), { parse_mode: 'HTML', reply_markup: { force_reply: true } });
      },
    });
    actions.on('bday.take', {
      entity: ([dealId]) => deal(dealId),
      async handle({ ctx, actor, args: [dealId] }) {
        await finish(ctx, await capability.takePartyDeal(dealId, actor, ctx.locale));
      },
    });
    actions.on('bday.skip', {
      entity: ([dealId]) => deal(dealId),
      async handle({ ctx, args: [dealId] }) {
        await finish(ctx, await capability.notRelevantPicker(dealId, ctx.locale));
      },
    });
    actions.on('bday.reason', {
      entity: ([dealId]) => deal(dealId),
      async handle({ ctx, actor, args: [dealId, reason] }) {
        await finish(ctx, await capability.dismissPartyDeal(dealId, reason, actor, ctx.locale));
      },
    });

    // The typed date answering "Type the date"; any other text passes on.
    composer.on('message:text', async (ctx, next) => {
      const actor = ctx.actor;
      if (!actor || ctx.message.text.startsWith('/')) return next();
      const outcome = await capability.submitTypedDate(actor, ctx.message.text, ctx.locale);
      if (!outcome) return next();
      await ctx.reply(renderTelegramHtml(outcome.message.text), { parse_mode: 'HTML' });
    });
    return composer;
  };
}
