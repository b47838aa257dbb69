/**
 * Local Telegram Bot API server for tests and `npm run demo`: grammY talks to it through `client.apiRoot`
 * exactly as to api.telegram.org, while tests act as people through the control API.
 */

export { connectTelegramSandbox, TelegramSandboxClient } from './client.js';
export { BotApiError, Descriptions, SandboxControlError } from './errors.js';
export type { TelegramFaultCounts, TelegramFaultRates } from './faults.js';
export { parseFormattedText, parseHtml, parseMarkdownV2 } from './formatting.js';
export type { RateLimitRecord, TelegramSandboxLimits } from './limits.js';
export { DEFAULT_LIMITS } from './limits.js';
export type { TelegramSandbox, TelegramSandboxOptions, TelegramSandboxStats } from './sandbox.js';
export { generateBotToken, startTelegramSandbox } from './sandbox.js';
export type { MessageMatcher, MessagePredicate, TranscriptEntry } from './transcript.js';
export { formatTranscript } from './transcript.js';
export type { WebAppSource } from './types.js';
export { signWebAppData, type WebAppLaunch } from './web-app.js';
export type { AddUserInput, CallbackAnswer, ContactInput, SandboxUser } from './world.js';
