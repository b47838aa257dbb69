import { Composer } from 'grammy';
import { renderTelegramHtml, renderTelegramKeyboard } from '../../chat/telegram-render.js';
import type { ChatMessage } from '../../chat/message.js';
import { t } from '../../i18n/index.js';
import type { ActionRegistry } from '../actions.js';
import type { BotContext } from '../context.js';
import type { ReportsCapability } from '../../jobs/reports/index.js';

function replyOptions(message: ChatMessage) {
  const markup = renderTelegramKeyboard(message);
  return { parse_mode: 'HTML' as const, link_preview_options: { is_disabled: true }, ...(markup ? { reply_markup: markup } : {}) };
}

async function sendAll(ctx: BotContext, messages: ChatMessage[]): Promise<void> {
  for (const message of messages) await ctx.reply(renderTelegramHtml(message.text), replyOptions(message));
}

/**
 * /report and its period buttons. Scope comes from the actor only (see reportScope), so neither the command's
 * arguments nor a button's data can show another manager's row; the capability builds the messages.
 */
export function reportsBotFeature(capability: ReportsCapability): (actions: ActionRegistry) => Composer<BotContext> {
  return (actions) => {
    const composer = new Composer<BotContext>();
    composer.command('report', async (ctx) => {
      const actor = ctx.actor;
      if (!actor) return; // the access guard answers unlinked users
      await ctx.replyWithChatAction('typing').catch(() => undefined);
      await sendAll(ctx, await capability.reportCommand(actor.b24UserId, ctx.message?.text ?? '/report', ctx.locale));
    });

    actions.on('report.period', {
      async handle({ ctx, actor, args: [key] }) {
        const messages = await capability.reportForKey(actor.b24UserId, key, ctx.locale);
        if (!messages) {
          await ctx.answerCallbackQuery({ text: t(ctx.locale, 'errors.outdated_button') });
          return;
        }
        await ctx.answerCallbackQuery();
        // A new report is a new set of messages (its length varies); the old one stays as it was.
        await sendAll(ctx, messages);
      },
    });
    return composer;
  };
}
