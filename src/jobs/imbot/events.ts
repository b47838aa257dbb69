/**
 * Fetch-mode poller for the Bitrix24 chat bot (`imbot.v2.Event.get`). A scheduled job calls
 * `pullBitrixChatEvents` every few seconds; it reads the bot's queue from the saved offset, checks each event,
 * hands button presses (decoded by the callback codec), chat commands and text messages to `handle`, and saves
 * the next offset, which the portal takes as the acknowledgement of everything below it on the next call.
 *
 * Each event is handled once: a Redis marker per event id is claimed (SET NX) before the handler runs, so an
 * event the portal delivers again (offset not yet acknowledged, a second poller, a replay) is skipped. A
 * handler that throws releases its claim and stops the round before that event, so it is retried next tick;
 * a crash while handling loses that one event (at most once — a person can press again).
 */
import type { Redis } from 'ioredis';
import { decodeCallback, type DecodedCallback } from '../../bot/callback-codec.js';
import type { MessageRef } from '../../chat/message.js';
import { BUTTON_COMMAND } from '../../chat/bitrix24-render.js';
import type { CrmGateway } from '../../crm/index.js';
import { CrmError } from '../../crm/index.js';
import type { Logger } from '../../log.js';

interface EventBase {
  eventId: number;
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

export interface PullOptions {
  redis: Redis;
  /** Prefix of the offset and marker keys. */
  keyPrefix: string;
  botToken: string;
  /** Events per request (1–1000). */
  limit?: number;
  /** Requests per call at most, while the portal says it has more. */
  maxRounds?: number;
  /** How long a handled event's marker is kept. */
  markerTtlSeconds?: number;
  log?: Logger;
}

export interface RefusedEvent {
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
  /** The handler failure that stopped the round, if any. */
  failed: { eventId: number; error: unknown } | null;
}

interface RawEvent { eventId?: unknown; type?: unknown; data?: unknown }
interface EventPage { events?: unknown; nextOffset?: unknown; hasMore?: unknown }

const isObject = (v: unknown): v is Record<string, unknown> => !!v && typeof v === 'object' && !Array.isArray(v);

function positiveInt(value: unknown): number | undefined {
  const n = typeof value === 'number' ? value : typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : NaN;
  return Number.isSafeInteger(n) && n > 0 ? n : undefined;
}

export function offsetKey(prefix: string, botId: number): string {
  return `${prefix}imbot:${botId}:offset`;
}

export function eventMarkerKey(prefix: string, botId: number, eventId: number): string {
  return `${prefix}imbot:${botId}:event:${eventId}`;
}

type Checked =
  | { ok: true; event: BitrixChatEvent }
  | { ok: false; ignore: true }
  | { ok: false; ignore: false; reason: RefusedEvent['reason'] };

/** Verifies that an event is addressed to our bot by a person and turns it into a BitrixChatEvent. */
export function checkBitrixChatEvent(raw: RawEvent, botId: number): Checked {
  const eventId = positiveInt(raw.eventId);
  const data = raw.data;
  if (eventId === undefined || typeof raw.type !== 'string' || !isObject(data)) return { ok: false, ignore: false, reason: 'bad_event' };
  const bot = isObject(data.bot) ? data.bot : {};
  if (positiveInt(bot.id) !== botId) return { ok: false, ignore: false, reason: 'foreign_bot' };
  if (raw.type !== 'ONIMBOTV2COMMANDADD' && raw.type !== 'ONIMBOTV2MESSAGEADD') return { ok: false, ignore: true };
  const user = isObject(data.user) ? data.user : {};
  const userId = positiveInt(user.id);
  if (userId === undefined) return { ok: false, ignore: false, reason: 'no_user' };
  if (user.bot === true || userId === botId) return { ok: false, ignore: true };
  const chat = isObject(data.chat) ? data.chat : {};
  const message = isObject(data.message) ? data.message : {};
  const dialogId = typeof chat.dialogId === 'string' ? chat.dialogId : '';
  // In a private dialog the answer goes to the person; a group chat is addressed by its dialog id.
  const chatId = /^chat\d+$/.test(dialogId) && chat.type !== 'private' ? dialogId : String(userId);
  const base: EventBase = { eventId, userId, chatId, language: typeof data.language === 'string' ? data.language : null };
  const messageId = positiveInt(message.id) ?? null;

  if (raw.type === 'ONIMBOTV2MESSAGEADD') {
    return { ok: true, event: { ...base, kind: 'text', text: typeof message.text === 'string' ? message.text : '', messageId } };
  }
  const command = isObject(data.command) ? data.command : {};
  const name = typeof command.command === 'string' ? command.command.replace(/^\//, '').toLowerCase() : '';
  const params = typeof command.params === 'string' ? command.params : '';
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

/** One poll: reads, checks and hands over the waiting events; returns what happened. */
export async function pullBitrixChatEvents(
  crm: Pick<CrmGateway, 'call'>, botId: number, handle: BitrixChatEventHandler, options: PullOptions,
): Promise<PullSummary> {
  const { redis, keyPrefix, botToken, log } = options;
  const limit = Math.min(1000, Math.max(1, options.limit ?? 100));
  const maxRounds = Math.max(1, options.maxRounds ?? 10);
  const ttl = options.markerTtlSeconds ?? 7 * 86_400;
  const summary: PullSummary = { fetched: 0, handled: 0, duplicates: 0, ignored: 0, refused: [], failed: null };
  const storedOffset = positiveInt(await redis.get(offsetKey(keyPrefix, botId)));

  let offset = storedOffset;
  for (let round = 0; round < maxRounds; round += 1) {
    const page = await crm.call<EventPage>('imbot.v2.Event.get', {
      botId, botToken, limit, ...(offset !== undefined ? { offset } : {}),
    }, { idempotent: true });
    if (!isObject(page) || !Array.isArray(page.events)) {
      throw new CrmError({ code: 'UNEXPECTED_ANSWER', status: 200, method: 'imbot.v2.Event.get', description: 'no events array' });
    }
    const events = page.events as RawEvent[];
    summary.fetched += events.length;
    for (const raw of events) {
      const checked = checkBitrixChatEvent(raw, botId);
      if (!checked.ok) {
        if (checked.ignore) {
          summary.ignored += 1;
        } else {
          const refused: RefusedEvent = {
            eventId: positiveInt(raw.eventId) ?? null, type: typeof raw.type === 'string' ? raw.type : '?', reason: checked.reason,
          };
          summary.refused.push(refused);
          log?.warn({ botId, ...refused }, 'bitrix24 chat event refused');
        }
        continue;
      }
      const { event } = checked;
      const marker = eventMarkerKey(keyPrefix, botId, event.eventId);
      if ((await redis.set(marker, 'handling', 'EX', ttl, 'NX')) !== 'OK') {
        summary.duplicates += 1;
        continue;
      }
      try {
        await handle(event);
      } catch (error) {
        await redis.del(marker);
        summary.failed = { eventId: event.eventId, error };
        // Acknowledge only what lies before the failed event, so it comes back next time.
        await redis.set(offsetKey(keyPrefix, botId), String(event.eventId));
        log?.error({ botId, eventId: event.eventId, kind: event.kind, err: error }, 'bitrix24 chat event handler failed');
        return summary;
      }
      await redis.set(marker, 'done', 'EX', ttl);
      summary.handled += 1;
    }
    const next = positiveInt(page.nextOffset);
    if (next !== undefined && (offset === undefined || next > offset)) {
      offset = next;
      await redis.set(offsetKey(keyPrefix, botId), String(next));
    }
    if (page.hasMore !== true || events.length === 0) break;
  }
  return summary;
}
