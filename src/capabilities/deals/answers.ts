import type { Locale } from '../../i18n/index.js';
import type { ApprovalAnswers } from '../approvals/answers.js';
import type { Actor } from '../chat.js';
import type { DealContext } from './context.js';
import type { DealMoves } from './moves.js';
import { dealsTexts } from './texts.js';
import type { DealsCapability, TextOutcome } from './types.js';

/**
 * Typed answers in a chat: a required field's value (after a move asked for it), or — handed to the approvals — a
 * decline comment. Null when the conversation was not waiting for one.
 */
export function createDealAnswers(ctx: DealContext, moves: DealMoves,
  answerDecline: ApprovalAnswers['answerDecline']):
  Pick<DealsCapability, 'answerText'> {
  const { deps, rules, state, freshDeal } = ctx;
  const { continueMove, moveTarget, refusedMove, validateFieldText } = moves;

  async function answerField(conversation: string, actor: Actor, text: string, locale: Locale,
    awaiting: { dealId: number; target: string; field: string }): Promise<TextOutcome> {
    const texts = dealsTexts[locale];
    const input = rules.deals.fieldInputs[awaiting.field];
    const type = input && input.type !== 'choice' ? input.type : 'text';
    const value = validateFieldText(type, text);
    const format = type === 'date' ? texts.formatDate : type === 'number' ? texts.formatNumber : texts.formatText;
    if (value === null) return { reply: { text: texts.invalidValue(format) } };
    return state.withDealLock(awaiting.dealId, async (): Promise<TextOutcome> => {
      await state.clearAwaiting(conversation);
      const fresh = await freshDeal(awaiting.dealId, locale);
      if ('outcome' in fresh) return { reply: fresh.outcome.message ?? { text: fresh.outcome.toast } };
      const allowed = await moveTarget(fresh.deal, awaiting.target);
      if ('refusal' in allowed) {
        const refusal = refusedMove(fresh.deal, allowed.refusal, locale);
        return { reply: refusal.message ?? { text: refusal.toast } };
      }
      await deps.crm.updateDeal(awaiting.dealId, { [awaiting.field]: value });
      const deal = { ...fresh.deal, fields: { ...fresh.deal.fields, [awaiting.field]: value } };
      const outcome = await continueMove(deal, allowed.stage, actor, locale, conversation, texts.movedOutcome);
      const label = input?.label?.[locale] ?? awaiting.field;
      const message = outcome.message ?? { text: outcome.toast };
      return { reply: { ...message, text: `${texts.fieldSaved(label)}\n${message.text}` } };
    });
  }

  return {
    async answerText(conversation, actor, text, locale) {
      const awaiting = await state.awaiting(conversation);
      if (!awaiting) return null;
      if (awaiting.type === 'decline') return answerDecline(conversation, actor, text, locale, awaiting);
      return answerField(conversation, actor, text, locale, awaiting);
    },
  };
}
