/** Name of the custom BullMQ backoff strategy the outbox registers on its worker. */
export const OUTBOX_BACKOFF = 'outbox-jitter';

/**
 * Exponential backoff with "equal jitter": half the doubled delay is fixed, half random, so retries of many
 * messages failing together (a Telegram outage) spread out instead of returning in lockstep.
 */
export function jitteredBackoff(attemptsMade: number, baseMs: number, maxMs: number, random: () => number = Math.random): number {
  const exponential = Math.min(maxMs, baseMs * 2 ** Math.max(0, attemptsMade - 1));
  const half = exponential / 2;
  return Math.round(half + random() * half);
}
