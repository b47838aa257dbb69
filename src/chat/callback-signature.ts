import { createHmac } from 'node:crypto';
import { constantTimeEquals } from '../infra/secrets.js';

/**
 * Button payloads signed for the chat they were sent to: `<payload>~<mac>`, the MAC being the first 8 base64url
 * characters (48 bits) of HMAC-SHA256(key, place + "\n" + payload). A modified client can still send any callback
 * data, but one it was not given fails this check before any I/O, so a flood of forged presses costs the portal
 * nothing (the owner check stays, for presses that are genuine but stale).
 */
export interface CallbackSigner {
  sign(payload: string, place: string): string;
  /** The payload when the signature is right for this place; null otherwise (unsigned, forged, another chat's). */
  open(data: string, place: string): string | null;
}

/** `~` + 8 characters: what a signature adds to a payload (the codec keeps payloads within 64 − this). */
export const SIGNATURE_BYTES = 9;
const MAC_LENGTH = 8;

export function createCallbackSigner(key: string | Buffer): CallbackSigner {
  const mac = (payload: string, place: string) => createHmac('sha256', key).update(`${place}\n${payload}`).digest('base64url').slice(0, MAC_LENGTH);
  return {
    sign: (payload, place) => `${payload}~${mac(payload, place)}`,
    open(data, place) {
      if (typeof data !== 'string' || data.length <= SIGNATURE_BYTES || data[data.length - SIGNATURE_BYTES] !== '~') return null;
      const payload = data.slice(0, -SIGNATURE_BYTES);
      return constantTimeEquals(data.slice(-MAC_LENGTH), mac(payload, place)) ? payload : null;
    },
  };
}

/** The signing key: CALLBACK_SIGNING_KEY when set, else derived from the bot token (so every process agrees). */
export function callbackSigningKey(explicit: string | undefined, botToken: string): Buffer {
  return explicit ? Buffer.from(explicit, 'utf8') : createHmac('sha256', botToken).update('dealpilot callback signing').digest();
}
