import type { BotCommand, Message } from '@grammyjs/types';
import { SandboxControlError } from './errors.js';
import type { TelegramSandboxLimits } from './limits.js';
import type { TelegramSandboxStats } from './sandbox.js';
import type { MessageMatcher, TranscriptEntry } from './transcript.js';
import type { AddUserInput, CallbackAnswer, ContactInput, SandboxUser } from './world.js';

/**
 * Drives a sandbox running in another process through its HTTP control API (`/sandbox/...`): the same
 * actions as the in-process object, asynchronous, with waitForMessage taking a serialisable matcher.
 */
export class TelegramSandboxClient {
  constructor(readonly baseUrl: string) {}

  /** Bot API root of the same sandbox (for grammY's `client.apiRoot`). */
  get apiRoot(): string {
    return this.baseUrl;
  }

  private async call<T>(action: string, args: Record<string, unknown> = {}): Promise<T> {
    const response = await fetch(`${this.baseUrl}/sandbox/${action}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(args),
    });
    const body = (await response.json()) as { ok: boolean; result?: T; error?: string };
    if (!body.ok) throw new SandboxControlError(body.error ?? `sandbox action ${action} failed (${response.status})`);
    return body.result as T;
  }

  addUser(input: AddUserInput): Promise<SandboxUser> { return this.call('addUser', { ...input }); }
  users(): Promise<SandboxUser[]> { return this.call('users'); }
  sendText(userId: number, text: string): Promise<Message> { return this.call('sendText', { userId, text }); }
  sendCommand(userId: number, command: string): Promise<Message> { return this.call('sendCommand', { userId, command }); }
  sendContact(userId: number, contact: ContactInput = {}): Promise<Message> { return this.call('sendContact', { userId, contact }); }
  tapReplyButton(userId: number, text: string): Promise<Message> { return this.call('tapReplyButton', { userId, text }); }
  pressButton(userId: number, messageId: number, button: string): Promise<string> {
    return this.call('pressButton', { userId, messageId, button });
  }
  async callbackAnswer(queryId: string): Promise<CallbackAnswer | undefined> {
    return (await this.call<CallbackAnswer | null>('callbackAnswer', { queryId })) ?? undefined;
  }
  waitForCallbackAnswer(queryId: string, timeoutMs?: number): Promise<CallbackAnswer> {
    return this.call('waitForCallbackAnswer', { queryId, timeoutMs });
  }
  async block(userId: number): Promise<void> { await this.call('block', { userId }); }
  async unblock(userId: number): Promise<void> { await this.call('unblock', { userId }); }
  transcript(chatId: number): Promise<TranscriptEntry[]> { return this.call('transcript', { chatId }); }
  formatTranscript(chatId: number): Promise<string> { return this.call('formatTranscript', { chatId }); }
  waitForMessage(chatId: number, matcher: MessageMatcher = {}, timeoutMs?: number): Promise<TranscriptEntry> {
    return this.call('waitForMessage', { chatId, matcher, timeoutMs });
  }
  stats(): Promise<TelegramSandboxStats> { return this.call('stats'); }
  limits(): Promise<TelegramSandboxLimits> { return this.call('limits'); }
  setLimits(limits: Partial<TelegramSandboxLimits>): Promise<TelegramSandboxLimits> { return this.call('setLimits', { limits }); }
  webhookInfo(): Promise<Record<string, unknown>> { return this.call('webhookInfo'); }
  pendingUpdateCount(): Promise<number> { return this.call('pendingUpdateCount'); }
  commands(scopeType?: string, languageCode?: string): Promise<BotCommand[]> { return this.call('commands', { scopeType, languageCode }); }
  async reset(): Promise<void> { await this.call('reset'); }
}

export function connectTelegramSandbox(baseUrl: string): TelegramSandboxClient {
  return new TelegramSandboxClient(baseUrl.replace(/\/+$/, ''));
}
