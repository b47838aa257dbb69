import { describe, expect, it } from 'vitest';
import type { PipelineConfig } from '../../../src/config/rules-schema.js';
import { formatMoney, parseMoneyField } from '../../../src/rules/deals/money.js';
import { evaluatePaymentFollowUp } from '../../../src/rules/deals/payment.js';
import { evaluateStuckDeal } from '../../../src/rules/deals/stuck.js';
import { allowedTransitions, isFilled, requiredFieldsFor } from '../../../src/rules/deals/transitions.js';
import type { DealFacts } from '../../../src/rules/deals/types.js';

const pipeline: PipelineConfig = {
  id: 1,
  name: 'Продажи',
  stages: [
    { id: 'C1:NEW', role: 'new', stuckDays: 2, next: ['C1:WORK'], requiredFields: [] },
    { id: 'C1:WORK', role: 'in_work', stuckDays: 5, next: ['C1:PAY', 'C1:LOSE'], requiredFields: [] },
    { id: 'C1:PAY', role: 'awaiting_payment', stuckDays: 3, next: ['C1:WON', 'C1:WORK', 'C1:LOSE'],
      requiredFields: ['UF_CRM_INVOICE', 'OPPORTUNITY'] },
    { id: 'C1:HOLD', role: 'in_work', next: [], requiredFields: [] },
    { id: 'C1:WON', role: 'won', stuckDays: 1, next: [], requiredFields: ['UF_CRM_ACT'] },
    { id: 'C1:LOSE', role: 'lost', next: [], requiredFields: ['UF_CRM_REJECT'] },
  ],
};

const movedTime = new Date('2025-11-03T07:30:00.000Z');
const deal: DealFacts = {
  id: 42, stageId: 'C1:WORK', categoryId: 1, assignedById: 5, movedTime, opportunity: 150_000, currency: 'RUB',
};
const now = new Date('2025-11-20T09:00:00.000Z');
const stay = 'deal:42:stay:C1:WORK@2025-11-03T07:30:00.000Z';

function stage(id: string) {
  const found = pipeline.stages.find((s) => s.id === id);
  if (!found) throw new Error(id);
  return found;
}

function stuck(daysInStage: number, extra: { snoozedUntil?: Date; stageId?: string; ladder?: number[]; at?: Date } = {}) {
  const stageId = extra.stageId ?? 'C1:WORK';
  return evaluateStuckDeal({
    deal: { ...deal, stageId }, stage: stage(stageId), pipeline: extra.ladder ? { ...pipeline, escalationDays: extra.ladder } : pipeline,
    escalationDays: [15, 30], daysInStage, now: extra.at ?? now,
    ...(extra.snoozedUntil ? { snoozedUntil: extra.snoozedUntil } : {}),
  });
}

describe('evaluateStuckDeal', () => {
  it('does nothing before the stage threshold', () => {
    expect(stuck(4)).toEqual([]);
  });

  it('nudges the manager once the threshold is reached, keyed by the stage stay', () => {
    expect(stuck(5)).toEqual([{
      kind: 'nudge', level: 0, dealId: 42, recipient: 5, daysInStage: 5, thresholdDays: 5, dedupeKey: `${stay}:nudge`,
    }]);
    expect(stuck(9)[0]?.dedupeKey).toBe(`${stay}:nudge`);
  });

  it('starts a new stay, and so new keys, when the deal re-enters the stage', () => {
    const again = evaluateStuckDeal({
      deal: { ...deal, movedTime: new Date('2025-11-10T10:00:00.000Z') }, stage: stage('C1:WORK'), pipeline,
      escalationDays: [15, 30], daysInStage: 5, now,
    });
    expect(again[0]?.dedupeKey).toBe('deal:42:stay:C1:WORK@2025-11-10T10:00:00.000Z:nudge');
  });

  it('escalates to the supervisor at the first step and higher up from the second, highest level only', () => {
    expect(stuck(15).map((d) => [d.kind, d.level, d.dedupeKey])).toEqual([
      ['nudge', 0, `${stay}:nudge`],
      ['escalation', 1, `${stay}:esc:1`],
    ]);
    expect(stuck(29).find((d) => d.kind === 'escalation')).toMatchObject({ level: 1, recipients: 'supervisor', thresholdDays: 15 });
    expect(stuck(31).filter((d) => d.kind === 'escalation')).toEqual([{
      kind: 'escalation', level: 2, dealId: 42, managerId: 5, recipients: 'supervisor_and_next', daysInStage: 31,
      thresholdDays: 30, dedupeKey: `${stay}:esc:2`,
    }]);
  });

  it("prefers the pipeline's own ladder", () => {
    expect(stuck(10, { ladder: [7, 10, 20] }).find((d) => d.kind === 'escalation')).toMatchObject({
      level: 2, recipients: 'supervisor_and_next', dedupeKey: `${stay}:esc:2`,
    });
    expect(stuck(6, { ladder: [7, 10, 20] }).some((d) => d.kind === 'escalation')).toBe(false);
  });

  it('holds the nudge while snoozed, and nudges once more after the snooze ends; escalation ignores snoozes', () => {
    const snoozedUntil = new Date('2025-11-21T06:00:00.000Z');
    const during = stuck(16, { snoozedUntil });
    expect(during.map((d) => d.kind)).toEqual(['escalation']);
    const after = stuck(17, { snoozedUntil, at: new Date('2025-11-21T06:00:00.001Z') });
    expect(after.map((d) => d.dedupeKey)).toEqual([`${stay}:nudge:after:2025-11-21T06:00:00.000Z`, `${stay}:esc:1`]);
  });

  it('ignores a snooze left over from before the stay began', () => {
    const old = new Date('2025-11-01T00:00:00.000Z');
    expect(stuck(6, { snoozedUntil: old }).map((d) => d.dedupeKey)).toEqual([`${stay}:nudge`]);
  });

  it('leaves stages without stuckDays and closed stages alone', () => {
    expect(stuck(100, { stageId: 'C1:HOLD' })).toEqual([]);
    expect(stuck(100, { stageId: 'C1:WON' })).toEqual([]);
  });

  it('refuses a stage config that is not the deal stage', () => {
    expect(() => evaluateStuckDeal({ deal, stage: stage('C1:PAY'), pipeline, escalationDays: [], daysInStage: 1, now }))
      .toThrow(/not the deal's stage/);
  });
});

describe('parseMoneyField', () => {
  it.each([
    ['12000|RUB', { amount: 12000, currency: 'RUB' }],
    ['12000.50|USD', { amount: 12000.5, currency: 'USD' }],
    ['12000.50', { amount: 12000.5, currency: null }],
    ['12 000,50', { amount: 12000.5, currency: null }],
    [' 500 | eur ', { amount: 500, currency: 'EUR' }],
    [7500, { amount: 7500, currency: null }],
  ])('%j → %j', (raw, parsed) => {
    expect(parseMoneyField(raw)).toEqual(parsed);
  });

  it.each(['', '|RUB', 'abc', '12|RUB|X', '12|рубли', null, undefined, false, Number.NaN, {}])('%j is not an amount', (raw) => {
    expect(parseMoneyField(raw)).toBeNull();
  });
});

describe('evaluatePaymentFollowUp', () => {
  const payDeal: DealFacts = { ...deal, stageId: 'C1:PAY', opportunity: 150_000 };
  const payStay = 'deal:42:stay:C1:PAY@2025-11-03T07:30:00.000Z';
  const follow = (paidAmount: unknown, daysInStage: number, snoozedUntil?: Date) => evaluatePaymentFollowUp({
    deal: payDeal, paidAmount, daysInStage, waitDays: 3, repeatDays: 2, now, ...(snoozedUntil ? { snoozedUntil } : {}),
  });

  it('waits the configured days before the first reminder', () => {
    expect(follow('', 2.9)).toBeNull();
    expect(follow('', 3)).toMatchObject({ period: 0, remaining: 150_000, paid: 0, dedupeKey: `${payStay}:payment:0` });
  });

  it('repeats once per period, the period number in the key', () => {
    expect(follow('', 4.5)?.period).toBe(0);
    expect(follow('', 5)?.dedupeKey).toBe(`${payStay}:payment:1`);
    expect(follow('', 8)?.dedupeKey).toBe(`${payStay}:payment:2`);
  });

  it('subtracts a partial payment and stops once fully paid', () => {
    expect(follow('100000.25|RUB', 3)).toEqual({
      kind: 'payment', dealId: 42, recipient: 5, remaining: 49_999.75, paid: 100_000.25, currency: 'RUB', period: 0,
      paidCurrencyMismatch: false, dedupeKey: `${payStay}:payment:0`,
    });
    expect(follow('150000|RUB', 3)).toBeNull();
    expect(follow('200000', 3)).toBeNull();
  });

  it('does not subtract a payment in another currency, and says so', () => {
    expect(follow('1000|USD', 3)).toMatchObject({ remaining: 150_000, paid: 0, paidCurrencyMismatch: true });
  });

  it('stays quiet while snoozed', () => {
    expect(follow('', 6, new Date('2025-11-21T00:00:00Z'))).toBeNull();
    expect(follow('', 6, new Date('2025-11-19T00:00:00Z'))?.period).toBe(1);
  });
});

describe('formatMoney', () => {
  // ICU decides which no-break space Russian groups with (U+00A0 or the narrow U+202F); both are fine, a
  // plain space is not, because a phone could wrap the amount.
  const spaces = (s: string) => s.replace(/[\u00a0\u202f]/g, ' ');

  it('formats Russian with the sign after the number and a decimal comma', () => {
    const out = formatMoney(1_234_567.5, 'RUB', 'ru');
    expect(spaces(out)).toBe('1 234 567,50 ₽');
    expect(out).not.toContain(' ');
    expect(spaces(formatMoney(1500, 'RUB', 'ru'))).toBe('1 500 ₽');
  });

  it('formats English with the ISO code in front', () => {
    expect(spaces(formatMoney(1_234_567.5, 'RUB', 'en'))).toBe('RUB 1,234,567.50');
    expect(spaces(formatMoney(99.999, 'USD', 'en'))).toBe('USD 100');
  });

  it('matches the runtime Intl output character for character', () => {
    const intl = new Intl.NumberFormat('ru-RU', { style: 'currency', currency: 'RUB', currencyDisplay: 'narrowSymbol',
      minimumFractionDigits: 2, maximumFractionDigits: 2 }).format(1_234_567.5);
    expect(formatMoney(1_234_567.5, 'RUB', 'ru')).toBe(intl);
  });

  it('prints an unknown currency code as it is', () => {
    expect(spaces(formatMoney(10, 'руб', 'ru'))).toBe('10 руб');
    expect(spaces(formatMoney(10, 'руб', 'en'))).toBe('руб 10');
  });
});

describe('allowedTransitions and requiredFieldsFor', () => {
  it('lists the next stages in configured order', () => {
    expect(allowedTransitions(pipeline, 'C1:PAY').map((s) => s.id)).toEqual(['C1:WON', 'C1:WORK', 'C1:LOSE']);
    expect(allowedTransitions(pipeline, 'C1:WON')).toEqual([]);
    expect(allowedTransitions(pipeline, 'C9:UNKNOWN')).toEqual([]);
  });

  it('reports the required fields that are empty', () => {
    expect(requiredFieldsFor(pipeline, 'C1:PAY', { UF_CRM_INVOICE: '', OPPORTUNITY: '0.00' })).toEqual(['UF_CRM_INVOICE']);
    expect(requiredFieldsFor(pipeline, 'C1:PAY', { OPPORTUNITY: null })).toEqual(['UF_CRM_INVOICE', 'OPPORTUNITY']);
    expect(requiredFieldsFor(pipeline, 'C1:PAY', { UF_CRM_INVOICE: ['', 17], OPPORTUNITY: 5 })).toEqual([]);
    expect(requiredFieldsFor(pipeline, 'C1:LOSE', { UF_CRM_REJECT: false })).toEqual(['UF_CRM_REJECT']);
    expect(requiredFieldsFor(pipeline, 'C1:WORK', {})).toEqual([]);
  });

  it('knows the empty shapes Bitrix24 uses', () => {
    expect([null, undefined, false, '', '  ', [], [''], '|RUB'].map(isFilled)).toEqual(Array(8).fill(false));
    expect([0, 'x', '100|RUB', 'a|b', [1], true].map(isFilled)).toEqual(Array(6).fill(true));
  });
});
