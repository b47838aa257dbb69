/**
 * Local Telegram Bot API server for tests and `npm run demo`: grammY talks to it through `client.apiRoot`
 * exactly as to api.telegram.org, while tests act as people through the control API.
 */
export { startTelegramSandbox, generateBotToken } from './sandbox.js';
export type { TelegramSandbox, TelegramSandboxOptions, TelegramSandboxStats } from './sandbox.js';
export { connectTelegramSandbox, TelegramSandboxClient } from './client.js';
export { DEFAULT_LIMITS } from './limits.js';
export type { TelegramSandboxLimits, RateLimitRecord } from './limits.js';
export type { AddUserInput, ContactInput, SandboxUser, CallbackAnswer } from './world.js';
export type { TranscriptEntry, MessageMatcher, MessagePredicate } from './transcript.js';
export { formatTranscript } from './transcript.js';
export { BotApiError, SandboxControlError, Descriptions } from './errors.js';
export { parseHtml, parseMarkdownV2, parseFormattedText } from './formatting.js';
