import { describe, expect, it } from 'vitest';
import { resolveTimezone, timezoneLabel } from '../../src/identity/timezone.js';
import { deliveryWindowFor, heldReason } from '../../src/outbox/window.js';
import { nextDeliveryTime } from '../../src/rules/time/index.js';
import { testSettings } from '../outbox/support.js';

const base = { departmentChains: [] as number[][], departmentTimezones: {}, fallback: 'Europe/Moscow' };

describe('a person\'s time zone', () => {
  it('their own choice, then the Bitrix24 profile, then the nearest department up the chain, then the bot\'s', () => {
    const departments = { departmentChains: [[7, 4, 1]], departmentTimezones: { 4: 'Asia/Novosibirsk', 1: 'Europe/Moscow' } };
    expect(resolveTimezone({ ...base, ...departments, chosen: 'Europe/Samara', profile: 'Asia/Yekaterinburg' }))
      .toEqual({ zone: 'Europe/Samara', source: 'settings' });
    expect(resolveTimezone({ ...base, ...departments, profile: 'Asia/Yekaterinburg' })).toEqual({ zone: 'Asia/Yekaterinburg', source: 'profile' });
    expect(resolveTimezone({ ...base, ...departments })).toEqual({ zone: 'Asia/Novosibirsk', source: 'department' });
    expect(resolveTimezone(base)).toEqual({ zone: 'Europe/Moscow', source: 'default' });
  });

  it('skips names the runtime does not know (legacy or empty profile values)', () => {
    expect(resolveTimezone({ ...base, chosen: 'Mars/Olympus', profile: '' })).toEqual({ zone: 'Europe/Moscow', source: 'default' });
    expect(resolveTimezone({ ...base, profile: 'Europe/Kyyiv', departmentChains: [[3]], departmentTimezones: { 3: 'Asia/Omsk' } }))
      .toEqual({ zone: 'Asia/Omsk', source: 'department' });
  });

  it('labels a zone with its offset at that moment', () => {
    expect(timezoneLabel('Asia/Yekaterinburg', 'ru')).toBe('Екатеринбург (UTC+5)');
    expect(timezoneLabel('Europe/Berlin', 'en', new Date('2027-07-01T12:00:00Z'))).toBe('Europe/Berlin (UTC+2)');
    expect(timezoneLabel('Europe/Berlin', 'en', new Date('2027-01-01T12:00:00Z'))).toBe('Europe/Berlin (UTC+1)');
  });
});

describe('quiet hours and days off in the recipient\'s zone (the bot runs in Moscow)', () => {
  const settings = testSettings({ timezone: 'Europe/Moscow', workingHours: { start: '09:00', end: '18:00', days: [1, 2, 3, 4, 5], quietStart: '20:00', quietEnd: '09:00', holidays: [] } });
  const prefs = { locale: 'ru' as const, weekendsOff: true, channel: 'telegram' as const };
  const next = (at: string, zone?: string) => nextDeliveryTime(new Date(at), deliveryWindowFor(prefs, settings, zone)).toISOString();

  it('a +4 h zone (Samara, one hour ahead of Moscow): 05:30 Moscow waits until 09:00 Samara = 08:00 Moscow; 08:30 Moscow goes', () => {
    // Tuesday 2027-03-02.
    expect(next('2027-03-02T02:30:00Z', 'Europe/Samara')).toBe('2027-03-02T05:00:00.000Z'); // 09:00 +04:00
    expect(next('2027-03-02T02:30:00Z')).toBe('2027-03-02T06:00:00.000Z'); // the bot's zone: 09:00 +03:00
    expect(next('2027-03-02T05:30:00Z', 'Europe/Samara')).toBe('2027-03-02T05:30:00.000Z');
    expect(next('2027-03-02T05:30:00Z')).toBe('2027-03-02T06:00:00.000Z');
  });

  it('across a DST change (Berlin, last Sunday of March 2027): 09:00 local is 08:00 UTC before and 07:00 UTC after', () => {
    expect(next('2027-03-26T06:30:00Z', 'Europe/Berlin')).toBe('2027-03-26T08:00:00.000Z'); // Friday, CET
    // Saturday evening → the weekend is off → Monday 09:00 CEST.
    expect(next('2027-03-27T19:30:00Z', 'Europe/Berlin')).toBe('2027-03-29T07:00:00.000Z');
    expect(next('2027-03-29T06:30:00Z', 'Europe/Berlin')).toBe('2027-03-29T07:00:00.000Z');
    expect(next('2027-03-29T07:30:00Z', 'Europe/Berlin')).toBe('2027-03-29T07:30:00.000Z');
  });

  it('says why a message waits: quiet hours on a working day, a day off otherwise', () => {
    const window = deliveryWindowFor(prefs, settings, 'Europe/Berlin');
    expect(heldReason(new Date('2027-03-29T05:00:00Z'), window)).toBe('quiet_hours');
    expect(heldReason(new Date('2027-03-27T19:30:00Z'), window)).toBe('day_off');
  });
});

describe('the outbox holds each message for its recipient\'s own morning', () => {
  it('05:30 in Moscow: the Samara recipient gets it at 09:00 Samara (08:00 Moscow), the Moscow one at 09:00 Moscow', async () => {
    const { createHarness, intent } = await import('../outbox/support.js');
    const held: Array<{ recipient: number; until: string; timezone: string; reason: string }> = [];
    const zones: Record<number, string> = { 7001: 'Europe/Samara', 7002: 'Europe/Moscow' };
    const harness = await createHarness({
      clock: () => new Date('2027-03-02T02:30:00Z'),
      settings: { timezone: 'Europe/Moscow', workingHours: { start: '09:00', end: '18:00', days: [1, 2, 3, 4, 5], quietStart: '20:00', quietEnd: '09:00', holidays: [] } },
      extra: {
        timezoneOf: async (recipient) => zones[recipient] ?? 'Europe/Moscow',
        onHeld: (h) => held.push({ recipient: h.recipient, until: h.until.toISOString(), timezone: h.timezone, reason: h.reason }),
      },
    });
    try {
      await harness.addLinkedUsers(2, 7001);
      for (const recipient of [7001, 7002]) await harness.identity.setPreferences(recipient, { weekendsOff: true });
      await harness.outbox.enqueueMany([intent(7001, 1), intent(7002, 2)]);
      expect(held.sort((a, b) => a.recipient - b.recipient)).toEqual([
        { recipient: 7001, until: '2027-03-02T05:00:00.000Z', timezone: 'Europe/Samara', reason: 'quiet_hours' },
        { recipient: 7002, until: '2027-03-02T06:00:00.000Z', timezone: 'Europe/Moscow', reason: 'quiet_hours' },
      ]);
      const delayed = await harness.outbox.queue.getDelayed();
      expect(delayed.map((j) => j.data.recipient).sort()).toEqual([7001, 7002]);
    } finally {
      await harness.close();
    }
  });
});
