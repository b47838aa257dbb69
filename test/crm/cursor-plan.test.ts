import { describe, expect, it } from 'vitest';
import { planChanges } from '../../src/crm/cursor.js';

const fmt = (ms: number): string => new Date(ms).toISOString();
const parse = (v: unknown): number | undefined => (typeof v === 'string' ? Date.parse(v) : undefined);
const row = (id: number, iso: string): Record<string, unknown> => ({ ID: String(id), DATE_MODIFY: iso });

describe('change planning', () => {
  it('reads everything first, then from the watermark minus the overlap, skipping rows already delivered', () => {
    const first = planChanges(null, 'DATE_MODIFY', 60_000, fmt, parse, 0);
    expect(first.filter).toEqual({});
    expect(first.accept(row(1, '2026-01-01T10:00:00Z'))).toBe(true);
    expect(first.accept(row(2, '2026-01-01T10:05:00Z'))).toBe(true);
    const state = first.nextState();
    expect(state.watermark).toBe(Date.parse('2026-01-01T10:05:00Z'));
    expect(state.seen).toEqual([`2@${Date.parse('2026-01-01T10:05:00Z')}`]); // row 1 is below the overlap window

    const second = planChanges(state, 'DATE_MODIFY', 60_000, fmt, parse, 0);
    expect(second.filter).toEqual({ '>=DATE_MODIFY': '2026-01-01T10:04:00.000Z' });
    expect(second.accept(row(2, '2026-01-01T10:05:00Z'))).toBe(false); // same change, inside the overlap
    expect(second.accept(row(3, '2026-01-01T10:04:30Z'))).toBe(true); // committed late with an older stamp
    expect(second.accept(row(2, '2026-01-01T10:06:00Z'))).toBe(true); // changed again
    expect(second.nextState().watermark).toBe(Date.parse('2026-01-01T10:06:00Z'));
  });

  it('uses a plain >ID cursor for the ID field', () => {
    const first = planChanges(null, 'ID', 0, fmt, parse, 0);
    first.accept({ ID: '7' });
    first.accept({ ID: '12' });
    const state = first.nextState();
    expect(planChanges(state, 'ID', 0, fmt, parse, 0).filter).toEqual({ '>ID': 12 });
  });
});
