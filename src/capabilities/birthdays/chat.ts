import { parseIsoDate } from '../../rules/time/calendar-date.js';
import type { ChatFeature, Interaction } from '../chat.js';
import type { ActionOutcome, BirthdaysCapability } from './index.js';

/** "20190514" (callback `date` argument) → calendar date. */
function compactDate(value: string) {
  return parseIsoDate(`${value.slice(0, 4)}-${value.slice(4, 6)}-${value.slice(6, 8)}`);
}

/** Answers the press once: a refusal as an alert (the message keeps its buttons), a success by editing the message. */
async function finish(press: Interaction, outcome: ActionOutcome): Promise<void> {
  if (!outcome.ok) {
    await press.notify(outcome.message.text, { alert: true });
    return;
  }
  await press.notify();
  await press.edit(outcome.message);
}

/**
 * Birthdays in chat: manual-check buttons (Keep / Use / Type the date + the typed reply) and the party reminder
 * buttons (Take in work / Not relevant → reason). The decisions live in the capability.
 */
export function birthdaysFeature(capability: BirthdaysCapability): ChatFeature {
  const deal = (id: number) => ({ type: 'deal' as const, id });
  return {
    actions(actions) {
      actions.on('bday.keep', {
        entity: ([checkDealId]) => deal(checkDealId),
        handle: async ({ press, actor, args: [checkDealId] }) =>
          finish(press, await capability.resolveCheck(checkDealId, { kind: 'keep' }, actor, press.locale)),
      });
      actions.on('bday.use', {
        entity: ([checkDealId]) => deal(checkDealId),
        async handle({ press, actor, args: [checkDealId, compact] }) {
          const date = compactDate(compact);
          if (!date) return press.notify();
          await finish(press, await capability.resolveCheck(checkDealId, { kind: 'use', date }, actor, press.locale));
        },
      });
      actions.on('bday.type', {
        entity: ([checkDealId]) => deal(checkDealId),
        async handle({ press, actor, args: [checkDealId] }) {
          const prompt = await capability.beginTypedDate(checkDealId, actor, press.locale, press.conversation);
          if (!prompt.ok) return press.notify(prompt.message.text, { alert: true });
          await press.notify();
          // A new message, so the check with its buttons stays visible above the prompt.
          await press.reply(prompt.message, { expectReply: true });
        },
      });
      actions.on('bday.take', {
        entity: ([dealId]) => deal(dealId),
        handle: async ({ press, actor, args: [dealId] }) => finish(press, await capability.takePartyDeal(dealId, actor, press.locale)),
      });
      actions.on('bday.skip', {
        entity: ([dealId]) => deal(dealId),
        handle: async ({ press, args: [dealId] }) => finish(press, await capability.notRelevantPicker(dealId, press.locale)),
      });
      actions.on('bday.reason', {
        entity: ([dealId]) => deal(dealId),
        handle: async ({ press, actor, args: [dealId, reason] }) =>
          finish(press, await capability.dismissPartyDeal(dealId, reason, actor, press.locale)),
      });
    },
    // The typed date answering "Type the date".
    async text(press, text) {
      const outcome = await capability.submitTypedDate(press.conversation, press.actor, text, press.locale);
      if (!outcome) return false;
      await press.reply(outcome.message);
      return true;
    },
  };
}
