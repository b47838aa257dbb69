/**
 * The portal's leaky bucket (apidocs: settings/performance/limits): each HTTP request (a whole batch included)
 * adds one drop; the bucket drains `drainPerSecond` drops a second; a request that would overflow `burst` gets
 * 503 QUERY_LIMIT_EXCEEDED. Measured on the real monotonic clock, not the portal's injectable one.
 */
export interface RateLimitOptions {
  enabled?: boolean;
  burst?: number;
  drainPerSecond?: number;
}

export class LeakyBucket {
  enabled: boolean;
  burst: number;
  drainPerSecond: number;
  private level = 0;
  private updatedAt = performance.now();

  constructor(options: RateLimitOptions = {}) {
    this.enabled = options.enabled ?? true;
    this.burst = options.burst ?? 50;
    this.drainPerSecond = options.drainPerSecond ?? 2;
  }

  configure(options: RateLimitOptions): void {
    if (options.enabled !== undefined) this.enabled = options.enabled;
    if (options.burst !== undefined) this.burst = options.burst;
    if (options.drainPerSecond !== undefined) this.drainPerSecond = options.drainPerSecond;
  }

  private drain(): void {
    const now = performance.now();
    this.level = Math.max(0, this.level - ((now - this.updatedAt) / 1000) * this.drainPerSecond);
    this.updatedAt = now;
  }

  /** Takes one drop; false when the bucket is full (the request must be refused). */
  tryTake(): boolean {
    if (!this.enabled) return true;
    this.drain();
    if (this.level + 1 > this.burst) return false;
    this.level += 1;
    return true;
  }

  /** Current fill level (drops), for diagnostics. */
  currentLevel(): number {
    this.drain();
    return this.level;
  }

  reset(): void {
    this.level = 0;
    this.updatedAt = performance.now();
  }
}
