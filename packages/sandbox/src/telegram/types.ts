import type { BotCommand, MenuButton, Message, UserFromGetMe } from '@grammyjs/types';
import type { SandboxLogger as Logger } from '../log.js';
import type { TelegramFaultCounts, TelegramFaultRates } from './faults.js';
import type { RateLimitRecord, TelegramSandboxLimits } from './limits.js';
import type { MessageMatcher, MessagePredicate, TranscriptEntry } from './transcript.js';
import type { WebAppLaunch } from './web-app.js';
import type { AddUserInput, CallbackAnswer, ContactInput, SandboxUser } from './world.js';

/** The sandbox's public shape (what tests, the demo and its control API drive). */
export interface TelegramSandboxOptions {
  /** Port to listen on; 0 (default) picks a free one. */
  port?: number;
  host?: string;
  /** Accepted bot tokens (all address the same sandbox bot); default: one generated token. */
  tokens?: string[];
  botUsername?: string;
  limits?: Partial<TelegramSandboxLimits>;
  log?: Logger;
  /** Clock in epoch ms (tests of time-based rules); default Date.now. */
  now?: () => number;
}

export interface TelegramSandboxStats {
  /** Successful sendMessage/sendPhoto calls. */
  sent: number;
  edited: number;
  rateLimited429: number;
  /** Every 429 answered, in order. */
  rateLimited: RateLimitRecord[];
  /** Accepted send timestamps (epoch ms) per chat id. */
  perChat: Record<string, number[]>;
  /** The most sends one chat received within any rolling second. */
  maxPerChatPerSecond: number;
  callsByMethod: Record<string, number>;
  /** Faults injected by setFaults so far. */
  faults: TelegramFaultCounts;
  webhookDeliveries: number;
  webhookFailures: number;
  webhookDropped: number;
}

/** Where a person opens the Mini App from: the chat's menu button, a web_app button under a bot message, a URL. */
export type WebAppSource = { menu: true } | { messageId: number; buttonText: string } | { url: string };

/** The sandbox as a test or the demo drives it. */
export interface TelegramSandbox {
  /** Base URL for grammY's `client.apiRoot` (no trailing slash). */
  readonly apiRoot: string;
  /** The first accepted token. */
  readonly token: string;
  readonly tokens: readonly string[];
  readonly botInfo: UserFromGetMe;
  addUser(input: AddUserInput): SandboxUser;
  users(): SandboxUser[];
  sendText(userId: number, text: string): Message;
  sendCommand(userId: number, commandLine: string): Message;
  sendContact(userId: number, contact?: ContactInput): Message;
  tapReplyButton(userId: number, buttonText: string): Message;
  pressButton(userId: number, messageId: number, callbackDataOrButtonText: string): string;
  /** Sends any callback_data for a bot message, as a modified client could. */
  forgeCallback(userId: number, messageId: number, data: string): string;
  callbackAnswer(queryId: string): CallbackAnswer | undefined;
  /**
   * Opens the bot's Mini App as this person, as a Telegram client would: the URL to load, with initData signed
   * by the bot's token in the fragment (`launch.token` forges it, `launch.authDate` ages it).
   */
  openWebApp(userId: number, from: WebAppSource, launch?: WebAppLaunch): string;
  /** What setChatMenuButton set for the chat (or the bot's default). */
  menuButton(chatId?: number): MenuButton;
  waitForCallbackAnswer(queryId: string, timeoutMs?: number): Promise<CallbackAnswer>;
  block(userId: number): void;
  unblock(userId: number): void;
  transcript(chatId: number): TranscriptEntry[];
  waitForMessage(chatId: number, predicate?: MessagePredicate | MessageMatcher, timeoutMs?: number): Promise<TranscriptEntry>;
  formatTranscript(chatId: number): string;
  stats(): TelegramSandboxStats;
  /** Injects faults into Bot API calls (see faults.ts): errors before acting, answers lost after acting. */
  setFaults(rates: TelegramFaultRates): void;
  clearFaults(): void;
  limits(): TelegramSandboxLimits;
  setLimits(limits: Partial<TelegramSandboxLimits>): void;
  webhookInfo(): Record<string, unknown>;
  pendingUpdateCount(): number;
  commands(scopeType?: string, languageCode?: string): BotCommand[];
  /** What the bot registered with setMyDescription / setMyShortDescription for a language ('' = default). */
  description(kind: 'description' | 'short_description', languageCode?: string): string;
  reset(): void;
  close(): Promise<void>;
}
