import { describe, expect, it } from 'vitest';
import { BIRTHDAYS_QUEUE, createBirthdaysCapability } from '../../src/capabilities/birthdays/index.js';
import { birthdayTexts, formatDay } from '../../src/capabilities/birthdays/texts.js';
import type { CapabilityDeps } from '../../src/capabilities/capability.js';
import { type Config, loadConfig } from '../../src/config/load.js';
import { silentLogger } from '../../src/infra/log.js';

function config(patch: (rules: Config['rules']) => void): Config {
  const base = loadConfig({ BOT_CONFIG: 'config/rules.example.yaml' });
  const copy = structuredClone(base);
  patch(copy.rules);
  return copy;
}

/** Deps whose I/O fails loudly: these tests must not reach the CRM, Redis or the outbox. */
function depsWith(cfg: Config, enqueued: unknown[] = []): CapabilityDeps {
  const unreachable = new Proxy({}, { get: (_t, name) => { throw new Error(`unexpected use of ${String(name)}`); } });
  return {
    config: cfg, log: silentLogger(), redis: unreachable as never, prefix: 't', crm: unreachable as never,
    directory: unreachable as never, store: unreachable as never, outbox: unreachable as never,
    clock: () => new Date('2026-12-08T06:00:00+03:00'), portalUrl: 'https://portal.test',
    async enqueue(queue, name, data, options) {
      enqueued.push({ queue, name, data, options });
    },
  };
}

describe('birthdays capability wiring', () => {
  it('schedules the normalisation scan and the reminders on birthdayScan and has an event-driven job', () => {
    const capability = createBirthdaysCapability(depsWith(config(() => undefined)));
    expect(capability.enabled).toBe(true);
    expect(capability.jobs.map((j) => [j.queue, j.name, j.schedule])).toEqual([
      [BIRTHDAYS_QUEUE, 'normalise-scan', '0 6 * * *'],
      [BIRTHDAYS_QUEUE, 'reminders', '0 6 * * *'],
      [BIRTHDAYS_QUEUE, 'normalise-one', undefined],
    ]);
  });

  it('queues one normalisation per contact update event and ignores events of the other entity', async () => {
    const enqueued: Array<{ name: string; data: unknown; options: { deduplication?: { id: string } } }> = [];
    const capability = createBirthdaysCapability(depsWith(config(() => undefined), enqueued));
    await capability.onBitrixEvent!({ event: 'ONCRMCONTACTUPDATE', entityId: 9, ts: null });
    await capability.onBitrixEvent!({ event: 'ONCRMDEALUPDATE', entityId: 10, ts: null });
    await capability.onBitrixEvent!({ event: 'ONCRMLEADADD', entityId: 11, ts: null });
    expect(enqueued).toHaveLength(1);
    expect(enqueued[0]).toMatchObject({ name: 'normalise-one', data: { entity: 'contact', id: 9 } });
    expect(enqueued[0]!.options.deduplication?.id).toBe('bday-normalise-contact-9');
  });

  it('listens to deal events when the fields live on the deal', async () => {
    const enqueued: unknown[] = [];
    const capability = createBirthdaysCapability(depsWith(config((r) => { r.birthdays.entity = 'deal'; }), enqueued));
    await capability.onBitrixEvent!({ event: 'ONCRMCONTACTUPDATE', entityId: 9, ts: null });
    await capability.onBitrixEvent!({ event: 'ONCRMDEALUPDATE', entityId: 10, ts: null });
    expect(enqueued).toEqual([expect.objectContaining({ data: { entity: 'deal', id: 10 } })]);
  });

  it('does nothing at all when switched off in the rules file', async () => {
    const enqueued: unknown[] = [];
    const capability = createBirthdaysCapability(depsWith(config((r) => { r.birthdays.enabled = false; }), enqueued));
    expect(capability.jobs).toEqual([]);
    await capability.onBitrixEvent!({ event: 'ONCRMCONTACTUPDATE', entityId: 9, ts: null });
    expect(enqueued).toEqual([]);
    expect(await capability.runReminders()).toMatchObject({ due: 0, created: 0 });
    expect(await capability.runNormalisationScan()).toMatchObject({ scanned: 0 });
    expect(await capability.normaliseRecord('contact', 9)).toBe('none');
  });
});

describe('birthday texts', () => {
  it('formats days in both languages, without a year when it is unknown', () => {
    expect(formatDay({ year: 2027, month: 1, day: 5 }, 'ru')).toBe('5 января 2027');
    expect(formatDay({ month: 2, day: 28 }, 'en')).toBe('28 February');
  });

  it('declines the age in Russian', () => {
    const age = (n: number) => birthdayTexts.ru.partyDealComment('1 мая', n);
    expect(age(1)).toContain('исполнится 1 год');
    expect(age(3)).toContain('исполнится 3 года');
    expect(age(5)).toContain('исполнится 5 лет');
    expect(age(11)).toContain('исполнится 11 лет');
    expect(age(12)).toContain('исполнится 12 лет');
    expect(age(21)).toContain('исполнится 21 год');
    expect(birthdayTexts.en.partyDealComment('1 May', 3)).toContain('turning 3');
  });

  it('leaves the age out when the birth year is unknown', () => {
    expect(birthdayTexts.ru.partyDealComment('1 мая', undefined)).toBe('День рождения ребёнка 1 мая.');
    expect(birthdayTexts.ru.reminder({ who: 'Анна', day: '1 мая', age: undefined, leadDays: 28, dealTitle: 'X' })).not.toContain('исполнится');
  });
});
