import { timingSafeEqual } from 'node:crypto';

/**
 * Secrets (bot token, webhook code, application tokens) must never reach a log line or an error message.
 * Everything that renders text for humans passes through `maskSecrets`; known secret values are registered
 * at start-up so they are masked wherever they appear (URLs, axios error messages, stack traces).
 */
const registered = new Set<string>();

export function registerSecret(value: string | undefined | null): void {
  if (value && value.length >= 6) registered.add(value);
}

/** Only for tests. */
export function clearRegisteredSecrets(): void {
  registered.clear();
}

const PATTERNS: Array<[RegExp, string]> = [
  // Telegram bot tokens: 123456789:AA... (also inside /bot<token>/ URL paths)
  [/(?<!\d)\d{5,}:[A-Za-z0-9_-]{30,}/g, '<bot-token>'],
  // Bitrix24 inbound webhook: /rest/<userId>/<code>/
  [/(\/rest\/(?:api\/)?\d+\/)[^/\s"']+/g, '$1<webhook-code>'],
  // application_token=... in form bodies / query strings
  [/(application_token[\]"']?\s*[=:]\s*"?)[^&\s"',}]+/gi, '$1<secret>'],
  // basic-auth credentials in URLs
  [/(\/\/)[^/\s:@]+:[^/\s@]+@/g, '$1<credentials>@'],
];

export function maskSecrets(text: string): string {
  let out = text;
  for (const secret of registered) out = out.split(secret).join('<secret>');
  for (const [pattern, replacement] of PATTERNS) out = out.replace(pattern, replacement);
  return out;
}

/** A URL safe to show: origin and path with any secret part masked. */
export function maskUrl(url: string): string {
  return maskSecrets(url);
}

/** Compares a presented token with the expected one in constant time (no early exit on the first difference). */
export function constantTimeEquals(a: string, b: string): boolean {
  const left = Buffer.from(a, 'utf8');
  const right = Buffer.from(b, 'utf8');
  // timingSafeEqual needs equal lengths; compare against itself to spend the same time, then fail.
  if (left.length !== right.length) {
    timingSafeEqual(left, left);
    return false;
  }
  return timingSafeEqual(left, right);
}
