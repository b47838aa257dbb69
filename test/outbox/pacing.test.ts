import { afterAll, describe, expect, it } from 'vitest';
import { outboxKeys } from '../../src/outbox/keys.js';
import { type Admission, createPacing } from '../../src/outbox/pacing.js';
import { testRedis, uniquePrefix } from '../support/redis.js';

const redis = testRedis();
afterAll(() => { redis.disconnect(); });

/**
 * The bot-wide budget counts a call from the moment its answer is back, not from its admission: a call that
 * stalls on the way (an event-loop pause, a slow network) keeps its place in the window, so the calls after it
 * can never bunch up at the messenger. Correctness of the budget, not speed: every bound here is a lower bound.
 */
describe('outbox pacing: calls in flight', () => {
  it('admits no call beyond the budget while earlier ones are unanswered, and counts a window from the answer', async () => {
    const pacing = createPacing(redis, outboxKeys(uniquePrefix('pace')), { globalPerSecond: 3, perChatIntervalMs: 0 });
    const inFlight: Admission[] = [];
    for (let i = 0; i < 3; i += 1) inFlight.push(await pacing.waitForGlobalSlot());

    let admittedAt = 0;
    const fourth = pacing.waitForGlobalSlot().then((admission) => { admittedAt = Date.now(); return admission; });
    // Longer than the 1 s window: admitted by the clock alone, the fourth call would have gone by now.
    await new Promise((resolve) => setTimeout(resolve, 1_300));
    expect(admittedAt).toBe(0);

    const answeredAt = Date.now();
    await inFlight[0]!.settle();
    await (await fourth).settle();
    // The answered call stays in the window for a full second from its answer.
    expect(admittedAt - answeredAt).toBeGreaterThanOrEqual(1_000);
    for (const admission of inFlight.slice(1)) await admission.settle();
  });

  it('the chat slot taken by one holder is refused to another until it frees up', async () => {
    const pacing = createPacing(redis, outboxKeys(uniquePrefix('pace-chat')), { globalPerSecond: 30, perChatIntervalMs: 1_000 });
    expect(await pacing.tryChatSlot('telegram', '42', 'a')).toBe(0);
    const admission = await pacing.admitSend('telegram', '42', 'a');
    expect(admission).not.toBeNull();
    expect(await pacing.tryChatSlot('telegram', '42', 'b')).toBeGreaterThan(0);
    expect(await pacing.admitSend('telegram', '42', 'b')).toBeNull();
    await admission!.settle();
    expect(await pacing.tryChatSlot('telegram', '42', 'b')).toBeGreaterThan(0);
    expect(await pacing.tryChatSlot('bitrix24', '42', 'b')).toBe(0);
  });
});
