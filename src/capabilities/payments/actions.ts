import { allowedTransitions } from '../../rules/deals/index.js';
import { calendarDate, instantAt } from '../../rules/time/index.js';
import type { DealContext } from '../deals/context.js';
import type { DealMoves } from '../deals/moves.js';
import { dealsTexts } from '../deals/texts.js';
import type { DealsCapability } from '../deals/types.js';

/** "Paid" (moves the deal on, the paid amount written) and "expect payment on …" (a snooze until that day). */
export function createPaymentActions(ctx: DealContext, moves: DealMoves): Pick<DealsCapability, 'expect' | 'paid'> {
  const { deps, tz, state, fields, pipelineOf, stageOf, day, outcomeMessage, freshDeal, refreshed, refused } = ctx;
  const { continueMove } = moves;
  return {
    async expect(dealId, date, _actor, locale) {
      const texts = dealsTexts[locale];
      const fresh = await freshDeal(dealId, locale);
      if ('outcome' in fresh) return fresh.outcome;
      if (stageOf(fresh.deal)?.role !== 'awaiting_payment') return refreshed(fresh.deal, locale);
      let until: Date;
      try {
        until = instantAt(calendarDate(Number(date.slice(0, 4)), Number(date.slice(4, 6)), Number(date.slice(6, 8))), 0, tz);
      } catch {
        return refused(locale);
      }
      const now = deps.clock();
      // Only dates the bot could have offered: in the future, within two months.
      if (until.getTime() <= now.getTime() - 86_400_000 || until.getTime() > now.getTime() + 62 * 86_400_000) return refused(locale);
      await state.snooze(dealId, until);
      return { toast: texts.done, message: outcomeMessage(fresh.deal, locale, texts.expectOutcome(day(until, locale))) };
    },

    async paid(dealId, actor, locale, conversation) {
      return state.withDealLock(dealId, async () => {
        const fresh = await freshDeal(dealId, locale);
        if ('outcome' in fresh) return fresh.outcome;
        const deal = fresh.deal;
        const stage = stageOf(deal);
        if (stage?.role !== 'awaiting_payment') return refreshed(deal, locale);
        const targets = allowedTransitions(pipelineOf(deal)!, stage.id);
        const target = targets.find((s) => s.role === 'paid') ?? targets.find((s) => s.role !== 'lost' && s.role !== 'rework');
        if (!target) return refused(locale);
        let current = deal;
        if (fields.paidAmount) {
          const full = `${deal.opportunity ?? 0}|${deal.currencyId || 'RUB'}`;
          await deps.crm.updateDeal(dealId, { [fields.paidAmount]: full });
          current = { ...deal, fields: { ...deal.fields, [fields.paidAmount]: full } };
        }
        return continueMove(current, target, actor, locale, conversation, dealsTexts[locale].paidOutcome);
      });
    },

  };
}
