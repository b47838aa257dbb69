import { encodeCallback } from '../../chat/callback-codec.js';
import { actionButton, type Button, urlButton } from '../../chat/message.js';
import type { Deal } from '../../crm/index.js';
import type { Locale } from '../../i18n/index.js';
import { calendarDateAt, instantAt } from '../../rules/time/index.js';
import type { DealContext, Texts } from '../deals/context.js';
import { EXPECT_OFFERS_DAYS } from '../deals/context.js';

/** A deal awaiting payment offers: paid, "expected on …" for the next days, the client refuses, open in Bitrix24. */
export function createPaymentButtons(ctx: Pick<DealContext, 'tz' | 'day' | 'dealLink'>) {
  const { tz, day, dealLink } = ctx;
  return function paymentButtons(deal: Deal, locale: Locale, texts: Texts, now: Date): Button[][] {
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
  };
}
