import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { overdueNudgesKey } from '../../src/capabilities/reports/index.js';
import { type SandboxEnvironment, startSandboxEnvironment } from '../../src/demo/environment.js';
import { type ManagerReportRow, parseReportArgs, type Report } from '../../src/rules/report/index.js';
import { testRedisUrl, uniquePrefix } from '../support/redis.js';

/*
 * A small sales org added to the demo portal, with a day of activity written by hand far from the demo data
 * (Tuesday 04.03.2031, Moscow time), and the expected figures computed by hand below.
 *
 *   "Отдел тестовых продаж" (head A) ─┬─ M3
 *                                      └─ "Команда Б" (head B) ── M1, M2
 */
const A = 501;
const B = 502;
const M1 = 503;
const M2 = 504;
const M3 = 505;
const ADMIN = 1; // rules.example.yaml: admins: [1]
const DAY = '04.03.2031';
const at = (hhmm: string, day = '2031-03-04'): string => `${day}T${hhmm}:00+03:00`;

interface Money { count: number; sum: Record<string, number> }
const cell = (count: number, sum: Record<string, number> = {}): Money => ({ count, sum });

describe('/report on a hand-seeded portal', () => {
  let env: SandboxEnvironment;
  const deal: Record<string, number> = {};

  beforeAll(async () => {
    const prefix = uniquePrefix('rep');
    env = await startSandboxEnvironment({
      redisUrl: testRedisUrl(), redisPrefix: prefix, telegramLimits: { perChatIntervalMs: 0 },
      bitrixRateLimit: { enabled: false }, people: [],
      // The app's own request budget would pace these tests at the real 2 req/s after its burst.
      extraEnv: { B24_RATE_PER_SECOND: '100', B24_RATE_BURST: '500' },
    });
    const store = env.bitrix.store;
    const clock = env.bitrix.clock;
    store.addDepartment({ ID: 51, NAME: 'Отдел тестовых продаж', PARENT: 1, UF_HEAD: A, SORT: 500 });
    store.addDepartment({ ID: 52, NAME: 'Команда Б', PARENT: 51, UF_HEAD: B, SORT: 510 });
    const person = (ID: number, NAME: string, LAST_NAME: string, dept: number) =>
      store.addUser({ ID, NAME, LAST_NAME, ACTIVE: true, UF_DEPARTMENT: [dept], PERSONAL_MOBILE: `+7900555${ID}` });
    person(A, 'Анна', 'Главная', 51);
    person(B, 'Борис', 'Старший', 52);
    person(M1, 'Мария', 'Первая', 52);
    person(M2, 'Михаил', 'Второй', 52);
    person(M3, 'Матвей', 'Третий', 51);

    const write = { allowReadOnly: true, silent: true };
    const add = (when: string, fields: Record<string, unknown>): number => {
      clock.set(when);
      return store.addDeal(fields as never, { ...write, byUserId: Number(fields.ASSIGNED_BY_ID) });
    };
    const move = (id: number, when: string, stage: string, extra: Record<string, unknown> = {}): void => {
      clock.set(when);
      store.updateDeal(id, { STAGE_ID: stage, ...extra } as never, write);
    };
    // d1 M1 100 000 ₽: NEW (day before) → PREPARATION → UC_CONTRACT: forward.
    deal.d1 = add(at('10:00', '2031-03-03'), { ASSIGNED_BY_ID: M1, OPPORTUNITY: 100_000, CURRENCY_ID: 'RUB' });
    move(deal.d1, at('10:00'), 'PREPARATION');
    move(deal.d1, at('11:00'), 'UC_CONTRACT');
    // d2 M1 50 000 ₽: UC_CONTRACT (day before), then back and forth: PREPARATION → UC_CONTRACT → PREPARATION.
    deal.d2 = add(at('09:00', '2031-03-03'), { ASSIGNED_BY_ID: M1, OPPORTUNITY: 50_000, CURRENCY_ID: 'RUB' });
    move(deal.d2, at('12:00', '2031-03-03'), 'UC_CONTRACT');
    move(deal.d2, at('10:00'), 'PREPARATION');
    move(deal.d2, at('12:00'), 'UC_CONTRACT');
    move(deal.d2, at('14:00'), 'PREPARATION');
    // d3 M1 30 000 ₽: PREPARATION (day before) → LOSE with a rejection status.
    deal.d3 = add(at('09:30', '2031-03-03'), { ASSIGNED_BY_ID: M1, OPPORTUNITY: 30_000, CURRENCY_ID: 'RUB' });
    move(deal.d3, at('11:00', '2031-03-03'), 'PREPARATION');
    move(deal.d3, at('15:00'), 'LOSE', { UF_CRM_REJECT_STATUS: 'Дорого' });
    // d4 M2 200 000 ₽: created on the day, won the same day.
    deal.d4 = add(at('09:00'), { ASSIGNED_BY_ID: M2, OPPORTUNITY: 200_000, CURRENCY_ID: 'RUB' });
    move(deal.d4, at('16:00'), 'WON');
    // d5 M2 70 000 ₽: open, untouched on the day.
    deal.d5 = add(at('10:00', '2031-03-02'), { ASSIGNED_BY_ID: M2, OPPORTUNITY: 70_000, CURRENCY_ID: 'RUB' });
    move(deal.d5, at('11:00', '2031-03-02'), 'PREPARATION');
    // d6 M2 $1 000: lost without a status, then reopened to PREPARATION (not a forward move).
    deal.d6 = add(at('15:00', '2031-03-03'), { ASSIGNED_BY_ID: M2, OPPORTUNITY: 1_000, CURRENCY_ID: 'USD' });
    move(deal.d6, at('11:00'), 'LOSE');
    move(deal.d6, at('13:00'), 'PREPARATION');
    // d7 M3 40 000 ₽: won days before: not in the report.
    deal.d7 = add(at('10:00', '2031-02-27'), { ASSIGNED_BY_ID: M3, OPPORTUNITY: 40_000, CURRENCY_ID: 'RUB' });
    move(deal.d7, at('10:00', '2031-03-01'), 'WON');
    // d8 M3 60 000 ₽, "holidays" pipeline: C1:NEW (day before) → C1:PREPARATION.
    deal.d8 = add(at('12:00', '2031-03-03'), { ASSIGNED_BY_ID: M3, OPPORTUNITY: 60_000, CURRENCY_ID: 'RUB', CATEGORY_ID: 1, STAGE_ID: 'C1:NEW' });
    move(deal.d8, at('10:00'), 'C1:PREPARATION');

    const lead = (when: string, assigned: number, status?: string): void => {
      clock.set(when);
      const id = store.addLead({ TITLE: 'Лид', ASSIGNED_BY_ID: assigned, STATUS_ID: 'NEW' } as never, { ...write, byUserId: assigned });
      if (status) store.updateLead(id, { STATUS_ID: status } as never, write);
    };
    lead(at('09:30'), M1, 'CONVERTED');
    lead(at('10:30'), M1, 'IN_PROCESS');
    lead(at('18:00', '2031-03-03'), M2); // the day before: not counted
    lead(at('11:00'), M3);
    clock.set(at('18:00'));

    await env.app.redis.hset(overdueNudgesKey(prefix), String(M2), '2');
    env.app.directory.invalidate();
    await env.app.crm.getUsers({ refresh: true });
    await env.app.crm.getDepartments({ refresh: true });
  }, 60_000);
  afterAll(() => env?.stop());

  const dayArgs = () => {
    const args = parseReportArgs(`/report ${DAY}`, new Date(), 'Europe/Moscow');
    if ('error' in args) throw new Error(args.error);
    return args;
  };
  const rowOf = (report: Report, id: number): ManagerReportRow => {
    const row = report.managers.find((r) => r.userId === id);
    if (!row) throw new Error(`no row for ${id}`);
    return row;
  };
  const figures = (row: ManagerReportRow) => ({
    forward: row.forward, idle: row.idle, failed: { count: row.failed.count, sum: row.failed.sum },
    reasons: row.failed.topReasons, leadsNew: row.leadsNew, leadsConverted: row.leadsConverted, overdue: row.overdueNudges,
  });

  // Written by hand from the story above, independently of the implementation.
  const EXPECTED: Record<number, ReturnType<typeof figures>> = {
    [M1]: { forward: cell(2, { RUB: 150_000 }), idle: cell(0), failed: cell(1, { RUB: 30_000 }),
      reasons: [{ status: 'Дорого', count: 1 }], leadsNew: 2, leadsConverted: 1, overdue: 0 },
    [M2]: { forward: cell(1, { RUB: 200_000 }), idle: cell(2, { RUB: 70_000, USD: 1_000 }), failed: cell(1, { USD: 1_000 }),
      reasons: [{ status: '', count: 1, stage: { categoryId: 0, stageId: 'LOSE' } }], leadsNew: 0, leadsConverted: 0, overdue: 2 },
    [M3]: { forward: cell(1, { RUB: 60_000 }), idle: cell(0), failed: cell(0), reasons: [], leadsNew: 1, leadsConverted: 0, overdue: 0 },
  };

  it('gives the supervisor two levels up every figure of the whole chain below, stage passes included', async () => {
    const built = await env.app.capabilities.reports.buildFor(A, dayArgs());
    expect(built?.scope.role).toBe('supervisor');
    const report = built!.report;
    // The reader first, then by name: Борис Старший, Мария Первая, Матвей Третий, Михаил Второй.
    expect(report.managers.map((r) => r.userId)).toEqual([A, B, M1, M3, M2]);
    expect(report.others).toBeUndefined();
    for (const id of [M1, M2, M3]) expect(figures(rowOf(report, id))).toEqual(EXPECTED[id]);
    for (const id of [A, B]) expect(figures(rowOf(report, id))).toEqual({ forward: cell(0), idle: cell(0), failed: cell(0), reasons: [], leadsNew: 0, leadsConverted: 0, overdue: 0 });
    expect(figures(report.totals)).toEqual({
      forward: cell(4, { RUB: 410_000 }), idle: cell(2, { RUB: 70_000, USD: 1_000 }), failed: cell(2, { RUB: 30_000, USD: 1_000 }),
      reasons: [{ status: '', count: 1, stage: { categoryId: 0, stageId: 'LOSE' } }, { status: 'Дорого', count: 1 }], leadsNew: 3, leadsConverted: 1, overdue: 2,
    });
    const sales = report.categories.find((c) => c.categoryId === 0)!;
    expect({ deals: sales.deals, passes: sales.passes, forward: sales.forward, idle: sales.idle, failed: sales.failed.count }).toEqual({
      deals: 5, passes: 10, forward: cell(3, { RUB: 350_000 }), idle: cell(2, { RUB: 70_000, USD: 1_000 }), failed: 2,
    });
    expect(sales.stages.map((s) => [s.stageId, s.deals, s.passes])).toEqual([
      ['NEW', 1, 1], ['PREPARATION', 3, 4], ['UC_CONTRACT', 2, 2], ['WON', 1, 1], ['LOSE', 2, 2],
    ]);
    const holidays = report.categories.find((c) => c.categoryId === 1)!;
    expect({ deals: holidays.deals, passes: holidays.passes, forward: holidays.forward }).toEqual({ deals: 1, passes: 1, forward: cell(1, { RUB: 60_000 }) });
    expect(holidays.stages.map((s) => [s.stageId, s.deals, s.passes])).toEqual([['C1:PREPARATION', 1, 1]]);
    expect(report.categories).toHaveLength(2);
  });

  it('shows a manager only their own row, and only their deals in the pipeline section', async () => {
    const built = await env.app.capabilities.reports.buildFor(M1, dayArgs());
    expect(built?.scope).toEqual({ role: 'manager', managers: [M1] });
    const report = built!.report;
    expect(report.managers.map((r) => r.userId)).toEqual([M1]);
    expect(report.others).toBeUndefined();
    expect(figures(rowOf(report, M1))).toEqual(EXPECTED[M1]);
    const sales = report.categories.find((c) => c.categoryId === 0)!;
    expect(sales.stages.map((s) => [s.stageId, s.deals, s.passes])).toEqual([['PREPARATION', 2, 3], ['UC_CONTRACT', 2, 2], ['LOSE', 1, 1]]);
    expect(report.categories.map((c) => c.categoryId)).toEqual([0]);
  });

  it('shows the team head their team only, and an admin everyone', async () => {
    const team = (await env.app.capabilities.reports.buildFor(B, dayArgs()))!.report;
    expect(new Set(team.managers.map((r) => r.userId))).toEqual(new Set([B, M1, M2]));
    expect(figures(rowOf(team, M2))).toEqual(EXPECTED[M2]);

    const all = await env.app.capabilities.reports.buildFor(ADMIN, dayArgs());
    expect(all?.scope.role).toBe('admin');
    for (const id of [M1, M2, M3]) expect(figures(rowOf(all!.report, id))).toEqual(EXPECTED[id]);
    // Demo managers' open deals are theirs to see too.
    expect(all!.report.managers.some((r) => r.userId === 10)).toBe(true);
  });

  it('filters by pipeline', async () => {
    const args = parseReportArgs(`/report ${DAY} 1`, new Date(), 'Europe/Moscow');
    if ('error' in args) throw new Error(args.error);
    const report = (await env.app.capabilities.reports.buildFor(A, args))!.report;
    expect(report.categories.map((c) => c.categoryId)).toEqual([1]);
    expect(report.totals.forward).toEqual(cell(1, { RUB: 60_000 }));
    expect(report.totals.idle).toEqual(cell(0));
  });

  it('answers /report in Telegram with a monospace table and period buttons; a forged button cannot show others', async () => {
    const tg = 900_000 + M1;
    env.telegram.addUser({ id: tg, firstName: 'Мария', languageCode: 'ru' });
    await env.app.store.link(M1, tg, String(tg));
    env.telegram.sendCommand(tg, `/report ${DAY}`);
    const reply = await env.telegram.waitForMessage(tg, { textIncludes: `Отчёт за ${DAY}`, hasButton: 'Неделя' }, 10_000);
    expect(reply.text).toContain('Мария Первая');
    expect(reply.text).not.toContain('Михаил');
    expect(reply.text).toMatch(/150\s000/u);
    expect(reply.entities?.some((e) => e.type === 'pre')).toBe(true);

    // A button for a key the bot never issues (say, someone else's row) is refused as outdated.
    const forged = env.pressPayload(tg, reply.messageId!, '1|rp|u504');
    const refusal = await env.telegram.waitForCallbackAnswer(forged, 5_000);
    expect(refusal.text).toMatch(/устарел|outdated/i);
    // A genuine period key still shows only the presser's own row.
    const month = env.pressPayload(tg, reply.messageId!, '1|rp|month_c0');
    await env.telegram.waitForCallbackAnswer(month, 10_000);
    const after = await env.telegram.waitForMessage(tg, { textIncludes: 'Отчёт за', afterMessageId: reply.messageId! }, 10_000);
    expect(after.text).toContain('Мария Первая');
    expect(after.text).not.toContain('Михаил');
    expect(after.text).not.toContain('Матвей');
  });

  it('lists a deal lost without a rejection status as "без причины", never by a raw stage id', async () => {
    const [message] = await env.app.capabilities.reports.reportCommand(B, `/report ${DAY}`, 'ru');
    const text = message!.text.replace(/[\u00a0\u202f]/g, ' ');
    expect(text).toContain('1 × без причины');
    expect(text).not.toMatch(/× (C\d+:)?LOSE/);
  });

  it('with the open-deals index built: the same figures, and the portal\'s open deals are not listed', async () => {
    const reports = env.app.capabilities.reports;
    const without = (await reports.buildFor(A, dayArgs()))!.report;
    const built = await reports.openDealsIndex.refresh({ full: true });
    expect(built.full).toBe(true);
    env.bitrix.resetLog();
    const withIndex = (await reports.buildFor(A, dayArgs()))!.report;
    expect(withIndex).toEqual(without);
    const openListings = env.bitrix.callLog.filter((c) => c.method === 'crm.deal.list' && JSON.stringify(c.params).includes('"P"'));
    expect(openListings).toHaveLength(0);
    // A deal closed in the portal leaves the index at the next read (DATE_MODIFY moved).
    const open = env.bitrix.store.listDeals().find((d) => d.STAGE_SEMANTIC_ID === 'P' && Number(d.ASSIGNED_BY_ID) === M1);
    if (open) {
      env.bitrix.store.moveDealStage(Number(open.ID), 'WON', { silent: true });
      const after = await reports.openDealsIndex.openDeals({ createdBefore: new Date(8.64e15), managers: [M1] });
      expect(after?.deals.some((d) => d.id === Number(open.ID))).toBe(false);
    }
  });

  it('explains a bad argument instead of guessing', async () => {
    const [message] = await env.app.capabilities.reports.reportCommand(M1, '/report 31.02.2031', 'en');
    expect(message?.text).toContain('No such date');
    const [unknown] = await env.app.capabilities.reports.reportCommand(M1, '/report today 77', 'ru');
    expect(unknown?.text).toContain('Воронки #77 нет');
  });

  it('sends each supervisor their department digest once per day, through the outbox and its quiet hours', async () => {
    const reports = env.app.capabilities.reports;
    const tgA = 900_000 + A;
    const tgB = 900_000 + B;
    env.telegram.addUser({ id: tgA, firstName: 'Анна', languageCode: 'ru' });
    env.telegram.addUser({ id: tgB, firstName: 'Борис', languageCode: 'ru' });
    await env.app.store.link(A, tgA, String(tgA));
    await env.app.store.link(B, tgB, String(tgB));
    // A has no quiet hours; B is inside theirs right now (real time drives the outbox).
    await env.app.store.setPreferences(A, { quietStart: '00:00', quietEnd: '00:00' });
    const hhmm = (offsetHours: number): string => new Intl.DateTimeFormat('en-GB', {
      timeZone: 'Europe/Moscow', hour: '2-digit', minute: '2-digit', hourCycle: 'h23',
    }).format(new Date(Date.now() + offsetHours * 3_600_000));
    await env.app.store.setPreferences(B, { quietStart: hhmm(-1), quietEnd: hhmm(2) });

    const wednesday = new Date('2031-03-05T09:00:00+03:00');
    const first = await reports.runDigest(wednesday);
    expect(first.recipients).toEqual(expect.arrayContaining([A, B]));
    expect(first.recipients).not.toContain(M1);
    expect(first.queued).toBeGreaterThanOrEqual(2);

    const digest = await env.telegram.waitForMessage(tgA, { textIncludes: 'Утренняя сводка по отделу за 04.03.2031' }, 10_000);
    expect(digest.text).toContain('Матвей Третий');
    expect(digest.text).toContain('Мария Первая');
    expect(digest.text).toMatch(/Вперёд\s+4\s+410\s000/u);

    // B's digest waits for the end of their quiet hours.
    const delayed = await env.app.outbox.queue.getDelayed(); 
    const forB = delayed.filter((job) => job.data.recipient === B && job.data.kind === 'report.digest');
    expect(forB).toHaveLength(1);
    expect(forB[0]!.delay).toBeGreaterThan(30 * 60_000);
    expect((await env.telegram.transcript(tgB)).filter((e) => e.direction === 'bot')).toHaveLength(0);

    // A second tick the same day (a retry, another process) queues nothing new.
    const again = await reports.runDigest(new Date('2031-03-05T09:05:00+03:00'));
    expect(again.queued).toBe(0);
    await new Promise((resolve) => setTimeout(resolve, 300));
    const digestsToA = (await env.telegram.transcript(tgA)).filter((e) => e.direction === 'bot' && e.text.includes('Утренняя сводка'));
    expect(digestsToA).toHaveLength(1);

    // No digest on a day off.
    expect(await reports.runDigest(new Date('2031-03-08T09:00:00+03:00'))).toEqual({ recipients: [], queued: 0, skipped: 'not_a_working_day' });
  });

  it('schedules the digest at the configured local time', () => {
    const job = env.app.capabilities.reports.jobs.find((j) => j.name === 'digest');
    expect(job?.schedule).toBe(env.config.rules.schedules.reportDigest);
  });
});
