import { sleep } from '../../src/infra/timing.js';

/**
 * Polls until `probe` gives a value (neither undefined nor null) and returns it: integration steps finish in a
 * worker or another process. The timeout is only a bound against hanging, never a timing assertion.
 */
export async function waitFor<T>(
  probe: () => T | null | undefined | Promise<T | null | undefined>, what: string, timeoutMs = 15_000, pollMs = 25,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== null) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(pollMs);
  }
}
