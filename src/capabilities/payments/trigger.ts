import { encodeCallback } from '../../chat/callback-codec.js';
import { actionButton, type Button, urlButton } from '../../chat/message.js';
import type { Deal } from '../../crm/index.js';
import type { Locale } from '../../i18n/index.js';
import { evaluatePaymentFollowUp, formatMoney } from '../../rules/deals/index.js';
import { calendarDateAt, instantAt } from '../../rules/time/index.js';
import type { DealContext } from '../deals/context.js';
import { both, EXPECT_OFFERS_DAYS, type Texts } from '../deals/context.js';
import type { ScanSummary } from '../deals/types.js';

/** Deals waiting for payment longer than the rules allow: ask the manager to call, with the amount still due. */
export function createPaymentTrigger(ctx: DealContext) {
  const { deps, rules, tz, state, fields, stagesWithRole, stageNames, dealLink, day, factsOf, daysInStage,
    personName, essentials, remember, cutoff, selectFields } = ctx;
  function paymentButtons(deal: Deal, locale: Locale, texts: Texts, now: Date): Button[][] {
    const today = calendarDateAt(now, tz);
    const offers = EXPECT_OFFERS_DAYS.map((d) => {
      const at = instantAt(today, 12 * 60, tz);
      const date = new Date(at.getTime() + d * 86_400_000);
      const c = calendarDateAt(date, tz);
      const wire = `${c.year}${String(c.month).padStart(2, '0')}${String(c.day).padStart(2, '0')}`;
      return actionButton(texts.btnExpect(day(date, locale)), encodeCallback('deal.expect', deal.id, wire));
    });
    return [
      [actionButton(texts.btnPaid, encodeCallback('deal.paid', deal.id))],
      offers,
      [actionButton(texts.btnClientRefuses, encodeCallback('deal.reject', deal.id))],
      [urlButton(texts.btnOpen, dealLink(deal.id))],
    ];
  }

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
