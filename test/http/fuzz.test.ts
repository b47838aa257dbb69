import { describe, expect, it } from 'vitest';
import { runHttpFuzz } from '../../bench/storm/http-fuzz.js';

// The short version of `npm run storm`'s HTTP fuzz (100,000 requests there).
describe('random and mutated requests at every HTTP endpoint', () => {
  it('2,000 requests: no 5xx, the process alive, nothing written or sent, no secret in an answer or a log line', async () => {
    const result = await runHttpFuzz({ requests: 2_000, seed: 7 });
    expect(result.samples).toEqual([]);
    expect(result.serverErrors).toBe(0);
    expect(result.byStatus.network ?? 0).toBe(0);
    expect(result.alive).toBe(true);
    expect(result.portalWrites).toBe(0);
    expect(result.telegramSends).toBe(0);
    expect(result.leaks).toBe(0);
    // The run reached the endpoints (not only 404s): refusals of each kind occurred.
    for (const status of ['200', '400', '401', '404']) expect(result.byStatus[status] ?? 0).toBeGreaterThan(0);
  });
});
