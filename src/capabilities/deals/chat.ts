import type { ActorRole } from '../../identity/org.js';
import type { ChatFeature, Interaction } from '../chat.js';
import type { ActionOutcome, DealsCapability } from './types.js';

/** Answers the press once and puts the outcome into the pressed message. */
async function apply(press: Interaction, outcome: ActionOutcome): Promise<void> {
  await press.notify(outcome.toast, outcome.alert ? { alert: true } : undefined);
  if (outcome.message) await press.edit(outcome.message);
}

const dealEntity = (args: readonly unknown[]) => ({ type: 'deal' as const, id: args[0] as number });
/** A manager does not approve their own contract: their supervisor or an admin does. */
const approverOnly = (role: ActorRole) => role !== 'owner';

/** Deal buttons (moves, rejection, snooze, payment, contract approval) and the free-text answers they ask for. */
export function dealsFeature(capability: DealsCapability): ChatFeature {
  return {
    actions(actions) {
      actions.on('deal.move', {
        entity: dealEntity,
        handle: async ({ press, actor, args: [id, stage] }) =>
          apply(press, await capability.move(id, stage, actor, press.locale, press.conversation)),
      });
      actions.on('deal.field', {
        entity: dealEntity,
        handle: async ({ press, actor, args: [id, stage, option] }) =>
          apply(press, await capability.chooseField(id, stage, option, actor, press.locale, press.conversation)),
      });
      actions.on('deal.reject', {
        entity: dealEntity,
        handle: async ({ press, actor, args: [id] }) => apply(press, await capability.reject(id, actor, press.locale)),
      });
      actions.on('deal.reason', {
        entity: dealEntity,
        handle: async ({ press, actor, args: [id, status, reason] }) =>
          apply(press, await capability.reason(id, status, reason, actor, press.locale)),
      });
      actions.on('deal.snooze', {
        entity: dealEntity,
        handle: async ({ press, actor, args: [id, days] }) => apply(press, await capability.snooze(id, days, actor, press.locale)),
      });
      actions.on('deal.expect', {
        entity: dealEntity,
        handle: async ({ press, actor, args: [id, date] }) => apply(press, await capability.expect(id, date, actor, press.locale)),
      });
      actions.on('deal.paid', {
        entity: dealEntity,
        handle: async ({ press, actor, args: [id] }) =>
          apply(press, await capability.paid(id, actor, press.locale, press.conversation)),
      });
      actions.on('deal.send_approval', {
        entity: dealEntity,
        handle: async ({ press, actor, args: [id] }) => apply(press, await capability.sendForApproval(id, actor, press.locale)),
      });
      actions.on('deal.approve', {
        entity: dealEntity,
        allow: approverOnly,
        handle: async ({ press, actor, args: [id, round] }) => apply(press, await capability.approve(id, round, actor, press.locale)),
      });
      actions.on('deal.decline', {
        entity: dealEntity,
        allow: approverOnly,
        handle: async ({ press, actor, args: [id, round] }) =>
          apply(press, await capability.decline(id, round, actor, press.locale, press.conversation, press.pressed)),
      });
    },
    // Free text answers a question the bot asked in this conversation (decline comment, field value).
    async text(press, text) {
      const outcome = await capability.answerText(press.conversation, press.actor, text, press.locale);
      if (!outcome) return false;
      await press.reply(outcome.reply);
      return true;
    },
  };
}
