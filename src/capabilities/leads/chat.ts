import type { ChatFeature, Interaction } from '../chat.js';
import { type ActionOutcome, type LeadsCapability, PICK_REASON } from './index.js';

/** Answers the press once and, when the outcome carries a message, puts it into the pressed message. */
async function reply(press: Interaction, outcome: ActionOutcome): Promise<void> {
  const toast = outcome.toast?.[press.locale];
  await press.notify(toast, { alert: !outcome.ok });
  const message = outcome.message?.[press.locale];
  if (message) await press.edit(message);
}

/**
 * Lead buttons. Take and Reject are authorised by the registry (owner, a supervisor above, an admin). Reassign
 * and the candidate buttons are also open to the account manager, who is neither, so they skip the registry's
 * entity check and the capability checks `mayReassign` against a fresh read of the lead.
 */
export function leadsFeature(capability: LeadsCapability): ChatFeature {
  return {
    actions(actions) {
      actions.on('lead.take', {
        entity: ([leadId]) => ({ type: 'lead', id: leadId }),
        handle: async ({ press, actor, args: [leadId] }) => reply(press, await capability.takeLead(actor.b24UserId, leadId)),
      });
      actions.on('lead.reject', {
        entity: ([leadId]) => ({ type: 'lead', id: leadId }),
        handle: async ({ press, args: [leadId] }) => reply(press, await capability.rejectMenu(leadId)),
      });
      actions.on('lead.reason', {
        entity: ([leadId]) => ({ type: 'lead', id: leadId }),
        handle: async ({ press, actor, args: [leadId, statusId, reasonId] }) => reply(press, reasonId === PICK_REASON
          ? await capability.rejectMenu(leadId, statusId)
          : await capability.rejectLead(actor.b24UserId, leadId, statusId, reasonId)),
      });
      actions.on('lead.reassign', {
        handle: async ({ press, actor, args: [leadId] }) => reply(press, await capability.reassignMenu(actor.b24UserId, leadId)),
      });
      actions.on('lead.assign', {
        handle: async ({ press, actor, args: [leadId, userId] }) => reply(press, await capability.assignByHand(actor.b24UserId, leadId, userId)),
      });
    },
  };
}
