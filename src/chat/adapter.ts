import type { ChatMessage, MessageRef } from './message.js';

/**
 * What the outbox and the bot need from a messenger. Adapters translate the neutral message model and map
 * the messenger's failures onto the error classes below, which drive retries and fallbacks.
 */
export interface ChatAdapter {
  readonly channel: MessageRef['channel'];
  send(chatId: string, message: ChatMessage): Promise<MessageRef>;
  /** Replaces text and buttons of a sent message; "not modified" counts as success. */
  edit(ref: MessageRef, message: ChatMessage): Promise<void>;
}

/** The recipient blocked the bot or the chat no longer exists: do not retry on this channel. */
export class ChatUnreachableError extends Error {
  constructor(readonly chatId: string, description: string) {
    super(`chat unreachable: ${description}`);
    this.name = 'ChatUnreachableError';
  }
}

/** The messenger asked us to slow down (HTTP 429): pause the whole channel for `retryAfterSeconds`. */
export class ChatRateLimitedError extends Error {
  constructor(readonly retryAfterSeconds: number) {
    super(`rate limited: retry after ${retryAfterSeconds}s`);
    this.name = 'ChatRateLimitedError';
  }
}

/** A 5xx or network failure: retry later with backoff. */
export class ChatTransientError extends Error {
  constructor(description: string) {
    super(`transient chat failure: ${description}`);
    this.name = 'ChatTransientError';
  }
}

/** The messenger refused the message itself (400): retrying the same content cannot succeed. */
export class ChatRejectedError extends Error {
  /** The messenger's own error code, when it gives one (e.g. Bitrix24's `BOT_NOT_FOUND`). */
  constructor(description: string, readonly code?: string) {
    super(`message rejected: ${description}`);
    this.name = 'ChatRejectedError';
  }
}
