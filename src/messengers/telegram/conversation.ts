import { Composer } from 'grammy';
import type { Redis } from 'ioredis';
import { type Actor, conversationKey, type Interaction } from '../../capabilities/chat.js';
import type { CallbackSigner } from '../../chat/callback-signature.js';
import type { MessageRef } from '../../chat/message.js';
import type { ChatRouter } from '../../conversation/router.js';
import { t } from '../../i18n/index.js';
import { withinMinuteBudget } from '../../infra/minute-budget.js';
import { createTelegramAdapter } from './adapter.js';
import { answerPress, type BotContext } from './context.js';
import { renderTelegramHtml } from './render.js';

/** A Telegram update as an Interaction; `finish` answers a press nobody answered (Telegram wants exactly one answer). */
export function telegramInteraction(ctx: BotContext, actor: Actor, signer?: CallbackSigner): Interaction & { finish(): Promise<void> } {
  const chatId = String(ctx.chat?.id ?? ctx.from?.id ?? '');
  const adapter = createTelegramAdapter(ctx.api, signer ? { signer } : {});
  const message = ctx.callbackQuery?.message;
  const pressed: MessageRef | null = message
    ? { channel: 'telegram', chatId: String(message.chat.id), messageId: String(message.message_id) }
    : null;
  const interaction: Interaction & { finish(): Promise<void> } = {
    channel: 'telegram',
    conversation: conversationKey('telegram', chatId),
    actor,
    locale: ctx.locale,
    pressed,
    async notify(text, options) {
      if (!ctx.callbackQuery) {
        if (text) await adapter.send(chatId, { text });
        return;
      }
      await answerPress(ctx, { ...(text ? { text } : {}), ...(options?.alert ? { show_alert: true } : {}) });
    },
    async edit(next) {
      if (pressed) await adapter.edit(pressed, next);
      else await adapter.send(chatId, next);
    },
    async reply(next, options) {
      if (options?.expectReply) {
        await ctx.api.sendMessage(chatId, renderTelegramHtml(next.text), { parse_mode: 'HTML', reply_markup: { force_reply: true } });
        return;
      }
      await adapter.send(chatId, next);
    },
    async working() {
      await ctx.replyWithChatAction('typing').catch(() => undefined);
    },
    async finish() {
      await answerPress(ctx);
    },
  };
  return interaction;
}

/**
 * Telegram side of the chat router: button presses, the router's commands and free-text answers. Runs after
 * the identity middleware, so unlinked users have already been answered; commands the router does not know
 * fall through to the next composer.
 */
export function telegramConversation(router: ChatRouter, options: {
  signer?: CallbackSigner;
  /** Each person's presses that may reach the CRM per minute (their share of the portal budget). */
  pressBudget?: { redis: Redis; keyPrefix: string; perMinute: number };
} = {}): Composer<BotContext> {
  const composer = new Composer<BotContext>();
  const { signer, pressBudget } = options;
  const interaction = (ctx: BotContext, actor: Actor) => telegramInteraction(ctx, actor, signer);
  composer.on('callback_query:data', async (ctx) => {
    if (!ctx.actor) {
      await answerPress(ctx, { text: t(ctx.locale, 'help.unlinked'), show_alert: true });
      return;
    }
    if (pressBudget && !(await withinMinuteBudget(pressBudget.redis, `${pressBudget.keyPrefix}:${ctx.actor.b24UserId}`, pressBudget.perMinute))) {
      await answerPress(ctx, { text: t(ctx.locale, 'errors.press_budget') });
      return;
    }
    const press = interaction(ctx, ctx.actor);
    await router.actions.dispatch(ctx.buttonPayload ?? ctx.callbackQuery.data, press);
    // Not in `finally`: a press that failed stays unanswered, so bot.catch answers it with the error text.
    await press.finish();
  });
  composer.on('message:text', async (ctx, next) => {
    const actor = ctx.actor;
    if (!actor) return next();
    const text = ctx.message.text;
    const command = /^\/([A-Za-z0-9_]+)(?:@(\S+))?(?:\s+([\s\S]*))?$/.exec(text);
    if (command) {
      // `/report@OtherBot` in a group is another bot's command: not ours to answer, not even "unknown command".
      if (command[2] !== undefined && command[2].toLowerCase() !== ctx.me.username.toLowerCase()) return;
      const handled = await router.command(command[1]!, command[3]?.trim() ?? '', interaction(ctx, actor));
      if (!handled) await next();
      return;
    }
    if (!(await router.text(text, interaction(ctx, actor)))) await next();
  });
  return composer;
}
