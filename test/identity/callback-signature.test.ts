import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { encodeCallback, MAX_CALLBACK_BYTES } from '../../src/chat/callback-codec.js';
import { callbackSigningKey, createCallbackSigner, SIGNATURE_BYTES } from '../../src/chat/callback-signature.js';

const signer = createCallbackSigner(callbackSigningKey(undefined, '123456:AAtesttokentesttokentesttokentesttoken'));

describe('signed button payloads', () => {
  it('opens what it signed for the same chat, and nothing else', () => {
    const payload = encodeCallback('deal.move', 42, 'PREPARATION');
    const signed = signer.sign(payload, '100010');
    expect(signed).toMatch(/^1\|dm\|42\|PREPARATION~[A-Za-z0-9_-]{8}$/);
    expect(signer.open(signed, '100010')).toBe(payload);
    // Another chat, another payload under the same MAC, no MAC, a MAC of another key: refused.
    expect(signer.open(signed, '100011')).toBeNull();
    expect(signer.open(signed.replace('|42|', '|43|'), '100010')).toBeNull();
    expect(signer.open(payload, '100010')).toBeNull();
    const other = createCallbackSigner(callbackSigningKey('another key that is long enough, 32+ chars', 'x'));
    expect(signer.open(other.sign(payload, '100010'), '100010')).toBeNull();
  });

  it('never lets a forged string through, whatever it is', () => {
    fc.assert(fc.property(fc.string({ maxLength: 80 }), fc.string({ maxLength: 12 }), (data, place) => {
      expect(signer.open(data, place)).toBeNull();
    }), { numRuns: 5_000 });
  });

  it('a signed payload of the longest size still fits Telegram\'s 64 bytes', () => {
    expect(MAX_CALLBACK_BYTES + SIGNATURE_BYTES).toBeLessThanOrEqual(64);
    const longest = 'x'.repeat(MAX_CALLBACK_BYTES);
    expect(Buffer.byteLength(signer.sign(longest, '-1001234567890'))).toBe(64);
  });
});
