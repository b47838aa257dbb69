import { encodeCallback } from '../../chat/callback-codec.js';
import { actionButton } from '../../chat/message.js';
import { requiredFieldsFor } from '../../rules/deals/index.js';
import type { DealContext } from './context.js';
import { NO_REASON, SNOOZE_CHOICES } from './context.js';
import type { DealMoves } from './moves.js';
import { dealsTexts } from './texts.js';
import type { DealsCapability } from './types.js';

/** The stage buttons of a deal: move (asking for required fields), reject with a two-level reason, snooze. */
export function createDealActions(ctx: DealContext, moves: DealMoves):
  Pick<DealsCapability, 'move' | 'chooseField' | 'reject' | 'reason' | 'snooze'> {
  const { deps, rules, log, state, fields, pipelineOf, when, card, outcomeMessage, freshDeal, stayStep, timeline,
    refused } = ctx;
  const { continueMove, moveTarget, refusedMove, statusPicker } = moves;
  return {
    async move(dealId, target, actor, locale, conversation) {
      return state.withDealLock(dealId, async () => {
        const fresh = await freshDeal(dealId, locale);
        if ('outcome' in fresh) return fresh.outcome;
        // A second press of the same move (double tap) finds the deal already there.
        if (fresh.deal.stageId === target) return { toast: dealsTexts[locale].alreadyDone, message: await card(fresh.deal, locale) };
        const allowed = await moveTarget(fresh.deal, target);
        if ('refusal' in allowed) {
          log.warn({ dealId, target, actor: actor.b24UserId, from: fresh.deal.stageId, reason: allowed.refusal }, 'refused: transition not allowed');
          return refusedMove(fresh.deal, allowed.refusal, locale);
        }
        if (allowed.stage.role === 'lost') return statusPicker(fresh.deal, locale);
        return continueMove(fresh.deal, allowed.stage, actor, locale, conversation, dealsTexts[locale].movedOutcome);
      });
    },

    async chooseField(dealId, target, optionId, actor, locale, conversation) {
      return state.withDealLock(dealId, async () => {
        const fresh = await freshDeal(dealId, locale);
        if ('outcome' in fresh) return fresh.outcome;
        const allowed = await moveTarget(fresh.deal, target);
        if ('refusal' in allowed) return refusedMove(fresh.deal, allowed.refusal, locale);
        const stage = allowed.stage;
        const field = requiredFieldsFor(pipelineOf(fresh.deal)!, stage.id, fresh.deal.fields)[0];
        const input = field ? rules.deals.fieldInputs[field] : undefined;
        const option = input?.type === 'choice' ? input.options.find((o) => o.id === optionId) : undefined;
        if (field === undefined) return continueMove(fresh.deal, stage, actor, locale, conversation, dealsTexts[locale].movedOutcome);
        if (!option) return refused(locale);
        await deps.crm.updateDeal(dealId, { [field]: option.value });
        const deal = { ...fresh.deal, fields: { ...fresh.deal.fields, [field]: option.value } };
        return continueMove(deal, stage, actor, locale, conversation, dealsTexts[locale].movedOutcome);
      });
    },

    async reject(dealId, _actor, locale) {
      const fresh = await freshDeal(dealId, locale);
      if ('outcome' in fresh) return fresh.outcome;
      return statusPicker(fresh.deal, locale);
    },

    async reason(dealId, statusId, reasonId, actor, locale) {
      const texts = dealsTexts[locale];
      const status = rules.rejectionReasons.find((s) => s.id === statusId);
      if (!status) return refused(locale);
      if (reasonId === NO_REASON) {
        const fresh = await freshDeal(dealId, locale);
        if ('outcome' in fresh) return fresh.outcome;
        return {
          toast: texts.chooseReason(status.label[locale]),
          message: {
            text: `**${texts.deal} #${dealId}**: ${fresh.deal.title ?? ''}\n${texts.chooseReason(status.label[locale])}`,
            buttons: status.reasons.map((r) => [actionButton(r.label[locale], encodeCallback('deal.reason', dealId, status.id, r.id))]),
          },
        };
      }
      const reason = status.reasons.find((r) => r.id === reasonId);
      if (!reason) return refused(locale);
      return state.withDealLock(dealId, async () => {
        const fresh = await freshDeal(dealId, locale);
        if ('outcome' in fresh) return fresh.outcome;
        const lost = pipelineOf(fresh.deal)?.stages.find((s) => s.role === 'lost');
        if (!lost) return refused(locale);
        const update: Record<string, unknown> = { STAGE_ID: lost.id };
        if (fields.rejectionStatus) update[fields.rejectionStatus] = status.id;
        if (fields.rejectionReason) update[fields.rejectionReason] = reason.id;
        await deps.crm.updateDeal(dealId, update);
        await timeline(dealId, `${stayStep(fresh.deal)}:rejected`, dealsTexts.ru.timelineRejected(status.label.ru, reason.label.ru, actor.name));
        await state.setView(dealId, { stageId: lost.id, assignedById: fresh.deal.assignedById! });
        return {
          toast: texts.done,
          message: outcomeMessage(fresh.deal, locale, texts.rejectedOutcome(actor.name, when(deps.clock(), locale), status.label[locale], reason.label[locale])),
        };
      });
    },

    async snooze(dealId, days, _actor, locale) {
      if (!SNOOZE_CHOICES.has(days)) return refused(locale);
      const fresh = await freshDeal(dealId, locale);
      if ('outcome' in fresh) return fresh.outcome;
      const until = new Date(deps.clock().getTime() + days * 86_400_000);
      await state.snooze(dealId, until);
      const texts = dealsTexts[locale];
      return { toast: texts.done, message: outcomeMessage(fresh.deal, locale, texts.snoozedOutcome(when(until, locale))) };
    },

  };
}
