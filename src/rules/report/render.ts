import { escapeHtml } from '../../infra/html.js';
import { formatMoney } from '../deals/money.js';
import type { CategoryReportRow, CountSum, DealMetrics, ManagerReportRow, MoneySums, Report } from './types.js';

export interface RenderReportOptions {
  locale: 'ru' | 'en';
  /** Shown in the header: the zone the period's days are counted in. */
  timezone: string;
  /** From parseReportArgs' period.label, e.g. "03.11.2025–09.11.2025". */
  periodLabel: string;
  userName?: (userId: number) => string;
  categoryName?: (categoryId: number) => string;
  /** The portal's name of a stage; undefined when unknown (the report then never prints the raw id). */
  stageName?: (categoryId: number, stageId: string) => string | undefined;
  /** Characters per message (Telegram's limit is 4096). */
  limit?: number;
}

const TEXTS = {
  ru: {
    title: (label: string) => `Отчёт за ${label}`,
    timezone: (tz: string) => `Часовой пояс: ${tz}`,
    managers: 'МЕНЕДЖЕРЫ',
    pipelines: 'ВОРОНКИ',
    others: 'Остальные',
    totals: 'ИТОГО',
    forward: 'Вперёд',
    idle: 'Без движения',
    failed: 'Проиграны',
    noReason: 'без причины',
    leadsNew: 'Новые лиды',
    leadsConverted: 'Конвертированы',
    overdue: 'Просрочки',
    dealsPasses: 'Сделок/проходов',
    stages: 'Этапы (сделок / проходов):',
    user: (id: number) => `Сотрудник #${id}`,
    category: (id: number) => `Воронка #${id}`,
  },
  en: {
    title: (label: string) => `Report for ${label}`,
    timezone: (tz: string) => `Time zone: ${tz}`,
    managers: 'MANAGERS',
    pipelines: 'PIPELINES',
    others: 'Others',
    totals: 'TOTAL',
    forward: 'Moved forward',
    idle: 'Not moved',
    failed: 'Lost',
    noReason: 'no reason',
    leadsNew: 'New leads',
    leadsConverted: 'Converted',
    overdue: 'Overdue nudges',
    dealsPasses: 'Deals/passes',
    stages: 'Stages (deals / passes):',
    user: (id: number) => `User #${id}`,
    category: (id: number) => `Pipeline #${id}`,
  },
} as const;

const INDENT = '  ';
const LABEL_WIDTH = 16;
const COUNT_WIDTH = 4;
/** Spaces between a count and its sum, so "2  130 000 ₽" never reads as one number. */
const GAP = '  ';
/** "1234 / 1234": distinct deals / passes, right-aligned at the line's end. */
const PAIR_WIDTH = 11;
/** Width of the shortest layout; wide sums widen it (a phone shows ~32–40 monospace columns). */
const MIN_WIDTH = 32;

function fitWidth(text: string, width: number): string {
  return text.length <= width ? text.padEnd(width) : `${text.slice(0, Math.max(0, width - 1))}…`;
}

function sumsOf(metrics: DealMetrics): MoneySums[] {
  return [metrics.forward.sum, metrics.idle.sum, metrics.failed.sum];
}

function formatSums(sum: MoneySums, locale: 'ru' | 'en'): string[] {
  return Object.keys(sum).sort().map((currency) => formatMoney(sum[currency] ?? 0, currency, locale));
}

/**
 * The report as plain monospace lines, grouped into blocks that should stay on one message (a header, a
 * manager, a pipeline). Trailing spaces are trimmed; blocks after the first start with an empty line.
 */
export function renderReportBlocks(report: Report, options: RenderReportOptions): string[][] {
  const t = TEXTS[options.locale];
  const everyRow: DealMetrics[] = [...report.managers, report.totals, ...(report.others ? [report.others] : []), ...report.categories];
  const sumWidth = Math.max(0, ...everyRow.flatMap(sumsOf).flatMap((s) => formatSums(s, options.locale)).map((s) => s.length));
  const width = Math.max(MIN_WIDTH, LABEL_WIDTH + COUNT_WIDTH + GAP.length + sumWidth);

  const line = (label: string, count: string, sum = ''): string =>
    `${INDENT}${fitWidth(label, LABEL_WIDTH - INDENT.length)}${count.padStart(COUNT_WIDTH)}${sum ? `${GAP}${sum.padStart(sumWidth)}` : ''}`.trimEnd();
  const pairLine = (indent: string, label: string, deals: number, passes: number): string =>
    `${indent}${fitWidth(label, width - indent.length - PAIR_WIDTH - 1)} ${String(deals).padStart(4)} / ${String(passes).padStart(4)}`;
  const moneyLines = (label: string, cell: CountSum): string[] => {
    const [first, ...more] = formatSums(cell.sum, options.locale);
    return [line(label, String(cell.count), first), ...more.map((sum) => line('', '', sum))];
  };
  const metricLines = (metrics: DealMetrics): string[] => [
    ...moneyLines(t.forward, metrics.forward),
    ...moneyLines(t.idle, metrics.idle),
    ...moneyLines(t.failed, metrics.failed),
    // Reasons sit under "lost" as "2 × reason", the count first so a long reason keeps the full line.
    ...metrics.failed.topReasons.map((r) => {
      const head = `${INDENT}${INDENT}${r.count} × `;
      // Lost without a rejection status: "no reason" (the stage lines name where), never a raw STATUS_ID.
      const label = r.stage ? t.noReason : r.status;
      return `${head}${fitWidth(label, width - head.length)}`.trimEnd();
    }),
  ];
  const managerBlock = (name: string, row: ManagerReportRow): string[] => [
    '',
    fitWidth(name, width).trimEnd(),
    ...metricLines(row),
    line(t.leadsNew, String(row.leadsNew)),
    line(t.leadsConverted, String(row.leadsConverted)),
    line(t.overdue, String(row.overdueNudges)),
  ];
  const categoryBlock = (row: CategoryReportRow): string[] => [
    '',
    fitWidth(options.categoryName?.(row.categoryId) ?? t.category(row.categoryId), width).trimEnd(),
    ...metricLines(row),
    pairLine(INDENT, t.dealsPasses, row.deals, row.passes),
    ...(row.stages.length > 0 ? [`${INDENT}${t.stages}`] : []),
    ...row.stages.map((s) => pairLine(INDENT + INDENT, options.stageName?.(row.categoryId, s.stageId) ?? s.stageId, s.deals, s.passes)),
  ];
  // A section title travels with the section's first block, so it never ends a message alone.
  const section = (title: string, blocks: string[][]): string[][] => {
    const [first, ...rest] = blocks;
    return first ? [['', title, ...first.slice(1)], ...rest] : [];
  };

  const userName = (id: number): string => options.userName?.(id) ?? t.user(id);
  return [
    [t.title(options.periodLabel), t.timezone(options.timezone)],
    ...section(t.managers, [
      ...report.managers.map((row) => managerBlock(row.userId === null ? t.others : userName(row.userId), row)),
      ...(report.others ? [managerBlock(t.others, report.others)] : []),
      managerBlock(t.totals, report.totals),
    ]),
    ...section(t.pipelines, report.categories.map(categoryBlock)),
  ];
}

/**
 * The report as Telegram HTML messages: each a `<pre>` block of at most `limit` characters (tags and
 * escapes included), split only between lines and, where a block fits, between blocks.
 */
export function renderReportTable(report: Report, options: RenderReportOptions): string[] {
  const open = '<pre>';
  const close = '</pre>';
  const budget = (options.limit ?? 4096) - open.length - close.length;
  const chunks: string[] = [];
  let current: string[] = [];
  let length = 0;

  const flush = (): void => {
    if (current.length > 0) chunks.push(`${open}${current.join('\n')}${close}`);
    current = [];
    length = 0;
  };
  const added = (lines: string[]): number => lines.reduce((n, l) => n + l.length + 1, current.length === 0 ? -1 : 0);
  const dropLeadingBlanks = (lines: string[]): string[] => {
    const first = lines.findIndex((l) => l !== '');
    return first < 0 ? [] : lines.slice(first);
  };

  for (const block of renderReportBlocks(report, options)) {
    let lines = block.map(escapeHtml);
    if (current.length === 0) lines = dropLeadingBlanks(lines);
    if (length + added(lines) > budget) {
      flush();
      lines = dropLeadingBlanks(lines);
    }
    for (const l of lines) {
      const piece = l.length > budget ? l.slice(0, budget) : l;
      if (length + added([piece]) > budget) flush();
      if (current.length === 0 && piece === '') continue;
      length += added([piece]);
      current.push(piece);
    }
  }
  flush();
  return chunks;
}
