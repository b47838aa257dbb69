/**
 * Events of the Bitrix24 chat bot (`imbot.v2`), in either delivery mode:
 * - fetch mode: a scheduled job calls `pullBitrixChatEvents` every few seconds; it reads the bot's queue from the
 *   saved offset (`imbot.v2.Event.get`) and saves the next offset, which the portal takes as the acknowledgement
 *   of everything below it on the next call;
 * - push mode (`eventMode: "webhook"`): the portal POSTs each event to our endpoint (src/messengers/bitrix24/push.ts).
 *
 * Both check each event with `checkBitrixChatEvent` and hand button presses (decoded by the callback codec), chat
 * commands and text messages to the handler through `handleBitrixChatEventOnce`: a Redis marker per event key is
 * claimed (SET NX) before the handler runs, so an event delivered again (offset not yet acknowledged, a second
 * poller, a replayed POST) is skipped. A handler that throws releases its claim; the poller then stops the round
 * before that event so it is retried next tick. A crash while handling loses that one event (at most once — a
 * person can press again).
 *
 * The event key: fetch events have the portal's event id. A pushed event has none, so its key hashes what makes
 * one real event differ from another — type, message id, command id, params, user id and the POST's `ts` (unix
 * seconds). The same POST replayed has the same key and is refused; a second real press of the same button comes
 * with a later `ts` (two presses within one second count as one, which is what a double click is).
 */
import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';
import { ChatRejectedError, ChatUnreachableError } from '../../chat/adapter.js';
import { type DecodedCallback, decodeCallback } from '../../chat/callback-codec.js';
import type { MessageRef } from '../../chat/message.js';
import type { CrmGateway } from '../../crm/index.js';
import { CrmError } from '../../crm/index.js';
import type { Logger } from '../../infra/log.js';
import { LuaScript } from '../../infra/lua.js';
import { sleep } from '../../infra/timing.js';
import { isRecord, positiveId } from '../../infra/values.js';
import { BUTTON_COMMAND } from './render.js';

interface EventBase {
  /** The portal's event id in fetch mode; null for a pushed event (the POST carries none). */
  eventId: number | null;
  /** Identifies the event for the once-only marker: the event id in fetch mode, `push:<hash>` in push mode. */
  eventKey: string;
  /** The Bitrix24 user who acted (the event names them: no linking needed). */
  userId: number;
  /** Where to answer: the user id for the private dialog with the bot, `chatN` for a group chat. */
  chatId: string;
  /** Portal language of the event (`ru`, `en`…), when given. */
  language: string | null;
}

export type BitrixChatEvent =
  | (EventBase & {
    kind: 'button';
    callback: DecodedCallback;
    /** The bot message whose button was pressed, for the edit after the action. */
    message: MessageRef | null;
  })
  | (EventBase & { kind: 'command'; command: string; params: string; context: string })
  | (EventBase & { kind: 'text'; text: string; messageId: number | null });

export type BitrixChatEventHandler = (event: BitrixChatEvent) => Promise<void>;

/** How the event reached us: typed by Event.get, or POSTed form-encoded with every scalar a string. */
export type BitrixEventDelivery = 'fetch' | 'webhook';

/** An event as delivered: an Event.get item (`eventId`, `type`, `data`) or a POST body (`event` → type, `data`, `ts`). */
export interface RawBitrixChatEvent { eventId?: unknown; type?: unknown; data?: unknown; ts?: unknown }

/** Where the once-only markers live, and what happens to an event whose handler keeps failing. */
export interface EventMarkerOptions {
  redis: Redis;
  /** Prefix of the offset and marker keys. */
  keyPrefix: string;
  /** How long a handled event's marker is kept. */
  markerTtlSeconds?: number;
  log?: Logger;
  /**
   * Handler failures an event may have before it is abandoned (default 3). One event that can never be handled
   * must not hold back everyone else's: fetch mode retries it on the next ticks, then moves past it.
   */
  maxAttempts?: number;
  /** Called once when an event is abandoned (e.g. tell the person something went wrong). Errors are logged. */
  onGiveUp?: (event: BitrixChatEvent, error: unknown) => Promise<void>;
}

export interface PullOptions extends EventMarkerOptions {
  botToken: string;
  /**
   * Asked before each event: false means this poller lost its exclusive right to poll (a lock that lapsed), so
   * it stops at once and leaves the rest to the poller that has it.
   */
  keepAlive?: () => Promise<boolean>;
  /** Events per request (1–1000). */
  limit?: number;
  /** Requests per call at most, while the portal says it has more. */
  maxRounds?: number;
  /** Pause between two requests of one call while the portal has more (default 2 s, as the docs ask). */
  roundPauseMs?: number;
  /** Told about a refused event a person sent (a typed button command, a broken button): answer them briefly. */
  onRefused?: RefusalNotice;
}

/** Tells the person behind a refused event what happened (it is never handled). */
export type RefusalNotice = (userId: number, reason: RefusedEvent['reason']) => Promise<void>;

/**
 * The person to answer for a refusal, when there is one to answer: a button command typed by hand, or a button
 * whose payload does not decode. Events without a user, of other bots or malformed get no answer.
 */
export function refusalRecipient(raw: RawBitrixChatEvent, reason: RefusedEvent['reason']): number | null {
  if (reason !== 'not_keyboard' && !reason.startsWith('bad_payload')) return null;
  const data = isRecord(raw) && isRecord(raw.data) ? raw.data : {};
  return positiveId(isRecord(data.user) ? data.user.id : undefined) ?? null;
}

/** Answers a refusal when it has a recipient; a failure to answer is logged, never thrown (the event stays refused). */
export async function answerRefusal(raw: RawBitrixChatEvent, reason: RefusedEvent['reason'], notice: RefusalNotice | undefined, log?: Logger): Promise<void> {
  const userId = refusalRecipient(raw, reason);
  if (!notice || userId === null) return;
  await notice(userId, reason).catch((error: unknown) => log?.warn({ err: error, reason }, 'could not answer a refused bitrix24 chat event'));
}

export interface RefusedEvent {
  /** null for a pushed event. */
  eventId: number | null;
  type: string;
  reason: 'bad_event' | 'foreign_bot' | 'no_user' | 'not_keyboard' | `bad_payload:${string}`;
}

export interface PullSummary {
  fetched: number;
  handled: number;
  /** Delivered again after being handled (or claimed by another poller). */
  duplicates: number;
  /** Events of types we do not act on, and messages of bots. */
  ignored: number;
  refused: RefusedEvent[];
  /** The handler failure that stopped the round, if any (the event comes back next time). */
  failed: { eventId: number; error: unknown } | null;
  /** Events given up after `maxAttempts` failures or a final one; the round went on past them. */
  abandoned: number;
}

interface EventPage { events?: unknown; nextOffset?: unknown; hasMore?: unknown }

export const DEFAULT_MARKER_TTL_SECONDS = 7 * 86_400;

const SET_IF_GREATER = new LuaScript(`
local current = tonumber(redis.call('GET', KEYS[1]) or '0')
if tonumber(ARGV[1]) > current then redis.call('SET', KEYS[1], ARGV[1]) return 1 end
return 0`);


/** A documented boolean in either typing: `true` (fetch) or "1" (webhook, http_build_query). */
function isTrue(value: unknown): boolean {
  return value === true || value === 1 || value === '1' || value === 'Y';
}

export function offsetKey(prefix: string, botId: number): string {
  return `${prefix}imbot:${botId}:offset`;
}

/** The once-only marker of an event; a fetch event's key is its id, so markers written before push mode still match. */
export function eventMarkerKey(prefix: string, botId: number, eventKey: string | number): string {
  return `${prefix}imbot:${botId}:event:${eventKey}`;
}

/**
 * The key of a pushed event (see the module comment); the same in either typing of its fields. A pushed event
 * has no id and `ts` has whole seconds, so the pressed message's current text is part of the key: two presses of
 * buttons with the same data in one second on a message that changed in between (a menu's "Back" after opening
 * it) are two events, while a double click on an unchanged message, or a replayed POST, is one.
 */
export function pushEventKey(parts: {
  type: string; messageId: number | null; commandId: number | null; params: string; userId: number; ts: number; messageText: string;
}): string {
  const material = JSON.stringify([parts.type, parts.messageId, parts.commandId, parts.params, parts.userId, parts.ts, parts.messageText]);
  return `push:${createHash('sha256').update(material).digest('hex').slice(0, 32)}`;
}

export type CheckedBitrixChatEvent =
  | { ok: true; event: BitrixChatEvent }
  | { ok: false; ignore: true }
  | { ok: false; ignore: false; reason: RefusedEvent['reason'] };

/**
 * Verifies that an event is addressed to our bot by a person and turns it into a BitrixChatEvent. Accepts both
 * typings (ids as numbers or strings, booleans as true or "1"). Fetch events need their `eventId`, pushed ones
 * their `ts`.
 */
export function checkBitrixChatEvent(
  raw: RawBitrixChatEvent, botId: number, delivery: BitrixEventDelivery = 'fetch',
): CheckedBitrixChatEvent {
  const data = raw.data;
  const eventId = delivery === 'fetch' ? positiveId(raw.eventId) : undefined;
  const ts = delivery === 'webhook' ? positiveId(raw.ts) : undefined;
  if ((delivery === 'fetch' ? eventId : ts) === undefined || typeof raw.type !== 'string' || !isRecord(data)) {
    return { ok: false, ignore: false, reason: 'bad_event' };
  }
  const type = raw.type.toUpperCase();
  const bot = isRecord(data.bot) ? data.bot : {};
  if (positiveId(bot.id) !== botId) return { ok: false, ignore: false, reason: 'foreign_bot' };
  if (type !== 'ONIMBOTV2COMMANDADD' && type !== 'ONIMBOTV2MESSAGEADD') return { ok: false, ignore: true };
  const user = isRecord(data.user) ? data.user : {};
  const userId = positiveId(user.id);
  if (userId === undefined) return { ok: false, ignore: false, reason: 'no_user' };
  if (isTrue(user.bot) || userId === botId) return { ok: false, ignore: true };
  const chat = isRecord(data.chat) ? data.chat : {};
  const message = isRecord(data.message) ? data.message : {};
  const command = isRecord(data.command) ? data.command : {};
  const dialogId = typeof chat.dialogId === 'string' ? chat.dialogId : '';
  // In a private dialog the answer goes to the person; a group chat is addressed by its dialog id.
  const chatId = /^chat\d+$/.test(dialogId) && chat.type !== 'private' ? dialogId : String(userId);
  const messageId = positiveId(message.id) ?? null;
  const params = typeof command.params === 'string' ? command.params : '';
  const eventKey = eventId !== undefined
    ? String(eventId)
    : pushEventKey({
      type, messageId, commandId: positiveId(command.id) ?? null, params, userId, ts: ts!,
      messageText: typeof message.text === 'string' ? message.text : '',
    });
  const base: EventBase = {
    eventId: eventId ?? null, eventKey, userId, chatId,
    language: typeof data.language === 'string' && data.language !== '' ? data.language : null,
  };

  if (type === 'ONIMBOTV2MESSAGEADD') {
    return { ok: true, event: { ...base, kind: 'text', text: typeof message.text === 'string' ? message.text : '', messageId } };
  }
  const name = typeof command.command === 'string' ? command.command.replace(/^\//, '').toLowerCase() : '';
  const context = typeof command.context === 'string' ? command.context : '';
  if (name !== BUTTON_COMMAND) return { ok: true, event: { ...base, kind: 'command', command: name, params, context } };
  // The button command is only ever pressed on our keyboard; typed by hand it is someone probing payloads.
  if (context !== 'keyboard') return { ok: false, ignore: false, reason: 'not_keyboard' };
  const decoded = decodeCallback(params);
  if (!decoded.ok) return { ok: false, ignore: false, reason: `bad_payload:${decoded.reason}` };
  const { ok: _ok, ...callback } = decoded;
  return {
    ok: true,
    event: {
      ...base, kind: 'button', callback: callback as DecodedCallback,
      message: messageId === null ? null : { channel: 'bitrix24', chatId, messageId: String(messageId) },
    },
  };
}

/** The refusal record of an event (for the summary and the log line). */
export function refusedEvent(raw: RawBitrixChatEvent, reason: RefusedEvent['reason']): RefusedEvent {
  return { eventId: positiveId(raw.eventId) ?? null, type: typeof raw.type === 'string' ? raw.type : '?', reason };
}

export type OnceOutcome =
  | { status: 'handled' }
  /** Handled (or being handled) before: not run again. */
  | { status: 'duplicate' }
  /** The handler threw; the claim was released, so a later delivery of the same event runs it again. */
  | { status: 'failed'; error: unknown }
  /** The handler threw for the last time (attempts used up, or a failure no retry can fix): never run again. */
  | { status: 'abandoned'; error: unknown };

/** Failures of the answer itself: the messenger refused it or cannot reach the person; a retry would repeat them. */
function isFinalFailure(error: unknown): boolean {
  return error instanceof ChatRejectedError || error instanceof ChatUnreachableError;
}

/**
 * Runs the handler for an event at most once per event key, whichever mode delivered it: claims the marker
 * (SET NX), runs the handler, marks it done, or releases the claim when the handler throws.
 */
export async function handleBitrixChatEventOnce(
  event: BitrixChatEvent, handle: BitrixChatEventHandler, botId: number, options: EventMarkerOptions,
): Promise<OnceOutcome> {
  const { redis, keyPrefix, log } = options;
  const ttl = options.markerTtlSeconds ?? DEFAULT_MARKER_TTL_SECONDS;
  const marker = eventMarkerKey(keyPrefix, botId, event.eventKey);
  if ((await redis.set(marker, 'handling', 'EX', ttl, 'NX')) !== 'OK') return { status: 'duplicate' };
  try {
    await handle(event);
  } catch (error) {
    const attemptsKey = `${marker}:attempts`;
    const [[, attempts]] = (await redis.multi().incr(attemptsKey).expire(attemptsKey, ttl).exec()) as [[unknown, number]];
    const context = { botId, eventId: event.eventId, eventKey: event.eventKey, kind: event.kind, attempts, err: error };
    if (attempts < (options.maxAttempts ?? 3) && !isFinalFailure(error)) {
      await redis.del(marker);
      log?.error(context, 'bitrix24 chat event handler failed; it will be tried again');
      return { status: 'failed', error };
    }
    await redis.set(marker, 'abandoned', 'EX', ttl);
    log?.error(context, 'bitrix24 chat event handler failed; the event is abandoned');
    await options.onGiveUp?.(event, error).catch((giveUpError: unknown) =>
      log?.warn({ botId, eventKey: event.eventKey, err: giveUpError }, 'could not tell the person about the failure'));
    return { status: 'abandoned', error };
  }
  await redis.set(marker, 'done', 'EX', ttl);
  return { status: 'handled' };
}

/** One poll: reads, checks and hands over the waiting events; returns what happened. */
export async function pullBitrixChatEvents(
  crm: Pick<CrmGateway, 'call'>, botId: number, handle: BitrixChatEventHandler, options: PullOptions,
): Promise<PullSummary> {
  const { redis, keyPrefix, botToken, log } = options;
  const limit = Math.min(1000, Math.max(1, options.limit ?? 100));
  const maxRounds = Math.max(1, options.maxRounds ?? 10);
  const summary: PullSummary = { fetched: 0, handled: 0, duplicates: 0, ignored: 0, refused: [], failed: null, abandoned: 0 };
  const storedOffset = positiveId(await redis.get(offsetKey(keyPrefix, botId)));

  let offset = storedOffset;
  for (let round = 0; round < maxRounds; round += 1) {
    const page = await crm.call<EventPage>('imbot.v2.Event.get', {
      botId, botToken, limit, ...(offset !== undefined ? { offset } : {}),
    }, { idempotent: true });
    if (!isRecord(page) || !Array.isArray(page.events)) {
      throw new CrmError({ code: 'UNEXPECTED_ANSWER', status: 200, method: 'imbot.v2.Event.get', description: 'no events array' });
    }
    const events = page.events as RawBitrixChatEvent[];
    summary.fetched += events.length;
    for (const raw of events) {
      const checked = checkBitrixChatEvent(raw, botId, 'fetch');
      if (!checked.ok) {
        if (checked.ignore) {
          summary.ignored += 1;
        } else {
          const refused = refusedEvent(raw, checked.reason);
          summary.refused.push(refused);
          log?.warn({ botId, ...refused }, 'bitrix24 chat event refused');
          await answerRefusal(raw, checked.reason, options.onRefused, log);
        }
        continue;
      }
      const { event } = checked;
      if (options.keepAlive && !(await options.keepAlive())) {
        log?.warn({ botId, eventId: event.eventId }, 'bitrix24 chat poll lost its lock; stopping this round');
        return summary;
      }
      const outcome = await handleBitrixChatEventOnce(event, handle, botId, options);
      if (outcome.status === 'duplicate') {
        summary.duplicates += 1;
      } else if (outcome.status === 'abandoned') {
        summary.abandoned += 1;
      } else if (outcome.status === 'failed') {
        // Fetch events always carry their id (checked above).
        const eventId = event.eventId!;
        summary.failed = { eventId, error: outcome.error };
        // Acknowledge only what lies before the failed event, so it comes back next time.
        await redis.set(offsetKey(keyPrefix, botId), String(eventId));
        return summary;
      } else {
        summary.handled += 1;
      }
    }
    const next = positiveId(page.nextOffset);
    if (next !== undefined && (offset === undefined || next > offset)) {
      offset = next;
      // Only forward: a poller that overran its lock must not move the offset back behind another's progress.
      await SET_IF_GREATER.run(redis, [offsetKey(keyPrefix, botId)], [next]);
    }
    if (page.hasMore !== true || events.length === 0) break;
    // The docs ask for at least two seconds before the next request while the portal has more.
    if (round + 1 < maxRounds) await sleep(options.roundPauseMs ?? 2_000);
  }
  return summary;
}
