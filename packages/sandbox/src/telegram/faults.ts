/**
 * Faults for the Telegram sandbox, drawn from a seeded generator so a run can be repeated: an error before the
 * method runs (5xx, or a 429 with a long retry_after as in a flood-control storm), or the method runs — the message
 * is in the chat — and then the answer is lost (a 502 page from a proxy, or the connection dropped). Only the
 * methods listed are affected (default: sendMessage and editMessageText).
 */
import { createPrng, type Prng } from '../bitrix/prng.js';

export interface TelegramFaultRates {
  /** Share (0..1) answered 500/502 before acting. */
  serverError?: number;
  /** Share (0..1) answered 429 Too Many Requests with `retryAfter` seconds, before acting. */
  floodWait?: number;
  retryAfter?: number;
  /** Share (0..1) that act and then lose the answer. */
  lostAnswer?: number;
  lostAnswerMode?: 'gateway' | 'destroy';
  methods?: string[];
  seed?: number;
}

export type TelegramFaultDecision = { kind: 'none' } | { kind: 'before'; status: number; body: Record<string, unknown> } | { kind: 'lose'; mode: 'gateway' | 'destroy' };

export interface TelegramFaultCounts {
  serverErrors: number;
  floodWaits: number;
  lostAnswers: number;
}

export class TelegramFaults {
  private rates: TelegramFaultRates = {};
  private prng: Prng = createPrng(1);
  readonly counts: TelegramFaultCounts = { serverErrors: 0, floodWaits: 0, lostAnswers: 0 };

  set(rates: TelegramFaultRates): void {
    this.rates = { ...rates };
    this.prng = createPrng(rates.seed ?? 1);
  }

  clear(): void {
    this.rates = {};
  }

  private applies(method: string): boolean {
    return (this.rates.methods ?? ['sendMessage', 'editMessageText']).includes(method);
  }

  /** Asked before the method runs. */
  before(method: string): TelegramFaultDecision {
    if (!this.applies(method)) return { kind: 'none' };
    const roll = this.prng.next();
    const serverError = this.rates.serverError ?? 0;
    const floodWait = this.rates.floodWait ?? 0;
    if (roll < serverError) {
      this.counts.serverErrors += 1;
      return { kind: 'before', status: 500, body: { ok: false, error_code: 500, description: 'Internal Server Error' } };
    }
    if (roll < serverError + floodWait) {
      this.counts.floodWaits += 1;
      const retryAfter = this.rates.retryAfter ?? 30;
      return { kind: 'before', status: 429, body: { ok: false, error_code: 429, description: `Too Many Requests: retry after ${retryAfter}`, parameters: { retry_after: retryAfter } } };
    }
    return { kind: 'none' };
  }

  /** Asked after the method ran: lose its answer? */
  after(method: string): TelegramFaultDecision {
    if (!this.applies(method) || !(this.rates.lostAnswer ?? 0)) return { kind: 'none' };
    if (this.prng.next() >= (this.rates.lostAnswer ?? 0)) return { kind: 'none' };
    this.counts.lostAnswers += 1;
    return { kind: 'lose', mode: this.rates.lostAnswerMode ?? 'gateway' };
  }
}
