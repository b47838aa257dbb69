import express, { type Express } from 'express';
import type { Bitrix24Event } from '../crm/events.js';
import type { Logger } from '../infra/log.js';
import { constantTimeEquals } from '../infra/secrets.js';

export const B24_EVENTS_PATH = '/b24/events';


/**
 * Receives Bitrix24 outgoing-webhook events (form-encoded, `auth[application_token]` checked in constant time).
 * Bitrix24 never retries and deprioritises slow handlers, so the answer is 200 at once and the work goes to a
 * job; a scheduled scan covers events that never arrive.
 */
export function mountBitrix24Events(app: Express, options: {
  applicationToken: string | undefined;
  log: Logger;
  accept: (event: Bitrix24Event) => Promise<void>;
}): void {
  app.post(B24_EVENTS_PATH, express.urlencoded({ extended: true, limit: '256kb' }), express.json({ limit: '256kb' }), (req, res) => {
    const body = (req.body ?? {}) as { event?: unknown; data?: { FIELDS?: { ID?: unknown } }; auth?: { application_token?: unknown }; ts?: unknown };
    const token = typeof body.auth?.application_token === 'string' ? body.auth.application_token : '';
    if (!options.applicationToken || !constantTimeEquals(token, options.applicationToken)) {
      options.log.warn({ event: typeof body.event === 'string' ? body.event : undefined }, 'refused a Bitrix24 event with a wrong application token');
      res.status(401).json({ error: 'unauthorized' });
      return;
    }
    const entityId = Number(body.data?.FIELDS?.ID);
    if (typeof body.event !== 'string' || !Number.isInteger(entityId) || entityId <= 0) {
      res.status(400).json({ error: 'expected event and data[FIELDS][ID]' });
      return;
    }
    const event: Bitrix24Event = { event: body.event.toUpperCase(), entityId, ts: Number(body.ts) || null };
    res.status(200).json({ ok: true });
    options.accept(event).catch((error: unknown) => options.log.error({ err: error, event: event.event }, 'could not queue a Bitrix24 event'));
  });
}
