import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { jitteredBackoff } from '../../src/outbox/backoff.js';
import { buildDigestPages, MAX_BUTTONS_PER_MESSAGE } from '../../src/outbox/digest.js';
import { notificationId } from '../../src/outbox/keys.js';
import { toPlainText } from '../../src/outbox/plain-text.js';
import type { DigestItem } from '../../src/outbox/types.js';
import { deliveryWindowFor } from '../../src/outbox/window.js';
import { testSettings } from './support.js';

function item(n: number, line = `Сделка #${n} стоит 15 дней`, buttons = 2): DigestItem {
  const make = (label: string) => Array.from({ length: buttons }, (_, b) => ({ kind: 'action' as const, text: `${label}${b}`, data: `a:${n}:${b}` }));
  return { id: `i${n}`, key: `k${n}`, kind: 'deal.stuck', entity: { type: 'deal', id: n }, line: { ru: line, en: `Deal #${n}` }, buttons: { ru: make('Д'), en: make('B') } };
}

describe('buildDigestPages', () => {
  it('lists every item once, numbered, with its buttons labelled by number', () => {
    const pages = buildDigestPages([item(1), item(2), item(3)], 'ru');
    expect(pages).toHaveLength(1);
    const page = pages[0]!;
    expect(page.itemIds).toEqual(['i1', 'i2', 'i3']);
    expect(page.message.text).toContain('Уведомлений: 3');
    expect(page.message.text).toContain('2. Сделка #2 стоит 15 дней');
    expect(page.message.buttons).toHaveLength(3);
    expect(page.message.buttons?.[1]?.map((b) => b.text)).toEqual(['2. Д0', '2. Д1']);
  });

  it('renders the recipient language', () => {
    const [page] = buildDigestPages([item(1), item(2)], 'en');
    expect(page!.message.text).toContain('Notifications: 2');
    expect(page!.message.text).toContain('1. Deal #1');
  });

  it('paginates past 100 buttons and 4096 characters, keeping order and every item', () => {
    fc.assert(fc.property(
      fc.array(fc.record({ len: fc.integer({ min: 1, max: 900 }), buttons: fc.integer({ min: 0, max: 12 }) }), { minLength: 1, maxLength: 200 }),
      fc.constantFrom('ru' as const, 'en' as const),
      (specs, locale) => {
        const items = specs.map((s, i) => {
          const it = item(i + 1, 'x'.repeat(s.len), s.buttons);
          return { ...it, line: { ru: 'ж'.repeat(s.len), en: 'y'.repeat(s.len) } };
        });
        const pages = buildDigestPages(items, locale);
        expect(pages.flatMap((p) => p.itemIds)).toEqual(items.map((i) => i.id));
        for (const p of pages) {
          expect(p.message.text.length).toBeLessThanOrEqual(4096);
          expect((p.message.buttons ?? []).flat().length).toBeLessThanOrEqual(MAX_BUTTONS_PER_MESSAGE);
          for (const row of p.message.buttons ?? []) expect(row.length).toBeLessThanOrEqual(8);
        }
        if (pages.length > 1) expect(pages[0]!.message.text).toMatch(/(стр\.|page) 1\/\d+/);
      },
    ), { numRuns: 60 });
  });

  it('cuts a single line longer than a page instead of failing', () => {
    const pages = buildDigestPages([item(1, 'z'.repeat(10_000)), item(2)], 'ru');
    expect(pages.flatMap((p) => p.itemIds)).toEqual(['i1', 'i2']);
    expect(pages[0]!.message.text.length).toBeLessThanOrEqual(4096);
    expect(pages[0]!.message.text).toContain('…');
  });
});

describe('jitteredBackoff', () => {
  it('doubles per attempt, stays within [half, full] of the exponential delay and respects the cap', () => {
    fc.assert(fc.property(fc.integer({ min: 1, max: 30 }), fc.double({ min: 0, max: 0.999999, noNaN: true }), (attempt, r) => {
      const full = Math.min(60_000, 1000 * 2 ** (attempt - 1));
      const delay = jitteredBackoff(attempt, 1000, 60_000, () => r);
      expect(delay).toBeGreaterThanOrEqual(Math.floor(full / 2));
      expect(delay).toBeLessThanOrEqual(full);
    }));
    expect(jitteredBackoff(3, 1000, 60_000, () => 0)).toBe(2000);
    expect(jitteredBackoff(3, 1000, 60_000, () => 0.999999)).toBe(4000);
  });
});

describe('deliveryWindowFor', () => {
  const settings = testSettings({ workingHours: { start: '09:00', end: '18:00', days: [1, 2, 3, 4, 5], quietStart: '20:00', quietEnd: '09:00', holidays: ['2026-01-01'] } });
  it('uses the rules file defaults when the user set nothing', () => {
    expect(deliveryWindowFor({ locale: 'ru', weekendsOff: true, channel: 'telegram' }, settings)).toEqual({
      timezone: 'Europe/Moscow', quietStart: '20:00', quietEnd: '09:00', workingDays: [1, 2, 3, 4, 5], holidays: ['2026-01-01'],
    });
  });
  it("prefers the user's quiet hours and opens weekends when they turned days off off", () => {
    const window = deliveryWindowFor({ locale: 'en', quietStart: '22:00', quietEnd: '07:30', weekendsOff: false, channel: 'telegram' }, settings);
    expect(window).toMatchObject({ quietStart: '22:00', quietEnd: '07:30', workingDays: [1, 2, 3, 4, 5, 6, 7], holidays: [] });
  });
});

describe('toPlainText and notificationId', () => {
  it('drops markup and keeps URL buttons as lines', () => {
    const text = toPlainText({ text: '**Deal** `42` is _stuck_', buttons: [[{ kind: 'url', text: 'Open', url: 'https://x.bitrix24.ru/crm/deal/details/42/' }, { kind: 'action', text: 'Take', data: 't' }]] });
    expect(text).toBe('Deal 42 is stuck\nOpen: https://x.bitrix24.ru/crm/deal/details/42/');
  });
  it('is stable per (recipient, key), differs across recipients and never looks like an integer', () => {
    expect(notificationId(5, 'k')).toBe(notificationId(5, 'k'));
    expect(notificationId(5, 'k')).not.toBe(notificationId(6, 'k'));
    expect(notificationId(5, 'k')).toMatch(/^n[0-9a-f]{40}$/);
  });
});
