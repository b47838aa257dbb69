import { subordinatesOf } from '../../identity/org.js';
import type { NotificationIntent } from '../../outbox/types.js';
import type { ReportArgs, ReportPeriodKind } from '../../rules/report/index.js';
import { addDays, type CalendarDate, calendarDateAt, instantAt, isWorkingDay, toIso } from '../../rules/time/index.js';
import type { ReportBuilder } from './build.js';
import { digestRecipients, type ReportScope, reportScope } from './scope.js';
import { REPORT_TEXTS } from './texts.js';
import { DIGEST_KIND, type DigestResult, formatDay } from './types.js';

/**
 * The morning digest: each supervisor gets yesterday's report of their department on working days.
 */
export type ReportTrigger = ReturnType<typeof createReportTrigger>;

export function createReportTrigger(ctx: ReportBuilder) {
  const { deps, directory, log, rules, timezone, calendar, gather, build } = ctx;

  function digestArgs(today: CalendarDate): ReportArgs {
    let first = addDays(today, -1);
    for (let i = 0; i < 31 && !isWorkingDay(first, calendar); i += 1) first = addDays(first, -1);
    const last = addDays(today, -1);
    const label = first.year === last.year && first.month === last.month && first.day === last.day
      ? formatDay(first) : `${formatDay(first)}–${formatDay(last)}`;
    const kind: ReportPeriodKind = label.includes('–') ? 'range' : 'yesterday';
    return { period: { kind, label, from: instantAt(first, 0, timezone), to: instantAt(today, 0, timezone) } };
  }

  async function runDigest(now: Date = deps.clock()): Promise<DigestResult> {
    const today = calendarDateAt(now, timezone);
    if (!isWorkingDay(today, calendar)) return { recipients: [], queued: 0, skipped: 'not_a_working_day' };
    const org = await directory.org();
    const recipients = digestRecipients(org);
    const args = digestArgs(today);
    // One gathering for every department: each supervisor's report is a slice of it, so the portal cost does
    // not grow with the number of supervisors.
    const everything = recipients.length > 0 ? await gather('all', args) : undefined;
    let queued = 0;
    for (const supervisor of recipients) {
      const scope = reportScope(org, rules.admins, supervisor);
      if (!scope || scope.role === 'manager') continue;
      // The digest is about the supervisor's department, even for an admin who heads one.
      const department: ReportScope = { role: 'supervisor', managers: scope.role === 'admin'
        ? [supervisor, ...subordinatesOf(org, supervisor)] : scope.managers };
      const prefix = { ru: REPORT_TEXTS.ru.digestTitle(args.period.label), en: REPORT_TEXTS.en.digestTitle(args.period.label) };
      const built = await build(department, args, supervisor, prefix, everything);
      const intents: NotificationIntent[] = built.parts.map((part, index) => ({
        recipient: supervisor,
        kind: DIGEST_KIND,
        entity: { type: 'report', id: supervisor },
        // One digest per supervisor per day: the same key on a retry or a second scheduler tick is dropped.
        key: `${DIGEST_KIND}:${toIso(today)}:${index + 1}`,
        message: { ru: { text: part.ru }, en: { text: part.en } },
      }));
      const results = await deps.outbox.enqueueMany(intents);
      queued += results.filter((r) => r === 'queued').length;
      log.info({ supervisor, parts: intents.length }, 'report digest queued');
    }
    log.info({ recipients: recipients.length, queued, requests: everything?.requests ?? 0 }, 'report digest done');
    return { recipients, queued };
  }

  return { runDigest };
}
