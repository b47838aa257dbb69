import { encodeCallback } from '../../chat/callback-codec.js';
import { actionButton, type Button, type ChatMessage } from '../../chat/message.js';
import type { Locale } from '../../i18n/index.js';
import { MAX_REPORT_DAYS, parseReportArgs, type ReportArgs } from '../../rules/report/index.js';
import type { ReportBuilder } from './build.js';
import { REPORT_TEXTS } from './texts.js';
import { type BuiltReport, PERIOD_KEYS, parsePeriodKey, periodKey } from './types.js';

/**
 * /report with its arguments, and the period buttons under a report.
 */
export type ReportActions = ReturnType<typeof createReportActions>;

export function createReportActions(ctx: ReportBuilder) {
  const { deps, crm, log, buildFor, zoneOf } = ctx;

  function periodButtons(locale: Locale, categoryId: number | undefined): Button[][] {
    const labels = REPORT_TEXTS[locale].periodButtons;
    return [PERIOD_KEYS.map((p) => actionButton(labels[p], encodeCallback('report.period', periodKey(p, categoryId))))];
  }

  async function respond(actorId: number, args: ReportArgs, locale: Locale): Promise<ChatMessage[]> {
    const texts = REPORT_TEXTS[locale];
    if (args.categoryId !== undefined) {
      const categories = await crm.getCategories();
      if (!categories.some((c) => c.id === args.categoryId)) return [{ text: texts.unknownPipeline(args.categoryId) }];
    }
    let built: BuiltReport | null;
    try {
      built = await buildFor(actorId, args);
    } catch (error) {
      log.warn({ err: error, actorId }, 'report failed');
      return [{ text: texts.failed }];
    }
    if (!built) return [{ text: texts.noScope }];
    log.info({ actorId, role: built.scope.role, period: args.period.label, requests: built.requests }, 'report built');
    const messages: ChatMessage[] = built.parts.map((part) => ({ text: part[locale] }));
    const last = messages[messages.length - 1];
    if (last) last.buttons = periodButtons(locale, args.categoryId);
    return messages;
  }

  async function reportCommand(actorId: number, text: string, locale: Locale): Promise<ChatMessage[]> {
    const texts = REPORT_TEXTS[locale];
    const parsed = parseReportArgs(text, deps.clock(), await zoneOf(actorId));
    if ('error' in parsed) {
      const message = parsed.error === 'bad_date' ? texts.badDate(parsed.argument)
        : parsed.error === 'reversed_range' ? texts.reversedRange(parsed.argument)
          : parsed.error === 'range_too_long' ? texts.rangeTooLong(parsed.argument, MAX_REPORT_DAYS)
            : parsed.error === 'duplicate_argument' ? texts.duplicateArgument(parsed.argument)
              : texts.badArgument(parsed.argument);
      return [{ text: message }];
    }
    return respond(actorId, parsed, locale);
  }

  async function reportForKey(actorId: number, key: string, locale: Locale): Promise<ChatMessage[] | null> {
    const parsedKey = parsePeriodKey(key);
    if (!parsedKey) return null;
    // Built through the same parser as the command, so a button and "/report week 1" are one report.
    const parsed = parseReportArgs(`/report ${parsedKey.period}${parsedKey.categoryId !== undefined ? ` ${parsedKey.categoryId}` : ''}`, deps.clock(), await zoneOf(actorId));
    if ('error' in parsed) return null;
    return respond(actorId, parsed, locale);
  }

  /** From the previous working day's start to today's start: on Monday that covers Friday and the weekend. */

  return { reportCommand, reportForKey };
}
