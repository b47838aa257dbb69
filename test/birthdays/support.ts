import { type BirthdaysCapability, createBirthdaysCapability } from '../../src/capabilities/birthdays/index.js';
import { type SandboxEnvironment, startSandboxEnvironment } from '../../src/demo/environment.js';
import { silentLogger } from '../../src/infra/log.js';
import { toIso } from '../../src/rules/time/calendar-date.js';
import { dateFieldToCalendarDate } from '../../src/rules/time/index.js';
import { waitFor } from '../support/eventually.js';
import { testRedisUrl, uniquePrefix } from '../support/redis.js';

export const PORTAL_URL = 'http://portal.test';

/** `startAt` seeds the portal at that instant: the demo contacts' birthdays are relative to it ("in 28 days"). */
export async function startEnv(label: string, startAt?: Date): Promise<SandboxEnvironment> {
  return startSandboxEnvironment({
    redisUrl: testRedisUrl(), redisPrefix: uniquePrefix(label), telegramLimits: { perChatIntervalMs: 0 }, ...(startAt ? { startAt } : {}),
    // The tests run each step themselves: a cron tick scanning the demo company would queue nudges for the same
    // manager (folded into a digest with the message a test waits for; seen once in a loaded full run).
    scheduleQueues: () => false,
  });
}

/** A second instance of the capability over the running app's parts, with its own clock (the app's runs on real time). */
export function capabilityAt(env: SandboxEnvironment, clock: () => Date): BirthdaysCapability {
  return createBirthdaysCapability({
    config: env.config, log: silentLogger(), redis: env.app.redis, prefix: env.config.env.REDIS_PREFIX, crm: env.app.crm,
    directory: env.app.directory, store: env.app.store, outbox: env.app.outbox, clock, portalUrl: PORTAL_URL,
    async enqueue(queue, name, data, options) {
      await env.app.jobs.add(queue, name, data, options);
    },
  });
}

/** Links a demo person's Telegram account and opens their delivery window round the clock. */
export async function linkManager(env: SandboxEnvironment, b24UserId: number): Promise<number> {
  const tg = env.telegramUserFor(b24UserId);
  await env.app.store.link(b24UserId, tg, String(tg));
  await env.app.store.setPreferences(b24UserId, { quietStart: '00:00', quietEnd: '00:00', weekendsOff: false });
  return tg;
}

/** The contact's birthday fields as the portal holds them: date as YYYY-MM-DD (or null) and the text. */
export function birthdayFieldsOf(env: SandboxEnvironment, contactId: number): { date: string | null; text: string } {
  const row = env.bitrix.store.getContact(contactId);
  if (!row) throw new Error(`contact ${contactId} not found`);
  const date = dateFieldToCalendarDate(String(row.UF_CRM_CHILD_BIRTHDAY ?? ''), 'Europe/Moscow');
  return { date: date ? toIso(date) : null, text: String(row.UF_CRM_CHILD_BIRTHDAY_TEXT ?? '') };
}

export function dealsOfContact(env: SandboxEnvironment, contactId: number, categoryId: number) {
  return env.bitrix.store.listDeals().filter((d) => Number(d.CONTACT_ID) === contactId && Number(d.CATEGORY_ID) === categoryId);
}

/** Polls until `probe` returns a value (integration steps that finish in a worker). */
export function eventually<T>(probe: () => T | undefined | Promise<T | undefined>, timeoutMs = 10_000): Promise<T> {
  return waitFor(probe, 'the condition', timeoutMs, 50);
}
