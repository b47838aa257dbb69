import { randomBytes } from 'node:crypto';
import type {
  BotCommand, Chat, Contact, InlineKeyboardMarkup, MenuButton, Message, MessageEntity, PhotoSize, ReplyKeyboardMarkup, Update, User,
  UserFromGetMe,
} from '@grammyjs/types';
import { BotApiError, badRequest, Descriptions, SandboxControlError } from './errors.js';
import { parseFormattedText } from './formatting.js';
import { FloodControl, type LimitedCall, type TelegramSandboxLimits } from './limits.js';
import { checkReplyMarkup, findCallbackButton, isInlineKeyboard, isReplyKeyboard, type ReplyMarkup, validWebAppUrl } from './markup.js';
import {
  isUploadedFile, optionalBoolean, optionalJson, optionalNumber, optionalString, type RawParams,
} from './request-body.js';

/** A person in the sandbox; their private chat with the bot has the same id. */
export interface SandboxUser {
  id: number;
  firstName: string;
  lastName?: string;
  username?: string;
  phone?: string;
  languageCode?: string;
  blocked: boolean;
  /** False until the user writes to the bot: sends then fail with "bot can't initiate conversation". */
  startedBot: boolean;
}

export interface AddUserInput {
  id?: number;
  firstName: string;
  lastName?: string;
  username?: string;
  phone?: string;
  languageCode?: string;
  /** Default true. False models a person who never opened the bot. */
  startedBot?: boolean;
}

export interface ContactInput {
  phoneNumber?: string;
  userId?: number;
  firstName?: string;
  lastName?: string;
}

export interface StoredMessage {
  chatId: number;
  messageId: number;
  direction: 'bot' | 'user';
  kind: 'text' | 'photo' | 'contact';
  /** Text, or caption for a photo. */
  text: string;
  entities: MessageEntity[];
  replyMarkup?: ReplyMarkup;
  photo?: PhotoSize[];
  contact?: Contact;
  replyTo?: StoredMessage;
  date: number;
  at: number;
  editCount: number;
  editDate?: number;
  deleted: boolean;
}

/** A button press shown in the transcript between messages. */
export interface StoredPress {
  chatId: number;
  messageId: number;
  buttonText: string;
  data: string;
  queryId: string;
  at: number;
}

export interface CallbackAnswer {
  answered: boolean;
  text?: string;
  showAlert?: boolean;
  url?: string;
  answeredAt?: number;
}

interface CallbackQueryState {
  id: string;
  chatId: number;
  createdAt: number;
  answer: CallbackAnswer;
}

interface ChatState {
  user: SandboxUser;
  nextMessageId: number;
  messages: Map<number, StoredMessage>;
  timeline: Array<StoredMessage | StoredPress>;
  replyKeyboard?: ReplyKeyboardMarkup;
}

export interface WebhookState {
  url: string;
  secretToken?: string;
  maxConnections: number;
  allowedUpdates?: string[];
  lastErrorDate?: number;
  lastErrorMessage?: string;
}

interface Poller {
  limit: number;
  finish: (result: Update[] | BotApiError) => void;
}

export interface MethodResult {
  result: unknown;
  description?: string;
}

/** Update types delivered when allowed_updates is empty or was never set. */
const DEFAULT_EXCLUDED_UPDATES = new Set(['chat_member', 'message_reaction', 'message_reaction_count']);

const FIRST_USER_ID = 5_000_001;

function newFileId(prefix: string): { file_id: string; file_unique_id: string } {
  return {
    file_id: `${prefix}${randomBytes(24).toString('base64url')}`,
    file_unique_id: `AQAD${randomBytes(6).toString('base64url')}`,
  };
}

/**
 * The sandbox's world: one bot, its users and their private chats, the update queue, callback queries and
 * flood control. Bot API methods and control actions both act on it; the HTTP layer only translates.
 */
export class SandboxWorld {
  readonly flood: FloodControl;
  readonly botUser: UserFromGetMe;
  private users = new Map<number, SandboxUser>();
  private chats = new Map<number, ChatState>();
  private pending: Update[] = [];
  private nextUpdateId = 1;
  private nextUserId = FIRST_USER_ID;
  private nextQueryId = 1;
  private allowedUpdates: string[] | undefined;
  private poller: Poller | undefined;
  private callbackQueries = new Map<string, CallbackQueryState>();
  private commands = new Map<string, BotCommand[]>();
  /** setChatMenuButton: per private chat ('' = the bot's default). */
  private menuButtons = new Map<string, MenuButton>();
  private descriptions = new Map<string, string>();
  private knownFileIds = new Set<string>();
  private listeners = new Set<() => void>();
  webhook: WebhookState | undefined;
  counters = { sent: 0, edited: 0, webhookDeliveries: 0, webhookFailures: 0, webhookDropped: 0 };
  callsByMethod: Record<string, number> = {};
  /** Called when an update is queued (the webhook delivery loop listens). */
  onUpdateQueued: () => void = () => {};

  constructor(
    botId: number,
    botUsername: string,
    private readonly limits: () => TelegramSandboxLimits,
    private readonly now: () => number,
  ) {
    this.flood = new FloodControl(limits);
    this.botUser = {
      id: botId,
      is_bot: true,
      first_name: 'DealPilot Sandbox',
      username: botUsername,
      can_join_groups: true,
      can_read_all_group_messages: false,
      supports_inline_queries: false,
      can_connect_to_business: false,
      has_main_web_app: false,
      has_topics_enabled: false,
      allows_users_to_create_topics: false,
      can_manage_bots: false,
      supports_join_request_queries: false,
    };
  }

  // ------------------------------------------------------------------------------------------------------
  // Observers

  /** Subscribes to any visible change (message sent/edited/deleted, callback answered). */
  subscribe(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private changed(): void {
    for (const listener of [...this.listeners]) listener();
  }

  // ------------------------------------------------------------------------------------------------------
  // Users and chats

  addUser(input: AddUserInput): SandboxUser {
    if (!input.firstName) throw new SandboxControlError('addUser: firstName is required');
    const id = input.id ?? this.nextFreeUserId();
    if (this.users.has(id)) throw new SandboxControlError(`addUser: user ${id} already exists`);
    const user: SandboxUser = {
      id,
      firstName: input.firstName,
      ...(input.lastName !== undefined ? { lastName: input.lastName } : {}),
      ...(input.username !== undefined ? { username: input.username } : {}),
      ...(input.phone !== undefined ? { phone: input.phone } : {}),
      ...(input.languageCode !== undefined ? { languageCode: input.languageCode } : {}),
      blocked: false,
      startedBot: input.startedBot ?? true,
    };
    this.users.set(id, user);
    this.chats.set(id, { user, nextMessageId: 1, messages: new Map(), timeline: [] });
    return { ...user };
  }

  getUser(userId: number): SandboxUser {
    const user = this.users.get(userId);
    if (!user) throw new SandboxControlError(`unknown sandbox user ${userId}`);
    return user;
  }

  listUsers(): SandboxUser[] {
    return [...this.users.values()].map((u) => ({ ...u }));
  }

  private nextFreeUserId(): number {
    while (this.users.has(this.nextUserId)) this.nextUserId += 1;
    return this.nextUserId++;
  }

  private chatOf(chatId: number): ChatState {
    const chat = this.chats.get(chatId);
    if (!chat) throw new SandboxControlError(`unknown sandbox chat ${chatId}`);
    return chat;
  }

  telegramUser(user: SandboxUser): User {
    return {
      id: user.id,
      is_bot: false,
      first_name: user.firstName,
      ...(user.lastName !== undefined ? { last_name: user.lastName } : {}),
      ...(user.username !== undefined ? { username: user.username } : {}),
      ...(user.languageCode !== undefined ? { language_code: user.languageCode } : {}),
    };
  }

  private privateChat(user: SandboxUser): Chat.PrivateChat {
    return {
      id: user.id,
      type: 'private',
      first_name: user.firstName,
      ...(user.lastName !== undefined ? { last_name: user.lastName } : {}),
      ...(user.username !== undefined ? { username: user.username } : {}),
    };
  }

  /** The Bot API Message object for a stored message, in its current (edited) state. */
  toMessage(stored: StoredMessage, withReply = true): Message {
    const chat = this.chatOf(stored.chatId);
    const textField = stored.kind === 'photo'
      ? {
          photo: stored.photo,
          ...(stored.text ? { caption: stored.text } : {}),
          ...(stored.entities.length ? { caption_entities: stored.entities } : {}),
        }
      : stored.kind === 'contact'
        ? { contact: stored.contact }
        : { text: stored.text, ...(stored.entities.length ? { entities: stored.entities } : {}) };
    const message = {
      message_id: stored.messageId,
      from: stored.direction === 'bot' ? this.publicBotUser() : this.telegramUser(chat.user),
      chat: this.privateChat(chat.user),
      date: stored.date,
      ...(stored.editDate !== undefined ? { edit_date: stored.editDate } : {}),
      ...(withReply && stored.replyTo ? { reply_to_message: this.toMessage(stored.replyTo, false) } : {}),
      ...textField,
      // Message objects carry only inline keyboards; reply keyboards are not echoed back.
      ...(isInlineKeyboard(stored.replyMarkup) ? { reply_markup: stored.replyMarkup } : {}),
    };
    return message as unknown as Message;
  }

  private publicBotUser(): User {
    const { id, is_bot, first_name, username } = this.botUser;
    return { id, is_bot, first_name, username };
  }

  messagesOf(chatId: number): Array<StoredMessage | StoredPress> {
    return [...this.chatOf(chatId).timeline];
  }

  // ------------------------------------------------------------------------------------------------------
  // Updates

  private enqueue(update: Update): void {
    const type = Object.keys(update).find((k) => k !== 'update_id') ?? '';
    const allowed = this.webhook ? this.webhook.allowedUpdates : this.allowedUpdates;
    const passes = allowed && allowed.length > 0 ? allowed.includes(type) : !DEFAULT_EXCLUDED_UPDATES.has(type);
    if (!passes) return;
    this.pending.push(update);
    if (this.webhook) {
      this.onUpdateQueued();
    } else if (this.poller) {
      const poller = this.poller;
      this.poller = undefined;
      poller.finish(this.pending.slice(0, poller.limit));
    }
  }

  private newUpdate(body: Omit<Update, 'update_id'>): Update {
    return { update_id: this.nextUpdateId++, ...body } as Update;
  }

  pendingUpdates(): Update[] {
    return [...this.pending];
  }

  /** Marks an update delivered (webhook mode). */
  confirmUpdate(updateId: number): void {
    this.pending = this.pending.filter((u) => u.update_id !== updateId);
  }

  dropPendingUpdates(): void {
    this.pending = [];
  }

  /** Ends a held getUpdates (on close or when a webhook is set). */
  endPolling(result: Update[] | BotApiError): void {
    const poller = this.poller;
    this.poller = undefined;
    poller?.finish(result);
  }

  // ------------------------------------------------------------------------------------------------------
  // Control actions: a person using Telegram

  /** Appends a message to a chat (its id, timestamps and initial state), for both directions. */
  private storeMessage(chat: ChatState, direction: StoredMessage['direction'], at: number,
    fields: Omit<StoredMessage, 'chatId' | 'messageId' | 'direction' | 'date' | 'at' | 'editCount' | 'deleted'>): StoredMessage {
    const stored: StoredMessage = {
      chatId: chat.user.id,
      messageId: chat.nextMessageId++,
      direction,
      date: Math.floor(at / 1000),
      at,
      editCount: 0,
      deleted: false,
      ...fields,
    };
    chat.messages.set(stored.messageId, stored);
    chat.timeline.push(stored);
    return stored;
  }

  private storeUserMessage(user: SandboxUser, fields: Pick<StoredMessage, 'kind' | 'text' | 'entities'> & { contact?: Contact }): StoredMessage {
    const chat = this.chatOf(user.id);
    const at = this.now();
    const stored = this.storeMessage(chat, 'user', at, fields);
    user.startedBot = true;
    this.enqueue(this.newUpdate({ message: this.toMessage(stored) } as Omit<Update, 'update_id'>));
    this.changed();
    return stored;
  }

  /** The user types text; a leading /command gets its bot_command entity, as Telegram adds it server-side. */
  sendText(userId: number, text: string): Message {
    const user = this.getUser(userId);
    if (!text) throw new SandboxControlError('sendText: text is empty');
    const command = /^\/[A-Za-z0-9_]{1,32}(?:@[A-Za-z0-9_]{3,32})?/.exec(text);
    const entities: MessageEntity[] = command ? [{ type: 'bot_command', offset: 0, length: command[0].length }] : [];
    return this.toMessage(this.storeUserMessage(user, { kind: 'text', text, entities }));
  }

  sendCommand(userId: number, commandLine: string): Message {
    const line = commandLine.startsWith('/') ? commandLine : `/${commandLine}`;
    return this.sendText(userId, line);
  }

  /** Shares a contact: the user's own by default, someone else's when userId differs. */
  sendContact(userId: number, input: ContactInput = {}): Message {
    const user = this.getUser(userId);
    const ownerId = input.userId ?? user.id;
    const owner = this.users.get(ownerId);
    const phone = input.phoneNumber ?? owner?.phone;
    if (!phone) throw new SandboxControlError('sendContact: phoneNumber is required (the user has no phone)');
    const firstName = input.firstName ?? owner?.firstName ?? 'Contact';
    const lastName = input.lastName ?? owner?.lastName;
    const contact: Contact = {
      phone_number: phone,
      first_name: firstName,
      ...(lastName !== undefined ? { last_name: lastName } : {}),
      ...(input.userId !== undefined || owner ? { user_id: ownerId } : {}),
    };
    return this.toMessage(this.storeUserMessage(user, { kind: 'contact', text: '', entities: [], contact }));
  }

  /** Taps a button of the current reply keyboard: sends its text, or the user's contact for request_contact. */
  tapReplyButton(userId: number, buttonText: string): Message {
    const user = this.getUser(userId);
    const chat = this.chatOf(userId);
    const button = chat.replyKeyboard?.keyboard.flat().find((b) => (typeof b === 'string' ? b : b.text) === buttonText);
    if (!button) throw new SandboxControlError(`tapReplyButton: no reply keyboard button "${buttonText}" in chat ${userId}`);
    if (chat.replyKeyboard?.one_time_keyboard) delete chat.replyKeyboard;
    if (typeof button !== 'string' && 'request_contact' in button && button.request_contact) return this.sendContact(user.id);
    return this.sendText(user.id, buttonText);
  }

  /** Presses an inline button (by callback_data or visible text); returns the callback query id. */
  pressButton(userId: number, messageId: number, dataOrText: string): string {
    const stored = this.botMessage(userId, messageId, 'pressButton');
    const markup = isInlineKeyboard(stored.replyMarkup) ? stored.replyMarkup : undefined;
    const button = findCallbackButton(markup, dataOrText);
    if (!button) {
      const available = (markup?.inline_keyboard ?? []).flat().map((b) => b.text).join(', ') || 'none';
      throw new SandboxControlError(
        `pressButton: message ${messageId} has no callback button "${dataOrText}" (buttons: ${available})`,
      );
    }
    return this.callbackQuery(userId, stored, button.text, button.callback_data);
  }

  /**
   * What a modified client can do: send any callback_data for any bot message in the chat, whether or not
   * the message has such a button.
   */
  forgeCallback(userId: number, messageId: number, data: string): string {
    return this.callbackQuery(userId, this.botMessage(userId, messageId, 'forgeCallback'), '(forged)', data);
  }

  private botMessage(userId: number, messageId: number, action: string): StoredMessage {
    this.getUser(userId);
    const stored = this.chatOf(userId).messages.get(messageId);
    if (!stored || stored.deleted || stored.direction !== 'bot') {
      throw new SandboxControlError(`${action}: no bot message ${messageId} in chat ${userId}`);
    }
    return stored;
  }

  private callbackQuery(userId: number, stored: StoredMessage, buttonText: string, data: string): string {
    const user = this.getUser(userId);
    const chat = this.chatOf(userId);
    const id = `${this.botUser.id}${String(this.nextQueryId++).padStart(9, '0')}`;
    const at = this.now();
    this.callbackQueries.set(id, { id, chatId: userId, createdAt: at, answer: { answered: false } });
    chat.timeline.push({ chatId: userId, messageId: stored.messageId, buttonText, data, queryId: id, at });
    this.enqueue(this.newUpdate({
      callback_query: {
        id,
        from: this.telegramUser(user),
        message: this.toMessage(stored),
        chat_instance: String(-(4_000_000_000_000_000 + userId)),
        data,
      },
    } as Omit<Update, 'update_id'>));
    this.changed();
    return id;
  }

  callbackAnswer(queryId: string): CallbackAnswer | undefined {
    const query = this.callbackQueries.get(queryId);
    return query ? { ...query.answer } : undefined;
  }

  /** Blocks or unblocks the bot; the bot also gets a my_chat_member update, as on Telegram. */
  setBlocked(userId: number, blocked: boolean): void {
    const user = this.getUser(userId);
    if (user.blocked === blocked) return;
    user.blocked = blocked;
    const member = (status: 'member' | 'kicked') =>
      status === 'kicked'
        ? { user: this.publicBotUser(), status, until_date: 0 }
        : { user: this.publicBotUser(), status };
    this.enqueue(this.newUpdate({
      my_chat_member: {
        chat: this.privateChat(user),
        from: this.telegramUser(user),
        date: Math.floor(this.now() / 1000),
        old_chat_member: member(blocked ? 'member' : 'kicked'),
        new_chat_member: member(blocked ? 'kicked' : 'member'),
      },
    } as Omit<Update, 'update_id'>));
  }

  commandsFor(scopeType = 'default', languageCode = ''): BotCommand[] {
    return [...(this.commands.get(`${scopeType}:${languageCode}`) ?? [])];
  }

  /** The bot's description or short description for one language ('' = the default for other languages). */
  descriptionFor(kind: 'description' | 'short_description', languageCode = ''): string {
    return this.descriptions.get(`${kind}:${languageCode}`) ?? '';
  }

  private setDescription(params: RawParams, kind: 'description' | 'short_description'): true {
    const text = optionalString(params, kind) ?? '';
    const limit = kind === 'description' ? 512 : 120;
    if (text.length > limit) throw badRequest(`Bad Request: ${kind === 'description' ? 'description' : 'short description'} is too long`);
    const language = optionalString(params, 'language_code') ?? '';
    if (language !== '' && !/^[a-z]{2}$/.test(language)) throw badRequest('Bad Request: invalid language code specified');
    if (text === '') this.descriptions.delete(`${kind}:${language}`);
    else this.descriptions.set(`${kind}:${language}`, text);
    return true;
  }

  // ------------------------------------------------------------------------------------------------------
  // Bot API

  /** Runs one Bot API method (name already resolved to its canonical spelling). */
  async call(method: string, params: RawParams, signal?: AbortSignal): Promise<MethodResult> {
    this.callsByMethod[method] = (this.callsByMethod[method] ?? 0) + 1;
    switch (method) {
      case 'getMe':
        return { result: this.botUser };
      case 'getUpdates':
        return { result: await this.getUpdates(params, signal) };
      case 'setWebhook':
        return this.setWebhook(params);
      case 'deleteWebhook':
        return this.deleteWebhook(params);
      case 'getWebhookInfo':
        return { result: this.webhookInfo() };
      case 'sendMessage':
        return { result: this.sendMessage(params) };
      case 'sendPhoto':
        return { result: this.sendPhoto(params) };
      case 'editMessageText':
        return { result: this.editMessage(params, 'text') };
      case 'editMessageCaption':
        return { result: this.editMessage(params, 'caption') };
      case 'editMessageReplyMarkup':
        return { result: this.editMessage(params, 'markup') };
      case 'deleteMessage':
        return { result: this.deleteMessage(params) };
      case 'answerCallbackQuery':
        return { result: this.answerCallbackQuery(params) };
      case 'setMyCommands':
        return { result: this.setMyCommands(params) };
      case 'getMyCommands':
        return { result: this.commandsFor(...this.commandKeyParts(params)) };
      case 'setMyDescription':
        return { result: this.setDescription(params, 'description') };
      case 'getMyDescription':
        return { result: { description: this.descriptionFor('description', optionalString(params, 'language_code') ?? '') } };
      case 'setMyShortDescription':
        return { result: this.setDescription(params, 'short_description') };
      case 'getMyShortDescription':
        return { result: { short_description: this.descriptionFor('short_description', optionalString(params, 'language_code') ?? '') } };
      case 'setChatMenuButton':
        return { result: this.setChatMenuButton(params) };
      case 'getChatMenuButton':
        return { result: this.menuButtonFor(optionalNumber(params, 'chat_id')) };
      case 'deleteMyCommands':
        this.commands.delete(this.commandKeyParts(params).join(':'));
        return { result: true };
      case 'sendChatAction':
        this.reachableChat(params);
        return { result: true };
      default:
        throw new BotApiError(404, Descriptions.notFound);
    }
  }

  private async getUpdates(params: RawParams, signal?: AbortSignal): Promise<Update[]> {
    if (this.webhook) throw new BotApiError(409, Descriptions.webhookConflict);
    const offset = optionalNumber(params, 'offset') ?? 0;
    if (offset > 0) this.pending = this.pending.filter((u) => u.update_id >= offset);
    else if (offset < 0) this.pending = this.pending.slice(offset);
    const allowed = optionalJson<string[]>(params, 'allowed_updates', "Bad Request: can't parse allowed_updates JSON array");
    if (allowed !== undefined) this.allowedUpdates = allowed;
    const limit = Math.min(100, Math.max(1, optionalNumber(params, 'limit') ?? 100));
    const timeoutSeconds = Math.min(50, Math.max(0, optionalNumber(params, 'timeout') ?? 0));
    // Only one getUpdates may be held: the older one ends with 409, as on Telegram.
    this.endPolling(new BotApiError(409, Descriptions.pollingConflict));
    if (this.pending.length > 0 || timeoutSeconds === 0) return this.pending.slice(0, limit);
    return new Promise<Update[]>((resolve, reject) => {
      const timer = setTimeout(() => poller.finish([]), timeoutSeconds * 1000);
      const onAbort = () => poller.finish([]);
      const poller: Poller = {
        limit,
        finish: (result) => {
          clearTimeout(timer);
          signal?.removeEventListener('abort', onAbort);
          if (this.poller === poller) this.poller = undefined;
          if (result instanceof BotApiError) reject(result);
          else resolve(result);
        },
      };
      signal?.addEventListener('abort', onAbort);
      this.poller = poller;
    });
  }

  private setWebhook(params: RawParams): MethodResult {
    const url = optionalString(params, 'url') ?? '';
    if (url === '') return this.deleteWebhook(params);
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      throw badRequest(Descriptions.badWebhookUrl);
    }
    if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw badRequest(Descriptions.badWebhookUrl);
    const secretToken = optionalString(params, 'secret_token');
    if (secretToken !== undefined && !/^[A-Za-z0-9_-]{1,256}$/.test(secretToken)) {
      throw badRequest(Descriptions.secretTokenInvalid);
    }
    const allowed = optionalJson<string[]>(params, 'allowed_updates', "Bad Request: can't parse allowed_updates JSON array");
    if (optionalBoolean(params, 'drop_pending_updates')) this.dropPendingUpdates();
    const previous = this.webhook;
    this.webhook = {
      url,
      maxConnections: optionalNumber(params, 'max_connections') ?? 40,
      ...(secretToken !== undefined ? { secretToken } : {}),
      ...(allowed !== undefined ? { allowedUpdates: allowed } : previous?.allowedUpdates ? { allowedUpdates: previous.allowedUpdates } : {}),
    };
    this.endPolling(new BotApiError(409, Descriptions.webhookConflict));
    this.onUpdateQueued();
    return { result: true, description: previous?.url === url ? 'Webhook is already set' : 'Webhook was set' };
  }

  private deleteWebhook(params: RawParams): MethodResult {
    const had = this.webhook !== undefined;
    if (had && this.webhook?.allowedUpdates) this.allowedUpdates = this.webhook.allowedUpdates;
    this.webhook = undefined;
    if (optionalBoolean(params, 'drop_pending_updates')) this.dropPendingUpdates();
    return { result: true, description: had ? 'Webhook was deleted' : 'Webhook is already deleted' };
  }

  webhookInfo(): Record<string, unknown> {
    const hook = this.webhook;
    return {
      url: hook?.url ?? '',
      has_custom_certificate: false,
      pending_update_count: this.pending.length,
      ...(hook ? { max_connections: hook.maxConnections } : {}),
      ...(hook?.allowedUpdates ? { allowed_updates: hook.allowedUpdates } : {}),
      ...(hook?.lastErrorDate !== undefined ? { last_error_date: hook.lastErrorDate } : {}),
      ...(hook?.lastErrorMessage !== undefined ? { last_error_message: hook.lastErrorMessage } : {}),
    };
  }

  /** Resolves chat_id to a private chat; 400 for unknown, 403 when the user blocked or never started the bot. */
  private reachableChat(params: RawParams): ChatState {
    const raw = optionalString(params, 'chat_id');
    if (raw === undefined || raw === '') throw badRequest(Descriptions.chatIdEmpty);
    const chat = /^-?\d+$/.test(raw) ? this.chats.get(Number(raw)) : undefined;
    if (!chat) throw badRequest(Descriptions.chatNotFound);
    if (chat.user.blocked) throw new BotApiError(403, Descriptions.blocked);
    if (!chat.user.startedBot) throw new BotApiError(403, Descriptions.cantInitiate);
    return chat;
  }

  private formatted(params: RawParams, textKey: string, entitiesKey: string) {
    const source = optionalString(params, textKey) ?? '';
    const entities = optionalJson<MessageEntity[]>(params, entitiesKey, "Bad Request: can't parse entities JSON object");
    return parseFormattedText(source, optionalString(params, 'parse_mode'), entities);
  }

  private replyMarkup(params: RawParams): ReplyMarkup | undefined {
    const raw = optionalJson<unknown>(params, 'reply_markup', Descriptions.replyMarkupInvalid);
    return raw === undefined ? undefined : checkReplyMarkup(raw, this.limits().maxCallbackDataBytes);
  }

  private replyTarget(chat: ChatState, params: RawParams): StoredMessage | undefined {
    const replyParameters = optionalJson<{ message_id?: number; allow_sending_without_reply?: boolean }>(
      params, 'reply_parameters', "Bad Request: can't parse reply parameters JSON object",
    );
    const targetId = replyParameters?.message_id ?? optionalNumber(params, 'reply_to_message_id');
    if (targetId === undefined) return undefined;
    const target = chat.messages.get(targetId);
    if (target && !target.deleted) return target;
    const allowWithout = replyParameters?.allow_sending_without_reply ?? optionalBoolean(params, 'allow_sending_without_reply');
    if (allowWithout) return undefined;
    throw badRequest(Descriptions.replyNotFound);
  }

  private consume(kind: LimitedCall, method: string, chatId: number): number {
    const now = this.now();
    this.flood.check(kind, method, chatId, now);
    this.flood.record(kind, chatId, now);
    return now;
  }

  private storeBotMessage(chat: ChatState, method: string, fields: Omit<StoredMessage, 'chatId' | 'messageId' | 'direction' | 'date' | 'at' | 'editCount' | 'deleted'>): Message {
    const at = this.consume('send', method, chat.user.id);
    const stored = this.storeMessage(chat, 'bot', at, fields);
    if (isReplyKeyboard(fields.replyMarkup)) chat.replyKeyboard = fields.replyMarkup;
    else if (fields.replyMarkup && 'remove_keyboard' in fields.replyMarkup) delete chat.replyKeyboard;
    this.counters.sent += 1;
    this.changed();
    return this.toMessage(stored);
  }

  private sendMessage(params: RawParams): Message {
    const chat = this.reachableChat(params);
    if (!optionalString(params, 'text')) throw badRequest(Descriptions.textEmpty);
    const { text, entities } = this.formatted(params, 'text', 'entities');
    if (text.trim() === '') throw badRequest(Descriptions.textEmpty);
    if (text.length > this.limits().maxTextLength) throw badRequest(Descriptions.textTooLong);
    const replyMarkup = this.replyMarkup(params);
    const replyTo = this.replyTarget(chat, params);
    return this.storeBotMessage(chat, 'sendMessage', {
      kind: 'text', text, entities,
      ...(replyMarkup ? { replyMarkup } : {}),
      ...(replyTo ? { replyTo } : {}),
    });
  }

  private sendPhoto(params: RawParams): Message {
    const chat = this.reachableChat(params);
    const photoParam = params.photo;
    let upload = isUploadedFile(photoParam) ? photoParam : undefined;
    if (typeof photoParam === 'string' && photoParam.startsWith('attach://')) {
      const attached = params[photoParam.slice('attach://'.length)];
      if (!isUploadedFile(attached)) throw badRequest(Descriptions.photoMissing);
      upload = attached;
    } else if (!upload) {
      if (typeof photoParam !== 'string' || photoParam === '') throw badRequest(Descriptions.photoMissing);
      const isUrl = /^https?:\/\//i.test(photoParam);
      if (!isUrl && !this.knownFileIds.has(photoParam)) throw badRequest(Descriptions.wrongFileIdentifier);
    }
    const { text, entities } = this.formatted(params, 'caption', 'caption_entities');
    if (text.length > this.limits().maxCaptionLength) throw badRequest(Descriptions.captionTooLong);
    const replyMarkup = this.replyMarkup(params);
    const replyTo = this.replyTarget(chat, params);
    const size = upload?.data.length ?? 54_321;
    const photo: PhotoSize[] = [
      { ...newFileId('AgACAgIAAxk'), width: 90, height: 90, file_size: Math.max(1, Math.round(size / 10)) },
      { ...newFileId('AgACAgIAAxk'), width: 800, height: 800, file_size: size },
    ];
    for (const p of photo) this.knownFileIds.add(p.file_id);
    return this.storeBotMessage(chat, 'sendPhoto', {
      kind: 'photo', text, entities, photo,
      ...(replyMarkup ? { replyMarkup } : {}),
      ...(replyTo ? { replyTo } : {}),
    });
  }

  private editMessage(params: RawParams, what: 'text' | 'caption' | 'markup'): Message | true {
    if (optionalString(params, 'inline_message_id') !== undefined) throw badRequest(Descriptions.messageToEditNotFound);
    const chat = this.reachableChat(params);
    const messageId = optionalNumber(params, 'message_id');
    const stored = messageId === undefined ? undefined : chat.messages.get(messageId);
    if (!stored || stored.deleted) throw badRequest(Descriptions.messageToEditNotFound);
    if (stored.direction !== 'bot') throw badRequest(Descriptions.messageCantBeEdited);
    if (what === 'text' && stored.kind !== 'text') throw badRequest(Descriptions.noTextToEdit);
    if (what === 'caption' && stored.kind !== 'photo') throw badRequest(Descriptions.noCaptionToEdit);

    let next = { text: stored.text, entities: stored.entities };
    if (what === 'text') {
      if (!optionalString(params, 'text')) throw badRequest(Descriptions.textEmpty);
      next = this.formatted(params, 'text', 'entities');
      if (next.text.trim() === '') throw badRequest(Descriptions.textEmpty);
      if (next.text.length > this.limits().maxTextLength) throw badRequest(Descriptions.textTooLong);
    } else if (what === 'caption') {
      next = this.formatted(params, 'caption', 'caption_entities');
      if (next.text.length > this.limits().maxCaptionLength) throw badRequest(Descriptions.captionTooLong);
    }
    // An edit without reply_markup removes the inline keyboard, as on Telegram.
    const markup = this.replyMarkup(params);
    if (markup && !isInlineKeyboard(markup)) throw badRequest(Descriptions.replyMarkupInvalid);
    const currentMarkup = isInlineKeyboard(stored.replyMarkup) ? stored.replyMarkup : undefined;
    const unchanged = next.text === stored.text
      && JSON.stringify(next.entities) === JSON.stringify(stored.entities)
      && JSON.stringify(markup ?? null) === JSON.stringify(currentMarkup ?? null);
    if (unchanged) throw badRequest(Descriptions.notModified);

    const at = this.consume('edit', what === 'markup' ? 'editMessageReplyMarkup' : what === 'text' ? 'editMessageText' : 'editMessageCaption', chat.user.id);
    stored.text = next.text;
    stored.entities = next.entities;
    if (markup) stored.replyMarkup = markup;
    else delete stored.replyMarkup;
    stored.editCount += 1;
    stored.editDate = Math.floor(at / 1000);
    this.counters.edited += 1;
    this.changed();
    return this.toMessage(stored);
  }

  private deleteMessage(params: RawParams): true {
    const raw = optionalString(params, 'chat_id');
    const chat = raw !== undefined && /^-?\d+$/.test(raw) ? this.chats.get(Number(raw)) : undefined;
    if (!chat) throw badRequest(Descriptions.chatNotFound);
    const messageId = optionalNumber(params, 'message_id');
    const stored = messageId === undefined ? undefined : chat.messages.get(messageId);
    if (!stored || stored.deleted) throw badRequest(Descriptions.messageToDeleteNotFound);
    stored.deleted = true;
    this.changed();
    return true;
  }

  private answerCallbackQuery(params: RawParams): true {
    const id = optionalString(params, 'callback_query_id') ?? '';
    const query = this.callbackQueries.get(id);
    const expired = !query || this.now() - query.createdAt > this.limits().callbackQueryTtlMs;
    if (!query || query.answer.answered || expired) throw badRequest(Descriptions.queryTooOld);
    const text = optionalString(params, 'text');
    if (text !== undefined && text.length > 200) throw badRequest(Descriptions.answerTextTooLong);
    const url = optionalString(params, 'url');
    query.answer = {
      answered: true,
      ...(text !== undefined ? { text } : {}),
      showAlert: optionalBoolean(params, 'show_alert') ?? false,
      ...(url !== undefined ? { url } : {}),
      answeredAt: this.now(),
    };
    this.changed();
    return true;
  }

  private commandKeyParts(params: RawParams): [string, string] {
    const scope = optionalJson<{ type?: string }>(params, 'scope', "Bad Request: can't parse BotCommandScope JSON object");
    return [scope?.type ?? 'default', optionalString(params, 'language_code') ?? ''];
  }

  private setMyCommands(params: RawParams): true {
    const commands = optionalJson<BotCommand[]>(params, 'commands', "Bad Request: can't parse commands JSON object");
    if (!Array.isArray(commands)) throw badRequest("Bad Request: can't parse commands JSON object");
    for (const c of commands) {
      if (typeof c?.command !== 'string' || !/^[a-z0-9_]{1,32}$/.test(c.command)) throw badRequest(Descriptions.botCommandInvalid);
      if (typeof c.description !== 'string' || c.description.length < 1 || c.description.length > 256) {
        throw badRequest(Descriptions.botCommandDescriptionInvalid);
      }
    }
    this.commands.set(this.commandKeyParts(params).join(':'), commands.map(({ command, description }) => ({ command, description })));
    return true;
  }

  private setChatMenuButton(params: RawParams): true {
    const chatId = optionalNumber(params, 'chat_id');
    if (chatId !== undefined && !this.chats.has(chatId)) throw badRequest(Descriptions.chatNotFound);
    const button = optionalJson<MenuButton>(params, 'menu_button', "Bad Request: can't parse menu button JSON object") ?? { type: 'default' };
    if (button.type === 'web_app') {
      if (typeof button.text !== 'string' || button.text.length < 1 || !validWebAppUrl(button.web_app?.url)) {
        throw badRequest(Descriptions.webAppUrlInvalid);
      }
    } else if (button.type !== 'commands' && button.type !== 'default') {
      throw badRequest("Bad Request: can't parse menu button JSON object");
    }
    this.menuButtons.set(chatId === undefined ? '' : String(chatId), button);
    return true;
  }

  /** The menu button a private chat shows: its own, else the bot's default, else the command list. */
  menuButtonFor(chatId: number | undefined): MenuButton {
    return (chatId !== undefined ? this.menuButtons.get(String(chatId)) : undefined) ?? this.menuButtons.get('') ?? { type: 'commands' };
  }

  /** The web_app URL of an inline button in a bot message (found by its text). */
  webAppButtonUrl(userId: number, messageId: number, buttonText: string): string {
    const stored = this.botMessage(userId, messageId, 'openWebApp');
    const markup = isInlineKeyboard(stored.replyMarkup) ? stored.replyMarkup : undefined;
    const button = markup?.inline_keyboard.flat().find((b) => b.text === buttonText && 'web_app' in b);
    if (!button || !('web_app' in button) || !button.web_app) {
      const available = (markup?.inline_keyboard ?? []).flat().map((b) => b.text).join(', ') || 'none';
      throw new SandboxControlError(`openWebApp: message ${messageId} has no web_app button "${buttonText}" (buttons: ${available})`);
    }
    return button.web_app.url;
  }

  // ------------------------------------------------------------------------------------------------------

  /** Clears people, chats, updates, webhook, commands and statistics; the bot identity and limits stay. */
  reset(): void {
    this.endPolling([]);
    this.users.clear();
    this.chats.clear();
    this.pending = [];
    this.allowedUpdates = undefined;
    this.callbackQueries.clear();
    this.commands.clear();
    this.descriptions.clear();
    this.knownFileIds.clear();
    this.webhook = undefined;
    this.nextUserId = FIRST_USER_ID;
    this.flood.reset();
    this.counters = { sent: 0, edited: 0, webhookDeliveries: 0, webhookFailures: 0, webhookDropped: 0 };
    this.callsByMethod = {};
    this.changed();
  }

  inlineKeyboardOf(chatId: number, messageId: number): InlineKeyboardMarkup | undefined {
    const stored = this.chatOf(chatId).messages.get(messageId);
    return isInlineKeyboard(stored?.replyMarkup) ? stored.replyMarkup : undefined;
  }
}
