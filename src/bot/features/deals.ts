import { Composer } from 'grammy';
import { createTelegramAdapter } from '../../chat/telegram.js';
import type { ActionOutcome, DealActor, DealsCapability } from '../../jobs/deals/index.js';
import type { ActorRole } from '../../identity/org.js';
import type { ActionRegistry } from '../actions.js';
import type { BotContext } from '../context.js';

/** Answers the press exactly once and puts the outcome into the pressed message. */
async function apply(ctx: BotContext, outcome: ActionOutcome): Promise<void> {
  await ctx.answerCallbackQuery({ text: outcome.toast, ...(outcome.alert ? { show_alert: true } : {}) });
  const pressed = ctx.callbackQuery?.message;
  if (!outcome.message || !pressed) return;
  await createTelegramAdapter(ctx.api).edit(
    { channel: 'telegram', chatId: String(pressed.chat.id), messageId: String(pressed.message_id) }, outcome.message,
  );
}

const chatOf = (ctx: BotContext): string => String(ctx.chat?.id ?? ctx.from?.id ?? '');
const asActor = (actor: { b24UserId: number; name: string }): DealActor => ({ b24UserId: actor.b24UserId, name: actor.name });
const dealEntity = (args: readonly unknown[]) => ({ type: 'deal' as const, id: args[0] as number });
/** A manager does not approve their own contract: their supervisor or an admin does. */
const approverOnly = (role: ActorRole) => role !== 'owner';

/** Deal buttons (moves, rejection, snooze, payment, contract approval) and the free-text answers they ask for. */
export function dealsBotFeature(capability: DealsCapability): (actions: ActionRegistry) => Composer<BotContext> {
  return (actions) => {
    actions.on('deal.move', {
      entity: dealEntity,
      handle: async ({ ctx, actor, args: [id, stage] }) => apply(ctx, await capability.move(id, stage, asActor(actor), ctx.locale, chatOf(ctx))),
    });
    actions.on('deal.field', {
      entity: dealEntity,
      handle: async ({ ctx, actor, args: [id, stage, option] }) =>
        apply(ctx, await capability.chooseField(id, stage, option, asActor(actor), ctx.locale, chatOf(ctx))),
    });
    actions.on('deal.reject', {
      entity: dealEntity,
      handle: async ({ ctx, actor, args: [id] }) => apply(ctx, await capability.reject(id, asActor(actor), ctx.locale)),
    });
    actions.on('deal.reason', {
      entity: dealEntity,
      handle: async ({ ctx, actor, args: [id, status, reason] }) => apply(ctx, await capability.reason(id, status, reason, asActor(actor), ctx.locale)),
    });
    actions.on('deal.snooze', {
      entity: dealEntity,
      handle: async ({ ctx, actor, args: [id, days] }) => apply(ctx, await capability.snooze(id, days, asActor(actor), ctx.locale)),
    });
    actions.on('deal.expect', {
      entity: dealEntity,
      handle: async ({ ctx, actor, args: [id, date] }) => apply(ctx, await capability.expect(id, date, asActor(actor), ctx.locale)),
    });
    actions.on('deal.paid', {
      entity: dealEntity,
      handle: async ({ ctx, actor, args: [id] }) => apply(ctx, await capability.paid(id, asActor(actor), ctx.locale, chatOf(ctx))),
    });
    actions.on('deal.send_approval', {
      entity: dealEntity,
      handle: async ({ ctx, actor, args: [id] }) => apply(ctx, await capability.sendForApproval(id, asActor(actor), ctx.locale)),
    });
    actions.on('deal.approve', {
      entity: dealEntity,
      allow: approverOnly,
      handle: async ({ ctx, actor, args: [id, round] }) => apply(ctx, await capability.approve(id, round, asActor(actor), ctx.locale)),
    });
    actions.on('deal.decline', {
      entity: dealEntity,
      allow: approverOnly,
      handle: async ({ ctx, actor, args: [id, round] }) => apply(ctx, await capability.decline(
        id, round, asActor(actor), ctx.locale, chatOf(ctx), String(ctx.callbackQuery?.message?.message_id ?? ''),
      )),
    });

    const composer = new Composer<BotContext>();
    // Free text answers a question the bot asked in this chat (decline comment, field value); anything else
    // passes on to the other features.
    composer.on('message:text', async (ctx, next) => {
      if (!ctx.actor || ctx.message.text.startsWith('/')) return next();
      const outcome = await capability.answerText(chatOf(ctx), asActor(ctx.actor), ctx.message.text, ctx.locale);
      if (!outcome) return next();
      await createTelegramAdapter(ctx.api).send(chatOf(ctx), outcome.reply);
    });
    return composer;
  };
}
