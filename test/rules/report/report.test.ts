import { describe, expect, it } from 'vitest';
import { buildReport } from '../../../src/rules/report/build.js';
import { renderReportBlocks, renderReportTable } from '../../../src/rules/report/render.js';
import type { ManagerReportRow, Report } from '../../../src/rules/report/types.js';
import { msk, period, reportInput } from './fixture.js';

// Worked out by hand from fixture.ts (see the comments there):
//   deal 1 (mgr 5): NEW→QUAL forward, back to QUAL, PAY; still open          → forward
//   deal 2 (mgr 5): no move in the period, open                               → not moved
//   deal 3 (mgr 5): created, NEW→QUAL forward, then LOSE "Too expensive"      → forward + failed
//   deal 4 (mgr 6): PROPOSAL→QUAL is backwards, open, USD                     → not moved
//   deal 5 (mgr 6): forward twice, won                                         → forward
//   deal 6 (mgr 6): lost at APOLOGY, no status                                 → failed "APOLOGY"
//   deal 7 (mgr 9, unlisted): rows outside the period, open                    → others, not moved
//   deal 8 (mgr 7): first known row in period has no previous stage; lost      → failed "Too expensive"
//   deal 9 (mgr 7): closed in October                                          → nowhere
//   deal 10 (mgr 7): NEW→QUAL forward in pipeline 0, then moved to pipeline 1  → forward (pipeline 1)
const row = (userId: number | null, r: Omit<ManagerReportRow, 'userId'>): ManagerReportRow => ({ userId, ...r });

const expected: Report = {
  period,
  managers: [
    row(5, {
      forward: { count: 2, sum: { RUB: 130_000 } },
      idle: { count: 1, sum: { RUB: 50_000 } },
      failed: { count: 1, sum: { RUB: 30_000 }, topReasons: [{ status: 'Too expensive', count: 1 }] },
      leadsNew: 2, leadsConverted: 1, overdueNudges: 2,
    }),
    row(6, {
      forward: { count: 1, sum: { RUB: 70_000 } },
      idle: { count: 1, sum: { USD: 20_000 } },
      failed: { count: 1, sum: { RUB: 15_000 }, topReasons: [{ status: '', count: 1, stage: { categoryId: 0, stageId: 'APOLOGY' } }] },
      leadsNew: 1, leadsConverted: 1, overdueNudges: 0,
    }),
    row(7, {
      forward: { count: 1, sum: { RUB: 25_000 } },
      idle: { count: 0, sum: {} },
      failed: { count: 1, sum: { RUB: 10_000 }, topReasons: [{ status: 'Too expensive', count: 1 }] },
      leadsNew: 0, leadsConverted: 0, overdueNudges: 1,
    }),
  ],
  others: row(null, {
    forward: { count: 0, sum: {} },
    idle: { count: 1, sum: { RUB: 40_000 } },
    failed: { count: 0, sum: {}, topReasons: [] },
    leadsNew: 1, leadsConverted: 0, overdueNudges: 3,
  }),
  totals: row(null, {
    forward: { count: 4, sum: { RUB: 225_000 } },
    idle: { count: 3, sum: { RUB: 90_000, USD: 20_000 } },
    failed: { count: 3, sum: { RUB: 55_000 }, topReasons: [{ status: 'Too expensive', count: 2 }, { status: '', count: 1, stage: { categoryId: 0, stageId: 'APOLOGY' } }] },
    leadsNew: 4, leadsConverted: 2, overdueNudges: 6,
  }),
  categories: [
    {
      categoryId: 0,
      forward: { count: 2, sum: { RUB: 130_000 } },
      idle: { count: 2, sum: { RUB: 50_000, USD: 20_000 } },
      failed: { count: 3, sum: { RUB: 55_000 }, topReasons: [{ status: 'Too expensive', count: 2 }, { status: '', count: 1, stage: { categoryId: 0, stageId: 'APOLOGY' } }] },
      // Deals 1, 3, 4, 6, 8, 10; passes 5 + 3 + 1 + 1 + 2 + 1.
      deals: 6, passes: 13,
      stages: [
        { categoryId: 0, stageId: 'NEW', deals: 1, passes: 1 },
        { categoryId: 0, stageId: 'QUAL', deals: 4, passes: 5 },
        { categoryId: 0, stageId: 'PROPOSAL', deals: 2, passes: 3 },
        { categoryId: 0, stageId: 'PAY', deals: 1, passes: 1 },
        { categoryId: 0, stageId: 'LOSE', deals: 2, passes: 2 },
        { categoryId: 0, stageId: 'APOLOGY', deals: 1, passes: 1 },
      ],
    },
    {
      categoryId: 1,
      forward: { count: 2, sum: { RUB: 95_000 } },
      idle: { count: 1, sum: { RUB: 40_000 } },
      failed: { count: 0, sum: {}, topReasons: [] },
      deals: 2, passes: 3,
      stages: [
        { categoryId: 1, stageId: 'C1:NEW', deals: 1, passes: 1 },
        { categoryId: 1, stageId: 'C1:WORK', deals: 1, passes: 1 },
        { categoryId: 1, stageId: 'C1:WON', deals: 1, passes: 1 },
      ],
    },
  ],
};

describe('buildReport', () => {
  it('matches the hand-computed report', () => {
    expect(buildReport(reportInput)).toEqual(expected);
  });

  it('leaves out the others row when everyone is listed', () => {
    const report = buildReport({ ...reportInput, managers: [5, 6, 7, 9] });
    expect(report.others).toBeUndefined();
    expect(report.managers.map((m) => m.userId)).toEqual([5, 6, 7, 9]);
    expect(report.totals).toEqual(expected.totals);
  });

  it('does not count re-entering the same stage, or entering a stage outside the order, as forward', () => {
    const deals = [
      { id: 301, assignedById: 5, categoryId: 0, stageId: 'QUAL', semantic: 'P' as const, opportunity: 1, currency: 'RUB' },
      { id: 302, assignedById: 5, categoryId: 0, stageId: 'CUSTOM', semantic: 'P' as const, opportunity: 2, currency: 'RUB' },
    ];
    const at = (ownerId: number, stageId: string, time: string) =>
      ({ ownerId, categoryId: 0, stageId, createdTime: msk(time), semantic: 'P' as const });
    const history = [
      at(301, 'QUAL', '2025-10-01T10:00:00'), at(301, 'QUAL', '2025-11-04T10:00:00'),
      at(302, 'NEW', '2025-10-01T10:00:00'), at(302, 'CUSTOM', '2025-11-04T10:00:00'),
    ];
    const report = buildReport({ ...reportInput, deals, history, leads: [], overdueNudges: {} });
    expect(report.managers[0]?.forward).toEqual({ count: 0, sum: {} });
    expect(report.managers[0]?.idle).toEqual({ count: 2, sum: { RUB: 3 } });
    expect(report.categories[0]?.stages.map((s) => s.stageId)).toEqual(['QUAL', 'CUSTOM']);
  });

  it('keeps cents exact when summing float amounts', () => {
    const deals = [0.1, 0.2, 0.7].map((opportunity, i) => ({
      id: 100 + i, assignedById: 5, categoryId: 0, stageId: 'NEW', semantic: 'P' as const, opportunity, currency: 'EUR',
    }));
    const report = buildReport({ ...reportInput, deals, history: [], leads: [], overdueNudges: {} });
    expect(report.managers[0]?.idle).toEqual({ count: 3, sum: { EUR: 1 } });
  });

  it('lists at most three rejection statuses, most frequent first', () => {
    const statuses = ['b', 'a', 'c', 'a', 'd', 'b', 'a'];
    const deals = statuses.map((rejectStatus, i) => ({
      id: 200 + i, assignedById: 5, categoryId: 0, stageId: 'LOSE', semantic: 'F' as const, opportunity: 1, currency: 'RUB', rejectStatus,
    }));
    const history = deals.map((d) => ({ ownerId: d.id, categoryId: 0, stageId: 'LOSE', createdTime: msk('2025-11-04T10:00:00'), semantic: 'F' as const }));
    const report = buildReport({ ...reportInput, deals, history, leads: [], overdueNudges: {} });
    expect(report.managers[0]?.failed.topReasons).toEqual([
      { status: 'a', count: 3 }, { status: 'b', count: 2 }, { status: 'c', count: 1 },
    ]);
  });
});

describe('renderReportTable', () => {
  const names: Record<number, string> = { 5: 'Anna Ivanova', 6: 'Boris <Petrov> & Co', 7: 'Vera' };
  const options = {
    locale: 'en' as const, timezone: 'Europe/Moscow', periodLabel: '03.11.2025–09.11.2025',
    userName: (id: number) => names[id] ?? `#${id}`, categoryName: (id: number) => (id === 0 ? 'Sales' : 'Service'),
    stageName: (_categoryId: number, stageId: string) => (stageId === 'APOLOGY' ? 'Apologised' : undefined),
  };
  // ICU may use U+00A0 or U+202F inside amounts; the layout is what is checked here.
  const plain = (s: string) => s.replace(/[\u00a0\u202f]/g, ' ');

  it('renders the hand-computed table for a phone screen', () => {
    const chunks = renderReportTable(buildReport(reportInput), options);
    expect(chunks).toHaveLength(1);
    expect(plain(chunks[0] ?? '').split('\n')).toEqual([
      '<pre>Report for 03.11.2025–09.11.2025',
      'Time zone: Europe/Moscow',
      '',
      'MANAGERS',
      'Anna Ivanova',
      '  Moved forward    2  RUB 130,000',
      '  Not moved        1   RUB 50,000',
      '  Lost             1   RUB 30,000',
      '    1 × Too expensive',
      '  New leads        2',
      '  Converted        1',
      '  Overdue nudges   2',
      '',
      'Boris &lt;Petrov&gt; &amp; Co',
      '  Moved forward    1   RUB 70,000',
      '  Not moved        1   USD 20,000',
      '  Lost             1   RUB 15,000',
      '    1 × no reason',
      '  New leads        1',
      '  Converted        1',
      '  Overdue nudges   0',
      '',
      'Vera',
      '  Moved forward    1   RUB 25,000',
      '  Not moved        0',
      '  Lost             1   RUB 10,000',
      '    1 × Too expensive',
      '  New leads        0',
      '  Converted        0',
      '  Overdue nudges   1',
      '',
      'Others',
      '  Moved forward    0',
      '  Not moved        1   RUB 40,000',
      '  Lost             0',
      '  New leads        1',
      '  Converted        0',
      '  Overdue nudges   3',
      '',
      'TOTAL',
      '  Moved forward    4  RUB 225,000',
      '  Not moved        3   RUB 90,000',
      '                       USD 20,000',
      '  Lost             3   RUB 55,000',
      '    2 × Too expensive',
      '    1 × no reason',
      '  New leads        4',
      '  Converted        2',
      '  Overdue nudges   6',
      '',
      'PIPELINES',
      'Sales',
      '  Moved forward    2  RUB 130,000',
      '  Not moved        2   RUB 50,000',
      '                       USD 20,000',
      '  Lost             3   RUB 55,000',
      '    2 × Too expensive',
      '    1 × no reason',
      '  Deals/passes           6 /   13',
      '  Stages (deals / passes):',
      '    NEW                  1 /    1',
      '    QUAL                 4 /    5',
      '    PROPOSAL             2 /    3',
      '    PAY                  1 /    1',
      '    LOSE                 2 /    2',
      '    Apologised           1 /    1',
      '',
      'Service',
      '  Moved forward    2   RUB 95,000',
      '  Not moved        1   RUB 40,000',
      '  Lost             0',
      '  Deals/passes           2 /    3',
      '  Stages (deals / passes):',
      '    C1:NEW               1 /    1',
      '    C1:WORK              1 /    1',
      '    C1:WON               1 /    1</pre>',
    ]);
  });

  it('keeps every line within 40 columns', () => {
    for (const locale of ['ru', 'en'] as const) {
      const lines = renderReportBlocks(buildReport(reportInput), { ...options, locale, userName: () => 'A very long manager name, longer than a phone line' }).flat();
      for (const line of lines) expect(line.length).toBeLessThanOrEqual(40);
    }
  });

  it('speaks Russian with the ruble sign', () => {
    const text = plain(renderReportTable(buildReport(reportInput), { ...options, locale: 'ru' }).join(''));
    expect(text).toContain('Отчёт за 03.11.2025–09.11.2025\nЧасовой пояс: Europe/Moscow');
    expect(text).toContain('\nИТОГО\n  Вперёд           4  225 000 ₽\n');
    expect(text).toContain('  Сделок/проходов       6 /   13\n');
  });

  it('splits a long report into messages of at most 4096 characters, between manager blocks', () => {
    const managers = Array.from({ length: 150 }, (_, i) => 1000 + i);
    const report = buildReport({ ...reportInput, managers });
    const chunks = renderReportTable(report, { ...options, userName: (id) => `Manager ${id}` });
    expect(chunks.length).toBeGreaterThan(1);
    for (const chunk of chunks) {
      expect(chunk.length).toBeLessThanOrEqual(4096);
      expect(chunk.startsWith('<pre>')).toBe(true);
      expect(chunk.endsWith('</pre>')).toBe(true);
      const body = chunk.slice(5, -6);
      expect(body.startsWith('\n')).toBe(false);
      // Every message after the first opens with a whole block: a manager's name or a section title.
      if (chunk !== chunks[0]) expect(body.split('\n')[0]).toMatch(/^(Manager \d+|Others|TOTAL|PIPELINES)$/);
    }
    // Nothing lost or reordered: the messages hold exactly the rendered lines, minus blank separators at cuts.
    const expectedLines = renderReportBlocks(report, { ...options, userName: (id) => `Manager ${id}` }).flat().filter((l) => l !== '');
    const gotLines = chunks.flatMap((c) => c.slice(5, -6).split('\n')).filter((l) => l !== '');
    expect(gotLines.map(plain)).toEqual(expectedLines.map(plain));
  });

  it('splits inside a block, on line boundaries, only when one block exceeds the limit', () => {
    const chunks = renderReportTable(buildReport(reportInput), { ...options, limit: 120 });
    for (const chunk of chunks) expect(chunk.length).toBeLessThanOrEqual(120);
    const lines = chunks.flatMap((c) => c.slice(5, -6).split('\n')).filter((l) => l !== '');
    expect(lines.map(plain)).toContain('  Moved forward    4  RUB 225,000');
    expect(lines).toHaveLength(renderReportBlocks(buildReport(reportInput), options).flat().filter((l) => l !== '').length);
  });
});
