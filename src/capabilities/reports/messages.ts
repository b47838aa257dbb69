import { MAX_TEXT_LENGTH } from '../../chat/message.js';
import type { Locale } from '../../i18n/index.js';
import { escapeHtml } from '../../infra/html.js';
import { type RenderReportOptions, type Report, renderReportBlocks } from '../../rules/report/index.js';

const LOCALES: Locale[] = ['ru', 'en'];
/** What a ```pre``` fence costs once rendered to Telegram HTML (<pre></pre>). */
const PRE_OVERHEAD = '<pre></pre>'.length;
/** A prefix's **bold** turns into <b></b> (3 more characters a pair) plus its newline: leave room. */
const PREFIX_MARKUP_SLACK = 16;

/**
 * The report as neutral chat texts (```monospace``` blocks) in both languages, split into the SAME number of
 * parts for each language (the outbox picks the language at delivery, so part N must exist in both).
 * Splits only between blocks (a header, a manager, a pipeline), or between lines of a block too long alone;
 * every part, rendered to Telegram HTML with `prefix` on the first part, stays within `limit` characters.
 */
export function renderReportParts(
  report: Report,
  options: Record<Locale, Omit<RenderReportOptions, 'locale' | 'limit'>>,
  extras: { prefix?: Record<Locale, string>; limit?: number } = {},
): Array<Record<Locale, string>> {
  const limit = extras.limit ?? MAX_TEXT_LENGTH;
  const blocks = Object.fromEntries(LOCALES.map((l) => [l, renderReportBlocks(report, { ...options[l], locale: l })])) as Record<Locale, string[][]>;
  const count = Math.max(...LOCALES.map((l) => blocks[l].length));
  // Units that must stay together: whole blocks, or single lines of a block too long for one message.
  const units: Array<Record<Locale, string[]>> = [];
  const htmlLength = (lines: string[]): number => lines.reduce((n, line) => n + escapeHtml(line).length + 1, 0);
  const budgetFor = (first: boolean): number => limit - PRE_OVERHEAD - (first ? Math.max(...LOCALES.map((l) => escapeHtml(extras.prefix?.[l] ?? '').length + PREFIX_MARKUP_SLACK)) : 0);
  for (let i = 0; i < count; i += 1) {
    const unit = Object.fromEntries(LOCALES.map((l) => [l, blocks[l][i] ?? []])) as Record<Locale, string[]>;
    if (Math.max(...LOCALES.map((l) => htmlLength(unit[l]))) <= budgetFor(false)) {
      units.push(unit);
      continue;
    }
    const lines = Math.max(...LOCALES.map((l) => unit[l].length));
    for (let j = 0; j < lines; j += 1) {
      units.push(Object.fromEntries(LOCALES.map((l) => [l, [(unit[l][j] ?? '').slice(0, budgetFor(false) - 1)]])) as Record<Locale, string[]>);
    }
  }

  const parts: Array<Record<Locale, string[]>> = [];
  let current: Record<Locale, string[]> | undefined;
  for (const unit of units) {
    const fits = current !== undefined && LOCALES.every((l) => htmlLength([...current![l], ...unit[l]]) <= budgetFor(parts.length === 1));
    if (current && fits) {
      for (const l of LOCALES) current[l].push(...unit[l]);
      continue;
    }
    // A part never starts with the blank line that separates blocks.
    current = Object.fromEntries(LOCALES.map((l) => [l, dropLeadingBlanks(unit[l])])) as Record<Locale, string[]>;
    parts.push(current);
  }
  return parts.map((part, index) => Object.fromEntries(LOCALES.map((l) => {
    const prefix = index === 0 && extras.prefix ? `${extras.prefix[l]}\n` : '';
    return [l, `${prefix}\`\`\`\n${part[l].join('\n')}\`\`\``];
  })) as Record<Locale, string>);
}

function dropLeadingBlanks(lines: string[]): string[] {
  const first = lines.findIndex((line) => line !== '');
  return first < 0 ? [] : lines.slice(first);
}
