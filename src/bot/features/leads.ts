import { Composer } from 'grammy';
import { renderTelegramHtml, renderTelegramKeyboard } from '../../chat/telegram-render.js';
import { PICK_REASON, type ActionOutcome, type LeadsCapability } from '../../jobs/leads/index.js';
import type { ActionRegistry } from '../actions.js';
import type { BotContext } from '../context.js';

/** Answers the press once and, when the outcome carries a message, edits the pressed message into it. */
async function reply(ctx: BotContext, outcome: ActionOutcome): Promise<void> {
  const toast = outcome.toast?.[ctx.locale];
  await ctx.answerCallbackQuery(toast ? { text: toast, show_alert: !outcome.ok } : undefined);
  const message = outcome.message?.[ctx.locale];
  if (!message) return;
  const markup = renderTelegramKeyboard(message);
  await ctx.editMessageText(renderTelegramHtml(message.text), { parse_mode: 'HTML', ...(markup ? { reply_markup: markup } : {}) })
    .catch(() => undefined); // "message is not modified" after a repeated press
}

/**
 * Lead buttons. Take and Reject are authorised by the registry (owner, a supervisor above, an admin). Reassign
 * and the candidate buttons are also open to the account manager, who is neither, so they skip the registry's
 * entity check and the capability checks `mayReassign` against a fresh read of the lead.
 */
export function leadsBotFeature(capability: LeadsCapability): (actions: ActionRegistry) => Composer<BotContext> {
  return (actions) => {
    actions.on('lead.take', {
      entity: ([leadId]) => ({ type: 'lead', id: leadId }),
      handle: async ({ ctx, actor, args: [leadId] }) => reply(ctx, await capability.takeLead(actor.b24UserId, leadId)),
    });
    actions.on('lead.reject', {
      entity: ([leadId]) => ({ type: 'lead', id: leadId }),
      handle: async ({ ctx, args: [leadId] }) => reply(ctx, await capability.rejectMenu(leadId)),
    });
    actions.on('lead.reason', {
      entity: ([leadId]) => ({ type: 'lead', id: leadId }),
      handle: async ({ ctx, actor, args: [leadId, statusId, reasonId] }) => reply(ctx, reasonId === PICK_REASON
        ? await capability.rejectMenu(leadId, statusId)
        : await capability.rejectLead(actor.b24UserId, leadId, statusId, reasonId)),
    });
    actions.on('lead.reassign', {
      handle: async ({ ctx, actor, args: [leadId] }) => reply(ctx, await capability.reassignMenu(actor.b24UserId, leadId)),
    });
    actions.on('lead.assign', {
      handle: async ({ ctx, actor, args: [leadId, userId] }) => reply(ctx, await capability.assignByHand(actor.b24UserId, leadId, userId)),
    });
    return new Composer<BotContext>();
  };
}
