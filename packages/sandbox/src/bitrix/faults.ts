/**
 * Fault injection for the sandbox portal: latency, a share of 503 / 500 / timeouts, scripted failures of the
 * next N calls of one method, and an "expired token" mode where every call answers 401 expired_token.
 */
import { createPrng, type Prng } from './prng.js';

export interface InjectedError {
  status: number;
  error: string;
  description: string;
}

export type TimeoutMode = 'hang' | 'destroy';

export interface FailureRates {
  /** Share (0..1) of HTTP requests answered 503 QUERY_LIMIT_EXCEEDED. */
  status503?: number;
  /** Share (0..1) answered 500 INTERNAL_SERVER_ERROR. */
  status500?: number;
  /** Share (0..1) never answered: the socket is held open ('hang') or destroyed ('destroy'). */
  timeout?: number;
  timeoutMode?: TimeoutMode;
  /**
   * Share (0..1) of requests that ACT and then lose their answer: what a client sees when a proxy times out after
   * the portal wrote (a 504 page) or the connection drops. Decided after the method ran.
   */
  lostAnswer?: number;
  lostAnswerMode?: LostAnswerMode;
}

/** How an answer is lost after the portal acted: a proxy's 504 Gateway Time-out page, or a dropped connection. */
export type LostAnswerMode = '504' | 'destroy';

export type FaultDecision =
  | { kind: 'none' }
  | { kind: 'error'; error: InjectedError }
  | { kind: 'timeout'; mode: TimeoutMode };

export const QUERY_LIMIT_ERROR: InjectedError = { status: 503, error: 'QUERY_LIMIT_EXCEEDED', description: 'Too many requests' };
export const INTERNAL_ERROR: InjectedError = { status: 500, error: 'INTERNAL_SERVER_ERROR', description: 'Internal server error' };
export const EXPIRED_TOKEN_ERROR: InjectedError = {
  status: 401, error: 'expired_token', description: 'The access token provided has expired.',
};

export class SandboxFaults {
  private latency: { min: number; max: number } = { min: 0, max: 0 };
  private rates: Required<FailureRates> = { status503: 0, status500: 0, timeout: 0, timeoutMode: 'hang', lostAnswer: 0, lostAnswerMode: '504' };
  private scripted = new Map<string, Array<InjectedError>>();
  private scriptedLost = new Map<string, LostAnswerMode[]>();
  private expired = false;
  private prng: Prng;

  constructor(seed = 1) {
    this.prng = createPrng(seed);
  }

  /** Fixed latency (ms) or a uniform random range. */
  setLatency(latency: number | { min: number; max: number }): void {
    this.latency = typeof latency === 'number' ? { min: latency, max: latency } : { ...latency };
  }

  setFailureRates(rates: FailureRates): void {
    this.rates = { ...this.rates, ...rates };
  }

  /**
   * The next `n` calls of `method` (HTTP or inside a batch) fail with the given error
   * (default 503 QUERY_LIMIT_EXCEEDED). Names are case-insensitive.
   */
  failNext(method: string, n: number, error: InjectedError = QUERY_LIMIT_ERROR): void {
    const key = method.toLowerCase();
    const queue = this.scripted.get(key) ?? [];
    for (let i = 0; i < n; i += 1) queue.push({ ...error });
    this.scripted.set(key, queue);
  }

  /** The next `n` HTTP calls of `method` act, then lose their answer (504 page by default). */
  loseAnswerNext(method: string, n: number, mode: LostAnswerMode = '504'): void {
    const key = method.toLowerCase();
    const queue = this.scriptedLost.get(key) ?? [];
    for (let i = 0; i < n; i += 1) queue.push(mode);
    this.scriptedLost.set(key, queue);
  }

  /** After `method` acted: whether (and how) its answer is lost — scripted first, then by the configured share. */
  takeLostAnswer(method: string): LostAnswerMode | null {
    const key = method.toLowerCase();
    const queue = this.scriptedLost.get(key);
    const scripted = queue?.shift();
    if (queue && queue.length === 0) this.scriptedLost.delete(key);
    if (scripted) return scripted;
    // No roll unless the share is set, so seeded runs without it keep their sequence.
    if (this.rates.lostAnswer <= 0) return null;
    return this.prng.next() < this.rates.lostAnswer ? this.rates.lostAnswerMode : null;
  }

  /** Every call answers 401 expired_token while on. */
  setExpiredToken(on: boolean): void {
    this.expired = on;
  }

  get expiredToken(): boolean {
    return this.expired;
  }

  reset(): void {
    this.latency = { min: 0, max: 0 };
    this.rates = { status503: 0, status500: 0, timeout: 0, timeoutMode: 'hang', lostAnswer: 0, lostAnswerMode: '504' };
    this.scripted.clear();
    this.scriptedLost.clear();
    this.expired = false;
  }

  /** Milliseconds to wait before answering this request. */
  nextLatency(): number {
    const { min, max } = this.latency;
    return max <= min ? min : min + this.prng.next() * (max - min);
  }

  /** A scripted failure for this method, consumed. */
  takeScripted(method: string): InjectedError | undefined {
    const queue = this.scripted.get(method.toLowerCase());
    const next = queue?.shift();
    if (queue && queue.length === 0) this.scripted.delete(method.toLowerCase());
    return next;
  }

  /** Random failure for one HTTP request, by the configured shares. */
  decideRandom(): FaultDecision {
    const { status503, status500, timeout, timeoutMode } = this.rates;
    if (status503 + status500 + timeout <= 0) return { kind: 'none' };
    const roll = this.prng.next();
    if (roll < status503) return { kind: 'error', error: QUERY_LIMIT_ERROR };
    if (roll < status503 + status500) return { kind: 'error', error: INTERNAL_ERROR };
    if (roll < status503 + status500 + timeout) return { kind: 'timeout', mode: timeoutMode };
    return { kind: 'none' };
  }
}
