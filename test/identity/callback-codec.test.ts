import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  CALLBACK_ACTIONS, CallbackTooLongError, decodeCallback, encodeCallback, MAX_CALLBACK_BYTES,
} from '../../src/chat/callback-codec.js';

describe('callback codec', () => {
  it('round-trips every action with typed arguments', () => {
    const data = encodeCallback('deal.move', 123456, 'C1:PREPAYMENT_INVOICE');
    expect(data).toBe('1|dm|123456|C1:PREPAYMENT_INVOICE');
    expect(decodeCallback(data)).toEqual({ ok: true, action: 'deal.move', args: [123456, 'C1:PREPAYMENT_INVOICE'] });
    expect(decodeCallback(encodeCallback('deal.reason', 7, 'price', 'too_expensive')))
      .toEqual({ ok: true, action: 'deal.reason', args: [7, 'price', 'too_expensive'] });
    expect(decodeCallback(encodeCallback('deal.snooze', 9, 3))).toMatchObject({ args: [9, 3] });
  });

  it('uses distinct wire codes', () => {
    const codes = Object.values(CALLBACK_ACTIONS).map((a) => a.code);
    expect(new Set(codes).size).toBe(codes.length);
  });

  it('refuses what a modified client might send', () => {
    expect(decodeCallback('0|dm|1|NEW')).toEqual({ ok: false, reason: 'version' });
    expect(decodeCallback('2|dm|1|NEW')).toEqual({ ok: false, reason: 'version' });
    expect(decodeCallback('1|zz|1')).toEqual({ ok: false, reason: 'unknown_action' });
    expect(decodeCallback('1|dm|1')).toEqual({ ok: false, reason: 'bad_arguments' });
    expect(decodeCallback('1|dm|1|NEW|extra')).toEqual({ ok: false, reason: 'bad_arguments' });
    expect(decodeCallback('1|dm|-5|NEW')).toEqual({ ok: false, reason: 'bad_arguments' });
    expect(decodeCallback('1|dm|007|NEW')).toEqual({ ok: false, reason: 'bad_arguments' });
    expect(decodeCallback('1|dm|1|new stage')).toEqual({ ok: false, reason: 'bad_arguments' });
    expect(decodeCallback('1|de|1|20251341')).toEqual({ ok: false, reason: 'bad_arguments' });
    expect(decodeCallback('')).toEqual({ ok: false, reason: 'malformed' });
    expect(decodeCallback(undefined)).toEqual({ ok: false, reason: 'malformed' });
    expect(decodeCallback('x'.repeat(65))).toEqual({ ok: false, reason: 'malformed' });
    expect(decodeCallback('legacy:deal:1')).toEqual({ ok: false, reason: 'malformed' });
  });

  it('never encodes more than 64 bytes', () => {
    expect(() => encodeCallback('deal.move', 999_999_999_999, `C1:${'A'.repeat(30)}`)).not.toThrow();
    expect(() => encodeCallback('deal.move', 1, 'not a stage')).toThrow(TypeError);
    const long = `${'A'.repeat(30)}:${'B'.repeat(30)}`;
    expect(() => encodeCallback('deal.move', 999_999_999_999, long)).toThrow(CallbackTooLongError);
  });

  it('10,000 random payloads never throw and decode only to valid actions', () => {
    const actions = new Set(Object.keys(CALLBACK_ACTIONS));
    const payload = fc.oneof(
      fc.string({ maxLength: 80 }),
      fc.string({ unit: 'grapheme', maxLength: 40 }),
      fc.array(fc.oneof(fc.constantFrom('1', 'dm', 'dx', 'lt', 'NEW', 'C1:WON', '0', '-1'), fc.string({ maxLength: 12 })), { maxLength: 6 })
        .map((parts) => parts.join('|')),
    );
    fc.assert(fc.property(payload, (data) => {
      const decoded = decodeCallback(data);
      if (decoded.ok) {
        expect(actions.has(decoded.action)).toBe(true);
        expect(Buffer.byteLength(data, 'utf8')).toBeLessThanOrEqual(MAX_CALLBACK_BYTES);
        // A decoded payload re-encodes to exactly the same bytes: nothing lenient slipped through.
        expect(encodeCallback(decoded.action as 'deal.move', ...(decoded.args as [number, string]))).toBe(data);
      }
    }), { numRuns: 10_000 });
  });
});
