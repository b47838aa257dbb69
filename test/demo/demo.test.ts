import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Demo, demoStartAt, parseClockStep, parseDemoAt, startDemo } from '../../src/demo.js';
import { waitFor } from '../support/eventually.js';
import { testRedisUrl, uniquePrefix } from '../support/redis.js';

const TZ = 'Europe/Moscow';
const HOURS = { start: '09:00', end: '18:00', days: [1, 2, 3, 4, 5], holidays: ['2027-01-01'] };
const msk = (local: string) => new Date(`${local}+03:00`);
const MANAGER = 10;

describe('demo time', () => {
  it('keeps the real time inside working hours, else starts at the next working morning', () => {
    expect(demoStartAt(msk('2026-12-07T12:00:00'), HOURS, TZ)).toEqual(msk('2026-12-07T12:00:00'));
    expect(demoStartAt(msk('2026-12-04T20:30:00'), HOURS, TZ)).toEqual(msk('2026-12-07T10:00:00')); // Friday evening → Monday
    expect(demoStartAt(msk('2026-12-07T07:15:00'), HOURS, TZ)).toEqual(msk('2026-12-07T10:00:00')); // before opening → today
    expect(demoStartAt(msk('2026-12-07T17:30:00'), HOURS, TZ)).toEqual(msk('2026-12-08T10:00:00')); // less than an hour left
    expect(demoStartAt(msk('2026-12-31T19:00:00'), HOURS, TZ)).toEqual(msk('2027-01-04T10:00:00')); // holiday, then the weekend
  });

  it('parses --at and :clock steps, refusing nonsense', () => {
    expect(parseDemoAt('2026-12-07 10:00', TZ)).toEqual(msk('2026-12-07T10:00:00'));
    expect(parseDemoAt('2026-02-30 10:00', TZ)).toBeNull();
    expect(parseDemoAt('tomorrow', TZ)).toBeNull();
    expect(parseClockStep('+3d')).toBe(3 * 86_400_000);
    expect(parseClockStep(' +2h')).toBe(7_200_000);
    expect(parseClockStep('+30m')).toBe(1_800_000);
    expect(parseClockStep('-1d')).toBeNull();
    expect(parseClockStep('+1y')).toBeNull();
  });
});

describe('the demo started on a Friday evening (20:30 Moscow)', () => {
  let demo: Demo;
  const out: string[] = [];
  beforeAll(async () => {
    demo = await startDemo({
      now: msk('2026-12-04T20:30:00'), httpPort: 0, redisUrl: testRedisUrl(), redisPrefix: uniquePrefix('demo'), write: (t) => out.push(t),
    });
  });
  afterAll(() => demo?.stop());

  it('starts its clock on the next working morning and says so', () => {
    expect(demo.env.bitrix.clock.now().getTime()).toBeGreaterThanOrEqual(msk('2026-12-07T10:00:00').getTime());
    expect(out.join('')).toContain('starts on the next working morning');
  });

  it('/start and :contact are enough to see a nudge with buttons within a minute', async () => {
    const tg = demo.env.telegramUserFor(MANAGER);
    await demo.handle('/start');
    await demo.handle(':contact');
    const nudge = await waitFor(() => demo.env.telegram.transcript(tg).find((e) => e.direction === 'bot'
      && /стоит на месте|оплат|Уведомлений|согласован/i.test(e.text)
      && JSON.stringify(e.replyMarkup ?? {}).includes('callback_data')), 'a nudge with buttons', 60_000);
    expect(nudge.text).toMatch(/#\d+/);
    expect(out.join('')).toMatch(/Deal scan: \d+ nudges/);
  }, 90_000);

  it('prints a deal desk link at start and :app prints one for the current person that signs them in', async () => {
    expect(out.join('')).toMatch(/Deal desk as .+: http:\/\/127\.0\.0\.1:\d+\/desk\/#link=[A-Za-z0-9_-]{43}/);
    const before = out.length;
    await demo.handle(':app');
    // Linked by now (:contact above): the link is what Telegram would open, with signed launch data.
    const link = /(http:\/\/\S+)/.exec(out.slice(before).join(''))![1]!;
    expect(link).toContain('#tgWebAppData=');
    const initData = new URLSearchParams(new URL(link).hash.slice(1)).get('tgWebAppData')!;
    const signIn = await fetch(new URL('api/session', link.split('#')[0]), { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ telegramInitData: initData }) });
    expect(await signIn.json()).toMatchObject({ role: "manager" });
  });

  it(':lead shows where the lead went: the rule, the manager, and why the others were skipped', async () => {
    await demo.handle(':lead Нужен трансформатор 400 кВА');
    const text = out.join('');
    expect(text).toContain('rule "energy-keywords"');
    expect(text).toMatch(/✓ .+ — chosen/);
  });

  it(':clock +16d moves the bot and the portal together and the scans escalate', async () => {
    const before = demo.env.bitrix.clock.now().getTime();
    await demo.handle(':clock +16d');
    expect(demo.env.bitrix.clock.now().getTime() - before).toBeGreaterThanOrEqual(16 * 86_400_000);
    const summary = out.join('').split('Scans done:').at(-1)!;
    expect(Number(/(\d+) escalations/.exec(summary)?.[1])).toBeGreaterThan(0);
  }, 60_000);
});

describe('the demo started at 20:30 on purpose (--at)', () => {
  let demo: Demo;
  const out: string[] = [];
  beforeAll(async () => {
    demo = await startDemo({
      at: msk('2026-12-04T20:30:00'), httpPort: 0, redisUrl: testRedisUrl(), redisPrefix: uniquePrefix('demoq'), write: (t) => out.push(t),
    });
  });
  afterAll(() => demo?.stop());

  it('announces every message it holds back: for whom, until when, why', async () => {
    await demo.handle('/start');
    await demo.handle(':contact');
    const line = await waitFor(() => out.join('').split('\n').find((l) => l.includes('⏸  held:')), 'a held line', 30_000);
    expect(line).toMatch(/until .*(09:00).*their (quiet hours|day off)/);
  }, 60_000);

  it('moving the clock past the window delivers what was held', async () => {
    const tg = demo.env.telegramUserFor(MANAGER);
    const before = demo.env.telegram.transcript(tg).filter((e) => e.direction === 'bot').length;
    // Friday 20:30 → Monday 10:30: the weekend and the quiet hours are over.
    await demo.handle(':clock +62h');
    expect(out.join('')).toMatch(/\d+ waiting messages checked again/);
    await waitFor(() => (demo.env.telegram.transcript(tg).filter((e) => e.direction === 'bot'
      && JSON.stringify(e.replyMarkup ?? {}).includes('callback_data')).length > 0
      && demo.env.telegram.transcript(tg).filter((e) => e.direction === 'bot').length > before ? true : undefined), 'the held nudges', 30_000);
  }, 60_000);
});
