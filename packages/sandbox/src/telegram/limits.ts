import { tooManyRequests } from './errors.js';

/** Limits the sandbox enforces; all on by default with Telegram's published values. */
export interface TelegramSandboxLimits {
  /** Message text length after entity parsing, in UTF-16 code units (Telegram: 4096). */
  maxTextLength: number;
  /** Photo caption length after entity parsing (Telegram: 1024). */
  maxCaptionLength: number;
  /** callback_data size in UTF-8 bytes (Telegram: 64). */
  maxCallbackDataBytes: number;
  /** Minimum gap between two sends to the same chat; 0 disables. Strict: Telegram tolerates short bursts. */
  perChatIntervalMs: number;
  /** Sends + edits allowed in any rolling second across all chats; 0 disables. */
  globalPerSecond: number;
  /** A callback query can be answered within this time (Telegram: about 15 s). */
  callbackQueryTtlMs: number;
  /** Webhook redelivery: first retry delay, doubled per failure up to webhookMaxBackoffMs. */
  webhookRetryBaseMs: number;
  webhookMaxBackoffMs: number;
  /** Deliveries of one update before it is dropped (bounded redelivery). */
  webhookMaxAttempts: number;
  /** How long the sandbox waits for the webhook endpoint to answer. */
  webhookTimeoutMs: number;
}

export const DEFAULT_LIMITS: TelegramSandboxLimits = {
  maxTextLength: 4096,
  maxCaptionLength: 1024,
  maxCallbackDataBytes: 64,
  perChatIntervalMs: 1000,
  globalPerSecond: 30,
  callbackQueryTtlMs: 15_000,
  webhookRetryBaseMs: 100,
  webhookMaxBackoffMs: 2000,
  webhookMaxAttempts: 20,
  webhookTimeoutMs: 10_000,
};

/** One 429 the sandbox answered. */
export interface RateLimitRecord {
  at: number;
  method: string;
  chatId: number;
  scope: 'chat' | 'global';
  retryAfter: number;
}

/** Which limits a call consumes: sends count per chat and globally, edits only globally. */
export type LimitedCall = 'send' | 'edit';

/**
 * Flood control with the records tests need: every 429 given and every accepted send per chat. The check and
 * the record are separate so a call that fails validation after the check consumes nothing.
 */
export class FloodControl {
  readonly rejections: RateLimitRecord[] = [];
  readonly sendsByChat = new Map<number, number[]>();
  private readonly recentCalls: number[] = [];

  constructor(private readonly limits: () => TelegramSandboxLimits) {}

  /** Throws the 429 BotApiError (and records it) when the call would exceed a limit. */
  check(kind: LimitedCall, method: string, chatId: number, now: number): void {
    const { perChatIntervalMs, globalPerSecond } = this.limits();
    if (kind === 'send' && perChatIntervalMs > 0) {
      const last = this.sendsByChat.get(chatId)?.at(-1);
      if (last !== undefined && now - last < perChatIntervalMs) {
        this.reject(method, chatId, 'chat', perChatIntervalMs - (now - last), now);
      }
    }
    if (globalPerSecond > 0) {
      this.pruneRecent(now);
      if (this.recentCalls.length >= globalPerSecond) {
        const oldest = this.recentCalls[this.recentCalls.length - globalPerSecond] ?? now;
        this.reject(method, chatId, 'global', oldest + 1000 - now, now);
      }
    }
  }

  record(kind: LimitedCall, chatId: number, now: number): void {
    this.recentCalls.push(now);
    if (kind !== 'send') return;
    const sends = this.sendsByChat.get(chatId) ?? [];
    sends.push(now);
    this.sendsByChat.set(chatId, sends);
  }

  /** The most sends any one chat received within a rolling second. */
  maxPerChatPerSecond(): number {
    let max = 0;
    for (const sends of this.sendsByChat.values()) {
      let start = 0;
      for (let end = 0; end < sends.length; end += 1) {
        while ((sends[end] ?? 0) - (sends[start] ?? 0) >= 1000) start += 1;
        max = Math.max(max, end - start + 1);
      }
    }
    return max;
  }

  reset(): void {
    this.rejections.length = 0;
    this.sendsByChat.clear();
    this.recentCalls.length = 0;
  }

  private pruneRecent(now: number): void {
    while (this.recentCalls.length > 0 && now - (this.recentCalls[0] ?? 0) >= 1000) this.recentCalls.shift();
  }

  private reject(method: string, chatId: number, scope: 'chat' | 'global', waitMs: number, now: number): never {
    // Telegram's retry_after is whole seconds, at least 1.
    const retryAfter = Math.max(1, Math.ceil(waitMs / 1000));
    this.rejections.push({ at: now, method, chatId, scope, retryAfter });
    throw tooManyRequests(retryAfter);
  }
}
