import { parseMoneyField, roundMoney } from './money.js';
import { type DealFacts, stageStayKey } from './types.js';

export interface PaymentFollowUpInput {
  deal: DealFacts;
  /** Raw value of the "paid amount" field (fields.paidAmount): "12000|RUB", "12000.50", a number, or empty. */
  paidAmount: unknown;
  /** Days in the awaiting-payment stage, counted by the caller. */
  daysInStage: number;
  /** thresholds.paymentWaitDays: the first reminder comes after this many days. */
  waitDays: number;
  /** thresholds.paymentRepeatDays: then again every this many days. */
  repeatDays: number;
  now: Date;
  snoozedUntil?: Date;
}

export interface PaymentFollowUp {
  kind: 'payment';
  dealId: number;
  recipient: number;
  /** Opportunity minus what is paid, never below zero. */
  remaining: number;
  paid: number;
  currency: string;
  /** 0 for the first reminder, then 1, 2… per repeat period; part of the key so each period fires once. */
  period: number;
  /** The paid field named another currency than the deal's, so it was not subtracted. */
  paidCurrencyMismatch: boolean;
  dedupeKey: string;
}

/**
 * A reminder to chase a payment: due once the deal has waited `waitDays` in the stage, repeated every
 * `repeatDays`, nothing while snoozed or once fully paid. A snooze does not reset the count: after it ends,
 * the next reminder is the one of the period then running (if that period's reminder already went out before
 * the snooze, the outbox drops the repeat by its key).
 */
export function evaluatePaymentFollowUp(input: PaymentFollowUpInput): PaymentFollowUp | null {
  const { deal, daysInStage, waitDays, repeatDays, now, snoozedUntil } = input;
  if (!(repeatDays > 0)) throw new Error('evaluatePaymentFollowUp: repeatDays must be positive');
  if (daysInStage < waitDays) return null;
  if (snoozedUntil !== undefined && snoozedUntil.getTime() > now.getTime()) return null;

  const parsed = parseMoneyField(input.paidAmount);
  const mismatch = parsed !== null && parsed.currency !== null && parsed.currency !== deal.currency.toUpperCase();
  const paid = parsed === null || mismatch ? 0 : roundMoney(parsed.amount);
  const remaining = Math.max(0, roundMoney(deal.opportunity - paid));
  if (remaining <= 0) return null;

  const period = Math.floor((daysInStage - waitDays) / repeatDays);
  return {
    kind: 'payment', dealId: deal.id, recipient: deal.assignedById, remaining, paid, currency: deal.currency, period,
    paidCurrencyMismatch: mismatch, dedupeKey: `${stageStayKey(deal)}:payment:${period}`,
  };
}
