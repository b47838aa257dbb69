/**
 * Push mode of the Bitrix24 chat bot: a bot registered with `eventMode: "webhook"` gets every event POSTed here
 * (api-reference/chat-bots/chat-bots-v2/imbot.v2/events/events.md): form-encoded with PHP keys, every scalar a
 * string, `data.bot` = {id, code, auth} and a top-level `auth`. Only the top-level `auth[application_token]`
 * proves the sender (compared in constant time); `data.bot.auth` holds callback tokens and is never trusted.
 *
 * The answer is 200 as soon as the event is checked — the portal does not retry and deprioritises slow
 * handlers — and the event goes to the same once-only handling as fetch mode, so a replayed POST is a
 * duplicate and nothing is handled twice. A failing handler is logged and never reaches the process.
 */
import express, { type Express } from 'express';
import type { Redis } from 'ioredis';
import type { Logger } from '../../infra/log.js';
import { constantTimeEquals } from '../../infra/secrets.js';
import { isRecord } from '../../infra/values.js';
import {
  answerRefusal, type BitrixChatEvent, type BitrixChatEventHandler, checkBitrixChatEvent, type EventMarkerOptions,
  handleBitrixChatEventOnce, type RefusalNotice, type RefusedEvent, refusedEvent,
} from './events.js';

export const B24_BOT_EVENTS_PATH = '/b24/bot';

/** What became of one POST (and, for an accepted event, of its handling). */
export type BitrixBotEventOutcome =
  | { status: 'unauthorized' }
  /** Authenticated, but no bot of ours is registered (yet). */
  | { status: 'no_bot' }
  /** Authenticated but not an event at all (no type, data or ts): answered 400. */
  | { status: 'malformed' }
  /** An event type we do not act on, or a message of a bot. */
  | { status: 'ignored'; type: string }
  /** Forged or not ours: another bot, no user, a hand-typed button command, a bad button payload. */
  | { status: 'refused'; refused: RefusedEvent }
  | { status: 'handled' | 'duplicate'; kind: BitrixChatEvent['kind']; eventKey: string }
  | { status: 'failed'; kind: BitrixChatEvent['kind']; eventKey: string; error: unknown };

export interface BitrixBotEventsOptions {
  /** The application token the portal sends in `auth[application_token]`; without it every POST is refused. */
  applicationToken: string | undefined;
  /**
   * Our bot: events of any other bot are refused. A function is asked on each POST (e.g. the chat channel's
   * cached lookup by code); while it answers null no bot is registered and events are answered 503.
   */
  botId: number | (() => Promise<number | null>);
  redis: Redis;
  /** Prefix of the once-only markers; use the poller's, so a switch between modes never handles an event twice. */
  keyPrefix: string;
  handle: BitrixChatEventHandler;
  log: Logger;
  markerTtlSeconds?: number;
  /** Called when an event's handling failed: the portal does not deliver it again (e.g. tell the person). */
  onGiveUp?: EventMarkerOptions['onGiveUp'];
  /** Answers the person behind a refused event (a typed button command, a broken button). */
  onRefused?: RefusalNotice;
  /** Default B24_BOT_EVENTS_PATH. */
  path?: string;
  /** Called with every outcome (metrics, tests). Must not throw. */
  onOutcome?: (outcome: BitrixBotEventOutcome) => void;
}

export interface BitrixBotEventsEndpoint {
  readonly path: string;
  /** Resolves when every event accepted so far has been handled (graceful shutdown, tests). */
  settled(): Promise<void>;
}


export function mountBitrixBotEvents(app: Express, options: BitrixBotEventsOptions): BitrixBotEventsEndpoint {
  const { log } = options;
  const ourBot = options.botId;
  const resolveBotId = typeof ourBot === 'number' ? async (): Promise<number> => ourBot : ourBot;
  const path = options.path ?? B24_BOT_EVENTS_PATH;
  const inFlight = new Set<Promise<void>>();
  const report = (outcome: BitrixBotEventOutcome): void => {
    try {
      options.onOutcome?.(outcome);
    } catch (error) {
      log.error({ err: error }, 'bitrix24 bot event outcome hook failed');
    }
  };

  app.post(path, express.urlencoded({ extended: true, limit: '256kb' }), express.json({ limit: '256kb' }), async (req, res) => {
    const body: Record<string, unknown> = isRecord(req.body) ? req.body : {};
    const auth = isRecord(body.auth) ? body.auth : {};
    const token = typeof auth.application_token === 'string' ? auth.application_token : '';
    const type = typeof body.event === 'string' ? body.event.slice(0, 64) : undefined;
    if (!options.applicationToken || !constantTimeEquals(token, options.applicationToken)) {
      // Neither token is logged: the presented one may be a near miss of the real one.
      log.warn({ event: type, tokenPresent: token !== '' }, 'refused a Bitrix24 bot event with a wrong application token');
      res.status(401).json({ error: 'unauthorized' });
      report({ status: 'unauthorized' });
      return;
    }
    const botId = await resolveBotId();
    if (botId === null) {
      log.warn({ event: type }, 'a Bitrix24 bot event arrived but no bot is registered');
      res.status(503).json({ error: 'no bot registered' });
      report({ status: 'no_bot' });
      return;
    }
    const raw = { type: body.event, data: body.data, ts: body.ts };
    const checked = checkBitrixChatEvent(raw, botId, 'webhook');
    if (!checked.ok) {
      if (checked.ignore) {
        res.status(200).json({ result: 'ignored' });
        report({ status: 'ignored', type: type ?? '?' });
      } else if (checked.reason === 'bad_event') {
        res.status(400).json({ error: 'expected event, data and ts' });
        report({ status: 'malformed' });
      } else {
        const refused = refusedEvent(raw, checked.reason);
        log.warn({ botId, ...refused }, 'bitrix24 chat event refused');
        res.status(200).json({ result: 'refused' });
        report({ status: 'refused', refused });
        await answerRefusal(raw, checked.reason, options.onRefused, log);
      }
      return;
    }
    const { event } = checked;
    res.status(200).json({ result: 'accepted' });
    const work = handleBitrixChatEventOnce(event, options.handle, botId, {
      redis: options.redis, keyPrefix: options.keyPrefix, log,
      // The portal does not retry: the first failure is the last.
      maxAttempts: 1,
      ...(options.onGiveUp ? { onGiveUp: options.onGiveUp } : {}),
      ...(options.markerTtlSeconds !== undefined ? { markerTtlSeconds: options.markerTtlSeconds } : {}),
    }).then(
      (outcome) => {
        if (outcome.status === 'duplicate') log.info({ botId, eventKey: event.eventKey, kind: event.kind }, 'bitrix24 chat event delivered again: skipped');
        report(outcome.status === 'failed' || outcome.status === 'abandoned'
          ? { status: 'failed', kind: event.kind, eventKey: event.eventKey, error: outcome.error }
          : { status: outcome.status, kind: event.kind, eventKey: event.eventKey });
      },
      // The marker store failed (Redis down): the event is lost, the process lives on.
      (error: unknown) => {
        log.error({ botId, eventKey: event.eventKey, kind: event.kind, err: error }, 'could not handle a Bitrix24 bot event');
        report({ status: 'failed', kind: event.kind, eventKey: event.eventKey, error });
      },
    );
    inFlight.add(work);
    void work.finally(() => inFlight.delete(work));
  });

  return {
    path,
    async settled() {
      while (inFlight.size > 0) await Promise.all([...inFlight]);
    },
  };
}
