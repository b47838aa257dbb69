/**
 * A local Bitrix24 portal for tests, benchmarks and `npm run demo`: plain HTTP on 127.0.0.1, the real REST wire
 * format (envelope, errors, paging, batch), an in-memory CRM, a leaky-bucket rate limit, fault injection, a call
 * log and outgoing CRM events.
 *
 *   const portal = await startBitrixSandbox({ seed: 'demo', now: new Date('2026-03-02T09:00:00+03:00') });
 *   portal.webhookUrl  // http://127.0.0.1:PORT/rest/1/<code>/
 */
import { randomBytes } from 'node:crypto';
import type { SandboxLogger as Logger } from '../log.js';
import { silentLogger } from '../log.js';
import { createClock, type SandboxClock } from './clock.js';
import { EventSender, type SentEvent } from './events.js';
import { SandboxFaults } from './faults.js';
import { PortalTime } from './portal-time.js';
import { LeakyBucket, type RateLimitOptions } from './rate-limit.js';
import { populateGenerated, seedDemo, seedOrganisation } from './seed.js';
import { type CallLogEntry, SandboxHttpServer } from './server.js';
import { BitrixStore } from './store.js';

export { createClock, type SandboxClock } from './clock.js';
export { DEMO } from './demo-ids.js';
export type { SentEvent } from './events.js';
export { type FailureRates, type InjectedError, SandboxFaults, type TimeoutMode } from './faults.js';
export type { CrmValue, MultiFieldValue, Row } from './fields.js';
export { buildPhpQuery, parsePhpQuery } from './php-query.js';
export { PortalTime } from './portal-time.js';
export type { RateLimitOptions } from './rate-limit.js';
export { type GeneratePortalOptions, generatePortal, seedDemo, seedOrganisation } from './seed.js';
export type { CallLogEntry } from './server.js';
export type {
  CategoryDef, CrmEventName, CrmFieldsInput, Presence, ProductRow, SandboxDepartment, SandboxNotification, SandboxTask,
  SandboxUser, StageDef, StageSemantics, TimelineComment, TimemanStatus, WriteOptions,
} from './store.js';
export { BitrixStore } from './store.js';

export type SeedOption = 'demo' | 'empty' | { deals: number; leads?: number; seed?: number };

export interface BitrixSandboxOptions {
  port?: number;
  host?: string;
  /** The webhook's user id (default 1). */
  userId?: number;
  /** The webhook code (default: 16 random characters). */
  code?: string;
  /**
   * 'demo' (default); 'empty': the demo organisation (departments, users, statuses, pipelines) without leads,
   * deals or contacts; or `{deals, leads?, seed?}`: a generated benchmark portal.
   */
  seed?: SeedOption;
  /** A prepared store (e.g. from generatePortal); `seed`, `timezone` and `now` are then ignored. */
  store?: BitrixStore;
  rateLimit?: RateLimitOptions;
  /** Portal time zone (default Europe/Moscow). */
  timezone?: string;
  /** Start the portal clock at this instant, frozen (tests). Without it the clock follows real time. */
  now?: Date;
  /** Start the portal clock at this instant and let it run (the demo's "next working morning"); the seed is made then. */
  startAt?: Date;
  /** Seed of the fault-injection PRNG. */
  faultSeed?: number;
  log?: Logger;
}

export interface BitrixSandbox {
  /** http://127.0.0.1:PORT */
  readonly origin: string;
  /** `${origin}/rest/<userId>/<code>/` */
  readonly webhookUrl: string;
  readonly userId: number;
  readonly code: string;
  readonly store: BitrixStore;
  readonly clock: SandboxClock;
  readonly faults: SandboxFaults;
  /** Every HTTP request (viaBatch false) and every batch sub-command (viaBatch true), oldest first. */
  readonly callLog: readonly CallLogEntry[];
  /** HTTP requests to /rest/ (a batch counts once). */
  requestCount(): number;
  /** Calls of methods ending in .add/.update/.delete/.set, batch sub-commands included, whatever their outcome. */
  writeCalls(): number;
  resetLog(): void;
  /** Change the leaky bucket at run time (e.g. disable it for one test). */
  setRateLimit(options: RateLimitOptions): void;
  /**
   * Post CRM events (ONCRMLEADADD, ONCRMLEADUPDATE, ONCRMDEALADD, ONCRMDEALUPDATE, ONCRMCONTACTADD,
   * ONCRMCONTACTUPDATE) to this URL, form-encoded like Bitrix24, with this application token. null stops them.
   */
  setEventHandler(url: string | null, applicationToken?: string): void;
  /** Events posted so far. */
  readonly sentEvents: readonly SentEvent[];
  /** Resolves when every event posted so far has been delivered or has failed. */
  flushEvents(): Promise<void>;
  close(): Promise<void>;
}

function randomCode(): string {
  const alphabet = 'abcdefghijklmnopqrstuvwxyz0123456789';
  return [...randomBytes(16)].map((b) => alphabet[b % alphabet.length]).join('');
}

export async function startBitrixSandbox(options: BitrixSandboxOptions = {}): Promise<BitrixSandbox> {
  const log = options.log ?? silentLogger();
  const userId = options.userId ?? 1;
  const code = options.code ?? randomCode();
  const host = options.host ?? '127.0.0.1';
  let store = options.store;
  if (!store) {
    const clock = options.now ? createClock(options.now) : createClock(options.startAt, false);
    store = new BitrixStore({ time: new PortalTime(options.timezone ?? 'Europe/Moscow'), clock });
    const seed = options.seed ?? 'demo';
    if (seed === 'demo') seedDemo(store);
    else if (seed === 'empty') seedOrganisation(store);
    else populateGenerated(store, seed);
  }
  store.defaultUserId = userId;
  const clock = store.clock;
  const faults = new SandboxFaults(options.faultSeed ?? 1);
  const bucket = new LeakyBucket(options.rateLimit);
  const portalStore = store;

  let events: EventSender | undefined;
  const server = new SandboxHttpServer({
    store, time: store.time, clock, faults, bucket, userId, code, log,
    control: (route, verb, body, query) => {
      const input = (body && typeof body === 'object' ? body : {}) as Record<string, unknown>;
      if (route === 'leads' && verb === 'POST') return { id: portalStore.addLead(input) };
      if (route === 'clock' && verb === 'POST') {
        if (input.set !== undefined) clock.set(String(input.set));
        if (input.advanceMs !== undefined) clock.advance(Number(input.advanceMs));
        return { now: clock.now().toISOString() };
      }
      if (route === 'notifications' && verb === 'GET') {
        const user = query.get('userId');
        return { notifications: portalStore.listNotifications(user === null ? undefined : Number(user)) };
      }
      if (route === 'events' && verb === 'GET') return { events: events?.sent ?? [] };
      return undefined;
    },
  });
  const address = await server.listen(options.port ?? 0, host);
  const origin = `http://${host}:${address.port}`;
  events = new EventSender({
    domain: `${host}:${address.port}`, clientEndpoint: `${origin}/rest/`,
    memberId: randomBytes(16).toString('hex'),
  }, clock, log);
  const sender = events;
  const unsubscribe = store.onEvent((event, id) => sender.send(event, id));

  return {
    origin,
    webhookUrl: `${origin}/rest/${userId}/${code}/`,
    userId,
    code,
    store,
    clock,
    faults,
    get callLog() {
      return server.callLog;
    },
    requestCount: () => server.requestCount(),
    writeCalls: () => server.writeCalls(),
    resetLog: () => server.resetLog(),
    setRateLimit: (rate) => {
      bucket.configure(rate);
      bucket.reset();
    },
    setEventHandler: (url, applicationToken = '') => sender.setHandler(url, applicationToken),
    get sentEvents() {
      return sender.sent;
    },
    flushEvents: () => sender.flush(),
    close: async () => {
      unsubscribe();
      await sender.flush();
      await server.close();
    },
  };
}
