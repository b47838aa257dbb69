/** Shapes of untrusted JSON and form values (REST answers, event payloads), checked in one place. */

export const isRecord = (value: unknown): value is Record<string, unknown> =>
  !!value && typeof value === 'object' && !Array.isArray(value);

/** A positive integer id, given as a number or as digits (Bitrix24 sends both); undefined otherwise. */
export function positiveId(value: unknown): number | undefined {
  const n = typeof value === 'number' ? value : typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : NaN;
  return Number.isSafeInteger(n) && n > 0 ? n : undefined;
}

/** Whether the runtime knows this IANA time zone (a config value, a Bitrix24 profile's TIME_ZONE). */
export function isKnownTimeZone(zone: string | undefined | null): zone is string {
  if (!zone) return false;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}
