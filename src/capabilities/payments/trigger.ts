import { evaluatePaymentFollowUp, formatMoney } from '../../rules/deals/index.js';
import { both, type DealContext } from '../deals/context.js';
import type { ScanSummary } from '../deals/types.js';
import { createPaymentButtons } from './buttons.js';

/** Deals waiting for payment longer than the rules allow: ask the manager to call, with the amount still due. */
export function createPaymentTrigger(ctx: DealContext) {
  const { deps, rules, state, fields, stagesWithRole, stageNames, factsOf, daysInStage,
    personName, essentials, remember, cutoff, selectFields } = ctx;
  const paymentButtons = createPaymentButtons(ctx);
  async function scanPayments(now: Date, summary: ScanSummary): Promise<void> {
    const stages = stagesWithRole('awaiting_payment');
    if (stages.length === 0) return;
    const { items } = await deps.crm.listDeals({
      filter: { STAGE_SEMANTIC_ID: 'P', '@STAGE_ID': stages.map((s) => s.id), '<MOVED_TIME': cutoff(now, rules.thresholds.paymentWaitDays) },
      select: selectFields(),
    });
    const names = await stageNames.load();
    for (const deal of items) {
      const facts = factsOf(deal);
      if (!facts) continue;
      const followUp = evaluatePaymentFollowUp({
        deal: facts, paidAmount: fields.paidAmount ? deal.fields[fields.paidAmount] : undefined,
        daysInStage: daysInStage(facts.movedTime, now), waitDays: rules.thresholds.paymentWaitDays,
        repeatDays: rules.thresholds.paymentRepeatDays, now, snoozedUntil: await state.snoozedUntil(deal.id),
      });
      if (!followUp) continue;
      const manager = await personName(facts.assignedById);
      summary.payments += 1;
      await remember(deal);
      await deps.outbox.enqueue({
        recipient: followUp.recipient, kind: 'deal.payment', entity: { type: 'deal', id: deal.id }, key: followUp.dedupeKey,
        message: both((locale, texts) => ({
          text: [texts.paymentTitle, texts.paymentBody(formatMoney(followUp.remaining, followUp.currency, locale), formatMoney(followUp.paid, followUp.currency, locale)),
            ...essentials(names, deal, locale, texts, manager)].join('\n'),
          buttons: paymentButtons(deal, locale, texts, now),
        })),
        digestLine: both((locale) => `#${deal.id} ${deal.title ?? ''} — ${formatMoney(followUp.remaining, followUp.currency, locale)}`),
      });
    }
  }

  return { scanPayments };
}
