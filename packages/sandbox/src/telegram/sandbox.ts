import { randomBytes, randomInt } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { BotCommand, MenuButton, Message, UserFromGetMe } from '@grammyjs/types';
import { type SandboxLogger as Logger, silentLogger } from '../log.js';
import { handleControlRequest } from './control-http.js';
import { BotApiError, Descriptions, SandboxControlError } from './errors.js';
import { type TelegramFaultRates, TelegramFaults } from './faults.js';
import { DEFAULT_LIMITS, type TelegramSandboxLimits } from './limits.js';
import { parseParams, type RawParams, readBody } from './request-body.js';
import {
  formatTranscript, type MessageMatcher, type MessagePredicate, matcherToPredicate, type TranscriptEntry,
  toTranscriptEntry,
} from './transcript.js';
import type { TelegramSandbox, TelegramSandboxOptions, TelegramSandboxStats, WebAppSource } from './types.js';
import { type WebAppLaunch, webAppInitData, webAppLaunchUrl } from './web-app.js';
import { WebhookDelivery } from './webhook.js';

export type { TelegramSandbox, TelegramSandboxOptions, TelegramSandboxStats } from './types.js';

import { type AddUserInput, type CallbackAnswer, type ContactInput, type SandboxUser, SandboxWorld } from './world.js';




/** Canonical Bot API method names the sandbox implements; lookups are case-insensitive as on Telegram. */
const METHODS = [
  'getMe', 'getUpdates', 'setWebhook', 'deleteWebhook', 'getWebhookInfo', 'sendMessage', 'sendPhoto',
  'editMessageText', 'editMessageCaption', 'editMessageReplyMarkup', 'deleteMessage', 'answerCallbackQuery',
  'setMyCommands', 'getMyCommands', 'deleteMyCommands', 'sendChatAction',
  'setMyDescription', 'getMyDescription', 'setMyShortDescription', 'getMyShortDescription',
  'setChatMenuButton', 'getChatMenuButton',
];
const METHOD_BY_LOWER = new Map(METHODS.map((m) => [m.toLowerCase(), m]));

export function generateBotToken(botId = randomInt(1_000_000_000, 8_000_000_000)): string {
  // Real tokens: "<bot id>:" + 35 characters of [A-Za-z0-9_-], starting with "AA".
  return `${botId}:AA${randomBytes(33).toString('base64url').slice(0, 33)}`;
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const payload = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) });
  res.end(payload);
}

class TelegramSandboxServer implements TelegramSandbox {
  readonly world: SandboxWorld;
  readonly token: string;
  readonly tokens: readonly string[];
  apiRoot = '';
  private currentLimits: TelegramSandboxLimits;
  private readonly webhook: WebhookDelivery;
  private readonly server: Server;
  private readonly now: () => number;
  private readonly faults = new TelegramFaults();
  private readonly log: Logger;

  constructor(options: TelegramSandboxOptions) {
    this.tokens = options.tokens && options.tokens.length > 0 ? [...options.tokens] : [generateBotToken()];
    this.token = this.tokens[0] as string;
    this.currentLimits = { ...DEFAULT_LIMITS, ...options.limits };
    this.now = options.now ?? Date.now;
    this.log = options.log ?? silentLogger();
    const botId = Number(/^(\d+):/.exec(this.token)?.[1] ?? 7_000_000_001);
    this.world = new SandboxWorld(botId, options.botUsername ?? 'dealpilot_sandbox_bot', () => this.currentLimits, this.now);
    this.webhook = new WebhookDelivery(this.world, () => this.currentLimits, (method, params) => this.runMethod(method, params).then(() => undefined), this.log);
    this.world.onUpdateQueued = () => this.webhook.kick();
    this.server = createServer((req, res) => {
      this.route(req, res).catch((error: unknown) => {
        this.log.error({ err: error }, 'telegram sandbox: request failed');
        if (!res.headersSent) sendJson(res, 500, { ok: false, error_code: 500, description: 'Internal Server Error' });
        else res.destroy();
      });
    });
    // Long polls are held up to 50 s; node's default request timeouts must not cut them.
    this.server.requestTimeout = 0;
    this.server.headersTimeout = 60_000;
  }

  get botInfo(): UserFromGetMe {
    return { ...this.world.botUser };
  }

  async listen(port: number, host: string): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, host, () => {
        this.server.off('error', reject);
        resolve();
      });
    });
    const address = this.server.address() as AddressInfo;
    const shownHost = address.family === 'IPv6' ? `[${address.address}]` : address.address;
    this.apiRoot = `http://${shownHost}:${address.port}`;
  }

  private async route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://sandbox.local');
    if (url.pathname.startsWith('/sandbox/')) {
      const body = await readBody(req);
      const answer = await handleControlRequest(this, req.method ?? 'GET', url, body);
      sendJson(res, answer.status, answer.body);
      return;
    }
    const match = /^\/bot([^/]+)\/([^/]*)\/?$/.exec(url.pathname);
    if (!match) {
      sendJson(res, 404, new BotApiError(404, Descriptions.notFound).toJSON());
      return;
    }
    const [, token = '', rawMethod = ''] = match;
    if (!this.tokens.includes(decodeURIComponent(token))) {
      sendJson(res, 401, new BotApiError(401, Descriptions.unauthorized).toJSON());
      return;
    }
    const method = METHOD_BY_LOWER.get(rawMethod.toLowerCase());
    if (!method) {
      sendJson(res, 404, new BotApiError(404, Descriptions.notFound).toJSON());
      return;
    }
    // A client that gives up (grammY's bot.stop() aborts its long poll) releases the held getUpdates.
    const abort = new AbortController();
    res.on('close', () => {
      if (!res.writableFinished) abort.abort();
    });
    try {
      const params = parseParams(req.headers['content-type'], await readBody(req), url.searchParams);
      const fault = this.faults.before(method);
      if (fault.kind === 'before') {
        sendJson(res, fault.status, fault.body);
        return;
      }
      const { result, description } = await this.runMethod(method, params, abort.signal);
      if (abort.signal.aborted) return;
      const lost = this.faults.after(method);
      if (lost.kind === 'lose') {
        // The method ran (the message is in the chat); the client never learns it.
        if (lost.mode === 'destroy') req.socket.destroy();
        else {
          res.writeHead(502, { 'content-type': 'text/html' });
          res.end('<html><head><title>502 Bad Gateway</title></head><body><center><h1>502 Bad Gateway</h1></center><hr><center>nginx</center></body></html>');
        }
        return;
      }
      sendJson(res, 200, { ok: true, result, ...(description ? { description } : {}) });
    } catch (error) {
      if (!(error instanceof BotApiError)) throw error;
      this.log.debug({ method, code: error.errorCode, description: error.description }, 'telegram sandbox: error answer');
      if (!abort.signal.aborted) sendJson(res, error.errorCode, error.toJSON());
    }
  }

  private runMethod(method: string, params: RawParams, signal?: AbortSignal) {
    const canonical = METHOD_BY_LOWER.get(method.toLowerCase());
    if (!canonical) return Promise.reject(new BotApiError(404, Descriptions.notFound));
    return this.world.call(canonical, params, signal);
  }

  // --- control API ------------------------------------------------------------------------------------

  addUser(input: AddUserInput): SandboxUser {
    return this.world.addUser(input);
  }

  users(): SandboxUser[] {
    return this.world.listUsers();
  }

  sendText(userId: number, text: string): Message {
    return this.world.sendText(userId, text);
  }

  sendCommand(userId: number, commandLine: string): Message {
    return this.world.sendCommand(userId, commandLine);
  }

  sendContact(userId: number, contact?: ContactInput): Message {
    return this.world.sendContact(userId, contact);
  }

  tapReplyButton(userId: number, buttonText: string): Message {
    return this.world.tapReplyButton(userId, buttonText);
  }

  pressButton(userId: number, messageId: number, callbackDataOrButtonText: string): string {
    return this.world.pressButton(userId, messageId, callbackDataOrButtonText);
  }

  forgeCallback(userId: number, messageId: number, data: string): string {
    return this.world.forgeCallback(userId, messageId, data);
  }

  openWebApp(userId: number, from: WebAppSource, launch: WebAppLaunch = {}): string {
    const user = this.world.getUser(userId);
    let appUrl: string;
    if ('menu' in from) {
      const button = this.world.menuButtonFor(userId);
      if (button.type !== 'web_app') throw new SandboxControlError(`openWebApp: chat ${userId} has no web_app menu button (it shows "${button.type}")`);
      appUrl = button.web_app.url;
    } else if ('messageId' in from) {
      appUrl = this.world.webAppButtonUrl(userId, from.messageId, from.buttonText);
    } else {
      appUrl = from.url;
    }
    return webAppLaunchUrl(appUrl, webAppInitData(user, this.token, this.now(), launch));
  }

  menuButton(chatId?: number): MenuButton {
    return this.world.menuButtonFor(chatId);
  }

  callbackAnswer(queryId: string): CallbackAnswer | undefined {
    return this.world.callbackAnswer(queryId);
  }

  waitForCallbackAnswer(queryId: string, timeoutMs = 5000): Promise<CallbackAnswer> {
    return this.waitFor(
      () => {
        const answer = this.world.callbackAnswer(queryId);
        return answer?.answered ? answer : undefined;
      },
      timeoutMs,
      () => `callback query ${queryId} was not answered within ${timeoutMs} ms`,
    );
  }

  block(userId: number): void {
    this.world.setBlocked(userId, true);
  }

  unblock(userId: number): void {
    this.world.setBlocked(userId, false);
  }

  transcript(chatId: number): TranscriptEntry[] {
    return this.world.messagesOf(chatId).map(toTranscriptEntry);
  }

  waitForMessage(
    chatId: number,
    predicate: MessagePredicate | MessageMatcher = () => true,
    timeoutMs = 5000,
  ): Promise<TranscriptEntry> {
    const test = typeof predicate === 'function' ? predicate : matcherToPredicate(predicate);
    this.world.getUser(chatId); // unknown chat: fail now, not after the timeout
    return this.waitFor(
      () => this.transcript(chatId).find((e) => e.direction === 'bot' && !e.deleted && test(e)),
      timeoutMs,
      () => `no matching bot message in chat ${chatId} within ${timeoutMs} ms\n${this.formatTranscript(chatId)}`,
    );
  }

  formatTranscript(chatId: number): string {
    const user = this.world.getUser(chatId);
    const name = [user.firstName, user.lastName].filter(Boolean).join(' ');
    return formatTranscript(`chat ${chatId} · ${name}${user.username ? ` @${user.username}` : ''}`, this.transcript(chatId));
  }

  setFaults(rates: TelegramFaultRates): void {
    this.faults.set(rates);
  }

  clearFaults(): void {
    this.faults.clear();
  }

  stats(): TelegramSandboxStats {
    const { flood, counters, callsByMethod } = this.world;
    return {
      ...counters,
      faults: { ...this.faults.counts },
      rateLimited429: flood.rejections.length,
      rateLimited: flood.rejections.map((r) => ({ ...r })),
      perChat: Object.fromEntries([...flood.sendsByChat].map(([chatId, sends]) => [String(chatId), [...sends]])),
      maxPerChatPerSecond: flood.maxPerChatPerSecond(),
      callsByMethod: { ...callsByMethod },
    };
  }

  limits(): TelegramSandboxLimits {
    return { ...this.currentLimits };
  }

  setLimits(limits: Partial<TelegramSandboxLimits>): void {
    this.currentLimits = { ...this.currentLimits, ...limits };
  }

  webhookInfo(): Record<string, unknown> {
    return this.world.webhookInfo();
  }

  pendingUpdateCount(): number {
    return this.world.pendingUpdates().length;
  }

  commands(scopeType?: string, languageCode?: string): BotCommand[] {
    return this.world.commandsFor(scopeType, languageCode);
  }

  description(kind: 'description' | 'short_description', languageCode?: string): string {
    return this.world.descriptionFor(kind, languageCode);
  }

  reset(): void {
    this.world.reset();
  }

  async close(): Promise<void> {
    this.webhook.close();
    this.world.endPolling([]);
    await new Promise<void>((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
  }

  /** Resolves with the first non-undefined probe result, re-probing on every world change. */
  private waitFor<T>(probe: () => T | undefined, timeoutMs: number, describe: () => string): Promise<T> {
    const found = probe();
    if (found !== undefined) return Promise.resolve(found);
    return new Promise<T>((resolve, reject) => {
      const unsubscribe = this.world.subscribe(() => {
        const value = probe();
        if (value === undefined) return;
        clearTimeout(timer);
        unsubscribe();
        resolve(value);
      });
      const timer = setTimeout(() => {
        unsubscribe();
        reject(new SandboxControlError(describe()));
      }, timeoutMs);
    });
  }
}

/** Starts the Telegram Bot API sandbox on loopback. grammY: `new Bot(sandbox.token, { client: { apiRoot: sandbox.apiRoot } })`. */
export async function startTelegramSandbox(options: TelegramSandboxOptions = {}): Promise<TelegramSandbox> {
  const sandbox = new TelegramSandboxServer(options);
  await sandbox.listen(options.port ?? 0, options.host ?? '127.0.0.1');
  return sandbox;
}
