/**
 * Chat bots of the sandbox portal: the current `imbot.v2` generation ("Chatbots 2.0").
 * Shapes follow apidocs.bitrix24.com (repo bitrix24/b24restdocs, api-reference/chat-bots/chat-bots-v2/**):
 * Bot.register / Bot.update / Bot.list, Command.register, Chat.Message.send / update, Event.get with offset
 * acknowledgement, keyboards `{BOT_ID, BUTTONS:[…]}` whose COMMAND buttons raise ONIMBOTV2COMMANDADD with context
 * "keyboard".
 *
 * Event delivery follows the bot's `eventMode`: a fetch-mode bot's events wait in its queue for Event.get; a
 * webhook-mode bot's events are POSTed to its `webhookUrl` as the portal does (events/events.md): form-encoded
 * with PHP keys, every scalar a string (true "1", false "0", null ""), `data.bot` = {id, code, auth} and a
 * top-level `auth` {domain, application_token}. One attempt, never retried. The application token is settable
 * (`configureWebhooks`) so a receiver under test can verify it.
 *
 * The state lives next to the CRM store (one per BitrixStore, see `imbotOf`) and has a control side for tests:
 * a person writes to the bot, presses a keyboard button, and every dialog has a transcript.
 */
import { randomBytes } from 'node:crypto';
import { postForm } from './events.js';
import type { MethodHandler, Params } from './method-types.js';
import { buildPhpQuery } from './php-query.js';
import type { BitrixStore, SandboxUser } from './store.js';

export interface KeyboardButton {
  TEXT?: string;
  TYPE?: 'NEWLINE';
  LINK?: string;
  COMMAND?: string;
  COMMAND_PARAMS?: string;
  BLOCK?: 'Y' | 'N';
  DISABLED?: 'Y' | 'N';
  [field: string]: unknown;
}

export interface SandboxBot {
  id: number;
  code: string;
  type: string;
  eventMode: 'fetch' | 'webhook';
  /** Where webhook-mode events go; null in fetch mode. */
  webhookUrl: string | null;
  name: string;
  workPosition: string;
  /** Webhook-authorized bots are owned by their botToken (the sandbox's notion of "the same application"). */
  botToken: string;
}

export interface SandboxBotCommand {
  id: number;
  botId: number;
  /** Without the leading "/". */
  command: string;
  hidden: boolean;
  common: boolean;
  title: Record<string, string>;
}

export interface SandboxChatMessage {
  id: number;
  botId: number;
  /** The person on the other side of the private dialog. */
  userId: number;
  authorId: number;
  text: string;
  /** Buttons as the portal stored them (NEWLINE separators included), or null. */
  keyboard: KeyboardButton[] | null;
  /** Indexes into `keyboard` of BLOCK:'Y' buttons already pressed. */
  blocked: number[];
  date: number;
  edits: number;
}

export interface SandboxBotEvent {
  eventId: number;
  type: string;
  date: string;
  data: Record<string, unknown>;
}

/** One webhook-mode event POST: what was sent where, and the receiver's answer. */
export interface SandboxWebhookDelivery {
  /** The sandbox's own sequence number (the POST carries no event id). */
  eventId: number;
  botId: number;
  type: string;
  url: string;
  /** The exact form body, so a test can replay the same POST. */
  body: string;
  /** HTTP status of the receiver; 0 while in flight or when the POST failed. */
  status: number;
}

/** The `auth` blocks of webhook-mode POSTs. */
export interface SandboxWebhookAuth {
  domain: string;
  clientEndpoint: string;
  memberId: string;
  applicationToken: string;
}

/** One transcript line: who wrote, the text as stored (BB-code), and the keyboard as rows. */
export interface TranscriptEntry {
  messageId: number;
  from: 'bot' | 'user';
  text: string;
  buttons: Array<Array<{ text: string; command?: string; params?: string; link?: string; blocked: boolean }>>;
  edits: number;
}

/** Builds the REST error the server turns into `{error, error_description}` with this status. */
export type RestFailure = (status: number, code: string, description: string) => Error;

const BOT_ID_BASE = 5000;
const MAX_TOKEN_LENGTH = 40;

export class ImbotState {
  private readonly bots = new Map<number, SandboxBot>();
  private readonly commands = new Map<number, SandboxBotCommand>();
  private readonly messages = new Map<number, SandboxChatMessage>();
  /** Unacknowledged events per bot, oldest first. */
  private readonly queues = new Map<number, SandboxBotEvent[]>();
  private nextBotId = BOT_ID_BASE + 1;
  private nextCommandId = 1;
  private nextMessageId = 100_001;
  private nextEventId = 1001;
  private readonly deliveries: SandboxWebhookDelivery[] = [];
  private readonly inFlight = new Set<Promise<void>>();
  private auth: SandboxWebhookAuth = {
    domain: 'sandbox.bitrix24.local',
    clientEndpoint: 'https://sandbox.bitrix24.local/rest/',
    memberId: randomBytes(16).toString('hex'),
    applicationToken: randomBytes(16).toString('hex'),
  };

  constructor(private readonly store: BitrixStore) {}

  // ---- what the REST methods do ---------------------------------------------------------------------------

  findBotByCode(code: string): SandboxBot | undefined {
    return [...this.bots.values()].find((b) => b.code === code);
  }

  getBot(id: number): SandboxBot | undefined {
    return this.bots.get(id);
  }

  listBots(botToken: string): SandboxBot[] {
    return [...this.bots.values()].filter((b) => b.botToken === botToken).sort((a, b) => a.id - b.id);
  }

  /** Bot.update: switches the delivery mode (and URL); the queue of a fetch-mode bot is kept. */
  updateBot(botId: number, changes: Partial<Pick<SandboxBot, 'eventMode' | 'webhookUrl' | 'name' | 'workPosition'>>): SandboxBot {
    const bot = this.requireBot(botId);
    Object.assign(bot, changes);
    if (bot.eventMode === 'fetch') bot.webhookUrl = null;
    return bot;
  }

  addBot(input: Omit<SandboxBot, 'id'>): SandboxBot {
    const bot: SandboxBot = { ...input, id: this.nextBotId++ };
    this.bots.set(bot.id, bot);
    this.queues.set(bot.id, []);
    return bot;
  }

  commandsOf(botId: number): SandboxBotCommand[] {
    return [...this.commands.values()].filter((c) => c.botId === botId);
  }

  addCommand(input: Omit<SandboxBotCommand, 'id'>): SandboxBotCommand {
    const existing = this.commandsOf(input.botId).find((c) => c.command === input.command);
    if (existing) return existing;
    const command: SandboxBotCommand = { ...input, id: this.nextCommandId++ };
    this.commands.set(command.id, command);
    return command;
  }

  addBotMessage(botId: number, userId: number, text: string, keyboard: KeyboardButton[] | null): SandboxChatMessage {
    const message: SandboxChatMessage = {
      id: this.nextMessageId++, botId, userId, authorId: botId, text, keyboard, blocked: [], date: this.store.clock.nowMs(), edits: 0,
    };
    this.messages.set(message.id, message);
    return message;
  }

  getMessage(id: number): SandboxChatMessage | undefined {
    return this.messages.get(id);
  }

  /** Drops the events below `offset` (acknowledged) and returns up to `limit` of the rest. */
  takeEvents(botId: number, offset: number | undefined, limit: number): { events: SandboxBotEvent[]; nextOffset: number; hasMore: boolean } {
    const queue = this.queues.get(botId) ?? [];
    const pending = offset === undefined ? queue : queue.filter((e) => e.eventId >= offset);
    this.queues.set(botId, pending);
    const events = pending.slice(0, limit);
    const last = events[events.length - 1];
    return { events, nextOffset: last ? last.eventId + 1 : offset ?? 0, hasMore: pending.length > events.length };
  }

  // ---- control API (tests, demo) --------------------------------------------------------------------------

  /** A person writes in the private dialog with the bot: a registered "/command" raises COMMANDADD, else MESSAGEADD. */
  personWrites(userId: number, text: string, botId = this.onlyBotId()): SandboxChatMessage {
    const bot = this.requireBot(botId);
    const user = this.requireUser(userId);
    const message: SandboxChatMessage = {
      id: this.nextMessageId++, botId, userId, authorId: userId, text, keyboard: null, blocked: [], date: this.store.clock.nowMs(), edits: 0,
    };
    this.messages.set(message.id, message);
    const slash = /^\/(\S+)\s*([\s\S]*)$/.exec(text.trim());
    const command = slash ? this.commandsOf(botId).find((c) => c.command.toLowerCase() === slash[1]!.toLowerCase()) : undefined;
    if (command && slash) {
      this.emit(bot, 'ONIMBOTV2COMMANDADD', {
        command: { id: command.id, command: `/${command.command}`, params: slash[2] ?? '', context: 'textarea' },
        ...this.eventContext(bot, user, message),
      });
    } else {
      this.emit(bot, 'ONIMBOTV2MESSAGEADD', this.eventContext(bot, user, message));
    }
    return message;
  }

  /**
   * A person presses a keyboard button of a bot message (by button text, or by index among the buttons).
   * Only COMMAND buttons of a registered command raise an event; a BLOCK:'Y' button works once.
   */
  pressButton(userId: number, messageId: number, button: string | number): SandboxBotEvent {
    const message = this.botMessageInDialog(userId, messageId);
    const bot = this.requireBot(message.botId);
    const user = this.requireUser(userId);
    const buttons = (message.keyboard ?? []).map((b, index) => ({ b, index })).filter(({ b }) => b.TYPE !== 'NEWLINE');
    const found = typeof button === 'number' ? buttons[button] : buttons.find(({ b }) => b.TEXT === button);
    if (!found) throw new Error(`message ${messageId} has no button ${JSON.stringify(button)}`);
    const { b, index } = found;
    if (!b.COMMAND) throw new Error(`button ${JSON.stringify(b.TEXT)} has no COMMAND (a link or client-side action)`);
    if (b.DISABLED === 'Y' || message.blocked.includes(index)) throw new Error(`button ${JSON.stringify(b.TEXT)} is disabled`);
    const name = b.COMMAND.replace(/^\//, '');
    const command = this.commandsOf(bot.id).find((c) => c.command === name);
    // The portal routes a keyboard COMMAND only to a registered command.
    if (!command) throw new Error(`command ${name} is not registered for bot ${bot.id}`);
    if (b.BLOCK === 'Y') message.blocked.push(index);
    return this.emit(bot, 'ONIMBOTV2COMMANDADD', {
      command: { id: command.id, command: `/${command.command}`, params: b.COMMAND_PARAMS ?? '', context: 'keyboard' },
      ...this.eventContext(bot, user, message),
    });
  }

  /**
   * A keyboard press with parameters of the person's choosing on a bot message in their dialog: what
   * `im.message.command` (run a bot command "as if a button were clicked") or a modified client can send.
   * Raises the same event as a real press, so only the bot's own checks stand in the way.
   */
  forgeKeyboardPress(userId: number, messageId: number, params: string): SandboxBotEvent {
    const message = this.botMessageInDialog(userId, messageId);
    const bot = this.requireBot(message.botId);
    const command = this.commandsOf(bot.id).find((c) => c.hidden) ?? this.commandsOf(bot.id)[0];
    if (!command) throw new Error(`bot ${bot.id} has no commands`);
    return this.emit(bot, 'ONIMBOTV2COMMANDADD', {
      command: { id: command.id, command: `/${command.command}`, params, context: 'keyboard' },
      ...this.eventContext(bot, this.requireUser(userId), message),
    });
  }

  /**
   * Puts an arbitrary event in a bot's queue, or POSTs it as given to a webhook-mode bot (forged or malformed
   * events for tests; `data.bot` is sent exactly as passed).
   */
  injectEvent(botId: number, type: string, data: Record<string, unknown>): SandboxBotEvent {
    return this.emit(this.requireBot(botId), type, data);
  }

  /** Unacknowledged events of a bot. */
  pendingEvents(botId: number): readonly SandboxBotEvent[] {
    return this.queues.get(botId) ?? [];
  }

  /** The private dialog between a bot and a person, oldest first. */
  transcript(userId: number, botId = this.onlyBotId()): TranscriptEntry[] {
    return [...this.messages.values()]
      .filter((m) => m.botId === botId && m.userId === userId)
      .sort((a, b) => a.id - b.id)
      .map((m) => ({
        messageId: m.id,
        from: m.authorId === m.botId ? 'bot' : 'user',
        text: m.text,
        buttons: keyboardRows(m),
        edits: m.edits,
      }));
  }

  allBots(): SandboxBot[] {
    return [...this.bots.values()];
  }

  /** imbot.v2.Bot.unregister: the bot, its commands and its event queue are gone. */
  removeBot(botId: number): void {
    this.bots.delete(botId);
    this.queues.delete(botId);
    for (const [id, command] of this.commands) if (command.botId === botId) this.commands.delete(id);
  }

  /** Sets the `auth` of webhook-mode POSTs (tests and the demo give the receiver the same application token). */
  configureWebhooks(auth: Partial<SandboxWebhookAuth>): void {
    this.auth = { ...this.auth, ...auth };
  }

  get webhookAuth(): Readonly<SandboxWebhookAuth> {
    return this.auth;
  }

  /** Webhook-mode POSTs so far (of one bot, or all), oldest first. */
  webhookDeliveries(botId?: number): readonly SandboxWebhookDelivery[] {
    return botId === undefined ? this.deliveries : this.deliveries.filter((d) => d.botId === botId);
  }

  /** Resolves when every webhook-mode POST so far has been answered or has failed. */
  async flushWebhooks(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.all([...this.inFlight]);
  }

  // ---- internals -------------------------------------------------------------------------------------------

  private onlyBotId(): number {
    const bots = [...this.bots.keys()];
    if (bots.length !== 1) throw new Error(`expected exactly one bot, found ${bots.length}: pass botId`);
    return bots[0]!;
  }

  /** A message the bot wrote in its private dialog with `userId` (what a person can press). */
  private botMessageInDialog(userId: number, messageId: number): SandboxChatMessage {
    const message = this.messages.get(messageId);
    if (!message || message.authorId !== message.botId) throw new Error(`no bot message ${messageId}`);
    if (message.userId !== userId) throw new Error(`message ${messageId} is not in the dialog with user ${userId}`);
    return message;
  }

  private requireBot(botId: number): SandboxBot {
    const bot = this.bots.get(botId);
    if (!bot) throw new Error(`no bot ${botId}`);
    return bot;
  }

  private requireUser(userId: number): SandboxUser {
    const user = this.store.getUser(userId);
    if (!user) throw new Error(`no user ${userId}`);
    return user;
  }

  private emit(bot: SandboxBot, type: string, data: Record<string, unknown>): SandboxBotEvent {
    const event: SandboxBotEvent = {
      eventId: this.nextEventId++, type, date: this.store.time.formatDateTime(this.store.clock.nowMs()), data,
    };
    if (bot.eventMode === 'webhook' && bot.webhookUrl) this.post(bot, bot.webhookUrl, event);
    else this.queues.get(bot.id)!.push(event);
    return event;
  }

  /** The webhook-mode POST of one event (events/events.md "Webhook Notification Structure"). */
  private post(bot: SandboxBot, url: string, event: SandboxBotEvent): void {
    const body = buildPhpQuery(webhookScalars({
      event: event.type,
      data: event.data,
      ts: Math.floor(this.store.clock.nowMs() / 1000),
      auth: { domain: this.auth.domain, application_token: this.auth.applicationToken },
    }) as Record<string, unknown>);
    const delivery: SandboxWebhookDelivery = { eventId: event.eventId, botId: bot.id, type: event.type, url, body, status: 0 };
    this.deliveries.push(delivery);
    const done = postForm(url, body).then((status) => {
      delivery.status = status;
    });
    this.inFlight.add(done);
    void done.finally(() => this.inFlight.delete(done));
  }

  /** `data.bot` as the bot's delivery mode has it: the full object in fetch mode, {id, code, auth} in webhook mode. */
  private eventBot(bot: SandboxBot): Record<string, unknown> {
    if (bot.eventMode !== 'webhook') return formatBot(bot, this);
    return {
      id: bot.id, code: bot.code,
      auth: {
        access_token: randomBytes(24).toString('hex'), expires: Math.floor(this.store.clock.nowMs() / 1000) + 3600,
        expires_in: 3600, scope: 'imbot', domain: this.auth.domain, server_endpoint: 'https://oauth.bitrix.info/rest/',
        status: 'F', client_endpoint: this.auth.clientEndpoint, member_id: this.auth.memberId,
        user_id: this.store.defaultUserId, application_token: this.auth.applicationToken,
      },
    };
  }

  /** bot / message / chat / user / language of an event, typed as fetch mode delivers them (webhook mode stringifies on POST). */
  private eventContext(bot: SandboxBot, user: SandboxUser, message: SandboxChatMessage): Record<string, unknown> {
    const chatId = 10_000 + user.ID;
    return {
      bot: this.eventBot(bot),
      message: {
        id: message.id, chatId, authorId: message.authorId, date: this.store.time.formatDateTime(message.date),
        text: message.text, isSystem: false, uuid: '', forward: null, params: {}, viewedByOthers: false,
      },
      chat: {
        id: chatId, dialogId: String(user.ID), type: 'private', name: `${user.NAME} ${user.LAST_NAME}`.trim(),
        entityType: '', owner: 0, avatar: '', color: '#df532d',
      },
      user: {
        id: user.ID, active: user.ACTIVE, name: `${user.NAME} ${user.LAST_NAME}`.trim(), firstName: user.NAME,
        lastName: user.LAST_NAME, workPosition: user.WORK_POSITION, color: '#df532d', avatar: '', gender: user.PERSONAL_GENDER,
        birthday: '', extranet: user.USER_TYPE === 'extranet', bot: user.USER_TYPE === 'bot', connector: false,
        externalAuthId: 'default', status: 'online', idle: false, absent: this.store.isAbsent(user.ID),
        departments: [...user.UF_DEPARTMENT], phones: false, type: user.USER_TYPE === 'extranet' ? 'extranet' : 'employee',
      },
      language: 'ru',
    };
  }
}

/** http_build_query's view of a value: every scalar a string (true "1", false "0", null ""), as events.md says. */
function webhookScalars(value: unknown): unknown {
  if (value === null || value === undefined) return value === null ? '' : undefined;
  if (typeof value === 'boolean') return value ? '1' : '0';
  if (typeof value === 'number' || typeof value === 'bigint') return String(value);
  if (Array.isArray(value)) return value.map(webhookScalars);
  if (typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, webhookScalars(v)]));
  return value;
}

function keyboardRows(message: SandboxChatMessage): TranscriptEntry['buttons'] {
  const rows: TranscriptEntry['buttons'] = [];
  let row: TranscriptEntry['buttons'][number] = [];
  (message.keyboard ?? []).forEach((b, index) => {
    if (b.TYPE === 'NEWLINE') {
      if (row.length > 0) rows.push(row);
      row = [];
      return;
    }
    row.push({
      text: String(b.TEXT ?? ''),
      ...(b.COMMAND !== undefined ? { command: b.COMMAND } : {}),
      ...(b.COMMAND_PARAMS !== undefined ? { params: b.COMMAND_PARAMS } : {}),
      ...(b.LINK !== undefined ? { link: b.LINK } : {}),
      blocked: b.DISABLED === 'Y' || message.blocked.includes(index),
    });
  });
  if (row.length > 0) rows.push(row);
  return rows;
}

function formatBot(bot: SandboxBot, state: ImbotState): Record<string, unknown> {
  return {
    id: bot.id, code: bot.code, type: bot.type, isHidden: false, isSupportOpenline: false, isReactionsEnabled: true,
    backgroundId: null, language: 'ru', moduleId: 'rest', appId: '', eventMode: bot.eventMode,
    countMessage: 0, countCommand: state.commandsOf(bot.id).length, countChat: 0, countUser: 0,
  };
}

function formatBotUser(bot: SandboxBot): Record<string, unknown> {
  const [firstName = '', ...rest] = bot.name.split(' ');
  return {
    id: bot.id, active: true, name: bot.name, firstName, lastName: rest.join(' '), workPosition: bot.workPosition,
    color: '#df532d', avatar: '', gender: '', birthday: '', extranet: false, bot: true, connector: false,
    externalAuthId: 'bot', status: 'online', idle: false, absent: false, departments: [], phones: false, type: 'bot',
  };
}

const states = new WeakMap<BitrixStore, ImbotState>();

/** The chat-bot state of a sandbox portal (created on first use). */
export function imbotOf(store: BitrixStore): ImbotState {
  let state = states.get(store);
  if (!state) {
    state = new ImbotState(store);
    states.set(store, state);
  }
  return state;
}

// ---- REST methods ----------------------------------------------------------------------------------------------

const isObject = (v: unknown): v is Params => !!v && typeof v === 'object' && !Array.isArray(v);
const asBool = (v: unknown, fallback: boolean): boolean =>
  v === undefined || v === null || v === '' ? fallback : v === true || v === 'Y' || v === 'y' || v === 'true' || v === '1' || v === 1;

/** Keyboard in any documented form: `{BOT_ID, BUTTONS}`, a bare array, a JSON string; 'N' or empty removes it. */
function parseKeyboard(raw: unknown, fail: RestFailure): KeyboardButton[] | null {
  if (raw === undefined || raw === null || raw === '' || raw === 'N') return null;
  let value = raw;
  if (typeof value === 'string') {
    try {
      value = JSON.parse(value);
    } catch {
      throw fail(400, 'KEYBOARD_ERROR', 'Keyboard is not valid JSON');
    }
  }
  const buttons = isObject(value) && 'BUTTONS' in value ? value.BUTTONS : value;
  const list = Array.isArray(buttons) ? buttons : isObject(buttons) ? Object.values(buttons) : null;
  if (!list) throw fail(400, 'KEYBOARD_ERROR', 'Keyboard has no buttons');
  return list.map((b) => {
    if (!isObject(b)) throw fail(400, 'KEYBOARD_ERROR', 'A keyboard button must be an object');
    const button = { ...b } as KeyboardButton;
    if (button.TYPE === 'NEWLINE') return button;
    const actions = ['LINK', 'COMMAND', 'ACTION', 'APP_ID'].filter((k) => button[k] !== undefined && button[k] !== '');
    if (!button.TEXT || actions.length === 0) {
      throw fail(400, 'KEYBOARD_ERROR', 'A button needs TEXT and one of LINK, COMMAND, ACTION, APP_ID');
    }
    if (button.LINK !== undefined && !/^(https?:\/\/|\/)/i.test(String(button.LINK))) {
      throw fail(400, 'KEYBOARD_ERROR', 'Button LINK must be http(s) or a relative path');
    }
    if (button.COMMAND !== undefined) button.COMMAND = String(button.COMMAND);
    if (button.COMMAND_PARAMS !== undefined) button.COMMAND_PARAMS = String(button.COMMAND_PARAMS);
    return button;
  });
}

const MAX_MESSAGE_LENGTH = 20_000;

function messageText(raw: unknown): string {
  const text = raw === undefined || raw === null ? '' : String(raw);
  return text.length > MAX_MESSAGE_LENGTH ? `${text.slice(0, MAX_MESSAGE_LENGTH)} (...)` : text;
}

/** A webhook-mode handler URL: required, absolute http(s). */
function handlerUrl(raw: unknown, fail: RestFailure, missing = 'BOT_WEBHOOK_URL_REQUIRED'): string {
  if (raw === undefined || raw === null || raw === '') throw fail(400, missing, 'Webhook URL is required');
  let url: URL;
  try {
    url = new URL(String(raw));
  } catch {
    throw fail(400, 'BOT_INVALID_CALLBACK', 'Invalid callback URL');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw fail(400, 'BOT_INVALID_CALLBACK', 'Invalid callback URL');
  return url.toString();
}

/** The REST handlers; `fail` builds the portal error (RestError), injected to keep this module free of cycles. */
export function imbotMethods(fail: RestFailure): Record<string, MethodHandler> {
  /** Webhook calls must carry the bot's token; the bot must exist and belong to that token. */
  function authorizedBot(params: Params, { store }: { store: BitrixStore }): SandboxBot {
    const token = params.botToken;
    if (typeof token !== 'string' || token === '') throw fail(400, 'BOT_TOKEN_NOT_SPECIFIED', 'Bot token is not specified');
    if (params.botId === undefined || params.botId === '') throw fail(400, 'BOT_ID_REQUIRED', 'Bot ID is required');
    const bot = imbotOf(store).getBot(Number(params.botId));
    if (!bot) throw fail(400, 'BOT_NOT_FOUND', 'Bot not found');
    if (bot.botToken !== token) throw fail(403, 'BOT_OWNERSHIP_ERROR', 'Bot is registered by another application');
    return bot;
  }

  return {
    'imbot.v2.bot.register': (params, { store }) => {
      const fields = params.fields;
      if (!isObject(fields)) throw fail(400, 'BOT_CODE_REQUIRED', 'Bot code is required');
      // The current docs put botToken in `fields`; earlier revisions had it top-level. Accept both.
      const token = fields.botToken ?? params.botToken;
      if (typeof token !== 'string' || token === '') throw fail(400, 'BOT_TOKEN_NOT_SPECIFIED', 'Bot token is not specified');
      if (token.length > MAX_TOKEN_LENGTH) throw fail(400, 'BOT_TOKEN_INVALID_LENGTH', 'Bot token is too long');
      const code = typeof fields.code === 'string' ? fields.code.trim() : '';
      if (code === '') throw fail(400, 'BOT_CODE_REQUIRED', 'Bot code is required');
      const properties = isObject(fields.properties) ? fields.properties : {};
      const name = typeof properties.name === 'string' ? properties.name.trim() : '';
      if (name === '') throw fail(400, 'BOT_PROPERTIES_REQUIRED', 'Bot properties are required');
      const type = String(fields.type ?? 'bot');
      if (!['bot', 'network', 'openline', 'supervisor', 'personal'].includes(type)) throw fail(400, 'BOT_INVALID_TYPE', 'Invalid bot type');
      const eventMode = String(fields.eventMode ?? 'fetch');
      if (eventMode !== 'fetch' && eventMode !== 'webhook') throw fail(400, 'BOT_INVALID_EVENT_MODE', 'Invalid event mode');
      const webhookUrl = eventMode === 'webhook' ? handlerUrl(fields.webhookUrl, fail) : null;
      const state = imbotOf(store);
      const existing = state.findBotByCode(code);
      if (existing && existing.botToken !== token) throw fail(400, 'BOT_CODE_ALREADY_TAKEN', 'Bot code is already taken');
      // Idempotent by code for the same owner: the existing bot comes back unchanged.
      const bot = existing ?? state.addBot({
        code, type, eventMode, webhookUrl, name, workPosition: String(properties.workPosition ?? ''), botToken: token,
      });
      return { result: { bot: formatBot(bot, state), users: [formatBotUser(bot)] } };
    },

    'imbot.v2.bot.update': (params, ctx) => {
      const bot = authorizedBot(params, ctx);
      const fields = isObject(params.fields) ? params.fields : {};
      const changes: Parameters<ImbotState['updateBot']>[1] = {};
      if (fields.eventMode !== undefined) {
        const mode = String(fields.eventMode);
        if (mode !== 'fetch' && mode !== 'webhook') throw fail(400, 'BOT_INVALID_EVENT_MODE', 'Invalid event mode');
        changes.eventMode = mode;
      }
      const mode = changes.eventMode ?? bot.eventMode;
      if (mode === 'webhook' && (fields.webhookUrl !== undefined || bot.webhookUrl === null)) {
        changes.webhookUrl = handlerUrl(fields.webhookUrl, fail, 'BOT_INVALID_CALLBACK');
      }
      const properties = isObject(fields.properties) ? fields.properties : {};
      if (typeof properties.name === 'string' && properties.name.trim() !== '') changes.name = properties.name.trim();
      if (typeof properties.workPosition === 'string') changes.workPosition = properties.workPosition;
      const state = imbotOf(ctx.store);
      const updated = state.updateBot(bot.id, changes);
      return { result: { bot: formatBot(updated, state), users: [formatBotUser(updated)] } };
    },

    'imbot.v2.bot.unregister': (params, ctx) => {
      const bot = authorizedBot(params, ctx);
      imbotOf(ctx.store).removeBot(bot.id);
      return { result: true };
    },

    'imbot.v2.bot.list': (params, { store }) => {
      const token = params.botToken;
      if (typeof token !== 'string' || token === '') throw fail(400, 'BOT_TOKEN_NOT_SPECIFIED', 'Bot token is not specified');
      const state = imbotOf(store);
      const filter = isObject(params.filter) ? params.filter : {};
      const all = state.listBots(token).filter((b) => filter.type === undefined || b.type === filter.type);
      const limit = Math.max(1, Number(params.limit ?? 50) || 50);
      const offset = Math.max(0, Number(params.offset ?? 0) || 0);
      const page = all.slice(offset, offset + limit);
      return { result: { bots: page.map((b) => formatBot(b, state)), users: page.map(formatBotUser), hasNextPage: offset + limit < all.length } };
    },

    'imbot.v2.command.register': (params, ctx) => {
      const bot = authorizedBot(params, ctx);
      // The flat format is still accepted until 30.09.2026 (change log); prefer `fields`.
      const fields = isObject(params.fields) ? params.fields : params;
      const command = typeof fields.command === 'string' ? fields.command.trim().replace(/^\//, '') : '';
      if (command === '') throw fail(400, 'COMMAND_REQUIRED', 'Command is required');
      if (!/^[\w.-]+$/.test(command)) throw fail(400, 'COMMAND_NAME_INVALID', 'Command name is invalid');
      const hidden = asBool(fields.hidden, false);
      const title = isObject(fields.title) ? Object.fromEntries(Object.entries(fields.title).map(([k, v]) => [k, String(v)])) : {};
      if (!hidden && Object.keys(title).length === 0) throw fail(400, 'COMMAND_TITLE_REQUIRED', 'Command title is required');
      const saved = imbotOf(ctx.store).addCommand({ botId: bot.id, command, hidden, common: asBool(fields.common, false), title });
      return {
        result: {
          command: {
            id: saved.id, botId: bot.id, command: `/${saved.command}`, common: saved.common, hidden: saved.hidden, extranetSupport: false,
          },
        },
      };
    },

    'imbot.v2.chat.message.send': (params, ctx) => {
      const bot = authorizedBot(params, ctx);
      const dialogId = String(params.dialogId ?? '');
      const userId = /^[1-9]\d*$/.test(dialogId) ? Number(dialogId) : NaN;
      const user = Number.isNaN(userId) ? undefined : ctx.store.getUser(userId);
      // Group chats are out of the sandbox's scope; a missing or fired user cannot be written to.
      if (!user?.ACTIVE) throw fail(403, 'ACCESS_DENIED', 'Access denied');
      const fields = isObject(params.fields) ? params.fields : {};
      const text = messageText(fields.message);
      const keyboard = parseKeyboard(fields.keyboard, fail);
      if (text.trim() === '' && fields.attach === undefined) throw fail(400, 'EMPTY_MESSAGE', 'Message is empty');
      const message = imbotOf(ctx.store).addBotMessage(bot.id, user.ID, text, keyboard);
      return { result: { id: message.id, uuidMap: {} } };
    },

    'imbot.v2.chat.message.update': (params, ctx) => {
      const bot = authorizedBot(params, ctx);
      const message = imbotOf(ctx.store).getMessage(Number(params.messageId));
      if (!message || message.authorId !== bot.id) throw fail(403, 'ACCESS_DENIED', 'Access denied');
      const fields = isObject(params.fields) ? params.fields : {};
      if (fields.message !== undefined) message.text = messageText(fields.message);
      if (fields.keyboard !== undefined) {
        message.keyboard = parseKeyboard(fields.keyboard, fail);
        message.blocked = [];
      }
      message.edits += 1;
      return { result: { result: true } };
    },

    'imbot.v2.event.get': (params, ctx) => {
      const bot = authorizedBot(params, ctx);
      // The docs describe Event.get for fetch-mode bots only and name no error for the other mode; the sandbox
      // refuses rather than hand out an always-empty queue, so a misconfigured poller shows up.
      if (bot.eventMode !== 'fetch') throw fail(400, 'BOT_INVALID_EVENT_MODE', 'Events of a webhook-mode bot are sent to its webhookUrl');
      const rawOffset = params.offset;
      const offset = rawOffset === undefined || rawOffset === '' ? undefined : Number(rawOffset);
      const limit = Math.min(1000, Math.max(1, Number(params.limit ?? 100) || 100));
      const page = imbotOf(ctx.store).takeEvents(bot.id, offset !== undefined && Number.isFinite(offset) ? offset : undefined, limit);
      return { result: { events: page.events, nextOffset: page.nextOffset, hasMore: page.hasMore } };
    },
  };
}
