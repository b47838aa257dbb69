import { z } from 'zod';
import { isKnownTimeZone } from '../infra/values.js';

/**
 * The rules file (YAML): how the sales department works. Validated once at start-up; every problem is
 * reported with its key path, the bad value and what was expected (see load.ts).
 */

export const STAGE_ROLES = [
  'new', 'in_work', 'awaiting_payment', 'paid', 'results_sent', 'contract_approval', 'rework',
  'manual_birthday_check', 'won', 'lost',
] as const;
export type StageRole = (typeof STAGE_ROLES)[number];

const userId = z.number({ error: 'expected a Bitrix24 user id (a positive integer)' }).int().positive();
const userIds = z.array(userId);
const fieldCode = z.string().regex(/^(UF_CRM_[A-Z0-9_]+|[A-Z][A-Z0-9_]*)$/, {
  error: 'expected a Bitrix24 field code such as UF_CRM_1700000000 or SOURCE_ID',
});
const hhmm = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, { error: 'expected a time as HH:MM (24-hour)' });
const positiveDays = z.number().positive({ error: 'expected a positive number of days' });
const isoWeekday = z.number().int().min(1).max(7, { error: 'expected an ISO weekday 1 (Mon) … 7 (Sun)' });

export const timeZone = z.string().refine((tz) => isKnownTimeZone(tz), { error: 'expected an IANA time zone such as Europe/Moscow' });

const cron = z.string().refine((value) => {
  const parts = value.trim().split(/\s+/);
  return (parts.length === 5 || parts.length === 6) && parts.every((p) => /^[\d*/,\-A-Za-z?LW#]+$/.test(p));
}, { error: 'expected a cron pattern with 5 or 6 fields, e.g. "*/5 * * * *"' });

const label = z.object({ ru: z.string().min(1), en: z.string().min(1) });

export const stageSchema = z.object({
  id: z.string().min(1, { error: 'expected the stage STATUS_ID, e.g. NEW or C1:PREPARATION' }),
  name: z.string().min(1).optional(),
  role: z.enum(STAGE_ROLES, { error: `expected one of: ${STAGE_ROLES.join(', ')}` }),
  /** Days a deal may stay here before its manager is nudged; absent = never nudged. */
  stuckDays: positiveDays.optional(),
  /** Stage ids a manager may move a deal to from here (same pipeline). */
  next: z.array(z.string().min(1)).default([]),
  /**
   * Contract approval stages only: where an approved contract goes. A manager never moves a deal forward out of
   * such a stage; the approver's "Approve" does. Absent → the first forward stage of `next` (check-config warns).
   */
  approvedTo: z.string().min(1).optional(),
  /** Field codes that must be filled before a deal may enter this stage. */
  requiredFields: z.array(fieldCode).default([]),
});
export type StageConfig = z.infer<typeof stageSchema>;

export const pipelineSchema = z.object({
  /** CATEGORY_ID in Bitrix24 (0 = the default pipeline). */
  id: z.number().int().min(0, { error: 'expected the pipeline CATEGORY_ID (0 or a positive integer)' }),
  name: z.string().min(1),
  /** Escalation ladder for this pipeline, days in one stage; overrides thresholds.escalationDays. */
  escalationDays: z.array(positiveDays).optional(),
  stages: z.array(stageSchema).min(1, { error: 'expected at least one stage' }),
});
export type PipelineConfig = z.infer<typeof pipelineSchema>;

const routingMatchSchema = z.object({
  direction: z.array(z.string().min(1)).optional(),
  requestType: z.array(z.string().min(1)).optional(),
  source: z.array(z.string().min(1)).optional(),
  region: z.array(z.string().min(1)).optional(),
  keywords: z.array(z.string().min(1)).optional(),
});

const poolSchema = z.union([
  z.object({ users: userIds.min(1) }).strict(),
  z.object({ department: z.number().int().positive() }).strict(),
], { error: 'expected a pool: {users: [ids]} or {department: id}' });

export const routingRuleSchema = z.object({
  name: z.string().min(1),
  /** All given conditions must hold; within one condition any listed value matches. */
  when: routingMatchSchema.default({}),
  pool: poolSchema,
});
export type RoutingRuleConfig = z.infer<typeof routingRuleSchema>;

export const rulesFileSchema = z.object({
  /**
   * Time zones of departments whose people work elsewhere (department id → IANA zone). A person's zone: their own
   * choice in /settings, else their Bitrix24 profile's, else the nearest department up the chain listed here,
   * else BOT_TIMEZONE.
   */
  departmentTimezones: z.record(z.string().regex(/^\d+$/, { error: 'expected a department id' }), timeZone).default({}),
  portal: z.object({
    /** The portal's time zone: calendar dates of date fields are read in it. */
    timezone: timeZone.default('Europe/Moscow'),
    /** Base URL for "Open in Bitrix24" links; defaults to the webhook's origin. */
    url: z.url({ error: 'expected an absolute URL such as https://example.bitrix24.ru' }).optional(),
  }).default({ timezone: 'Europe/Moscow' }),
  admins: userIds.default([]),
  /** Receives leads no rule could place, with buttons to assign them by hand. */
  accountManager: userId,
  /** Leads assigned to this user are waiting for distribution. */
  intakeUser: userId.optional(),
  pipelines: z.array(pipelineSchema).min(1, { error: 'expected at least one pipeline' }),
  leadStatuses: z.object({
    new: z.string().default('NEW'),
    inWork: z.string().default('IN_PROCESS'),
    junk: z.string().default('JUNK'),
  }).default({ new: 'NEW', inWork: 'IN_PROCESS', junk: 'JUNK' }),
  thresholds: z.object({
    dayCounting: z.enum(['calendar', 'working']).default('calendar'),
    escalationDays: z.array(positiveDays).default([15, 30]),
    paymentWaitDays: positiveDays.default(3),
    paymentRepeatDays: positiveDays.default(2),
    birthdayLeadDays: z.number().int().positive().default(28),
    leadStuckDays: positiveDays.default(7),
    leadTaskDeadlineHours: z.number().positive().default(2),
  }).default({ dayCounting: 'calendar', escalationDays: [15, 30], paymentWaitDays: 3, paymentRepeatDays: 2,
    birthdayLeadDays: 28, leadStuckDays: 7, leadTaskDeadlineHours: 2 }),
  fields: z.object({
    childBirthdayDate: fieldCode.optional(),
    childBirthdayText: fieldCode.optional(),
    paidAmount: fieldCode.optional(),
    nonStandardConditions: fieldCode.optional(),
    rejectionStatus: fieldCode.optional(),
    rejectionReason: fieldCode.optional(),
    direction: fieldCode.optional(),
    requestType: fieldCode.optional(),
    region: fieldCode.optional(),
  }).default({}),
  rejectionReasons: z.array(z.object({
    id: z.string().regex(/^[a-z0-9_]{1,16}$/, { error: 'expected a short id: a-z, 0-9, _ (at most 16)' }),
    label,
    reasons: z.array(z.object({
      id: z.string().regex(/^[a-z0-9_]{1,16}$/, { error: 'expected a short id: a-z, 0-9, _ (at most 16)' }),
      label,
    })).min(1, { error: 'expected at least one concrete reason' }),
  })).default([]),
  routing: z.object({
    rules: z.array(routingRuleSchema).default([]),
    /** Request types that are HR matters: such leads only ever go to an HR pool. */
    hrRequestTypes: z.array(z.string().min(1)).default(['hr']),
    hrDepartment: z.number().int().positive().optional(),
    useTimeman: z.boolean().default(true),
    loadWeights: z.object({ leads: z.number().min(0).default(1), deals: z.number().min(0).default(1) })
      .default({ leads: 1, deals: 1 }),
  }).default({ rules: [], hrRequestTypes: ['hr'], useTimeman: true, loadWeights: { leads: 1, deals: 1 } }),
  workingHours: z.object({
    start: hhmm.default('09:00'),
    end: hhmm.default('18:00'),
    days: z.array(isoWeekday).min(1, { error: 'expected at least one working day' }).default([1, 2, 3, 4, 5]),
    /** Default quiet hours for a user who set none: messages wait until they end. */
    quietStart: hhmm.default('20:00'),
    quietEnd: hhmm.default('09:00'),
    /** Holidays (YYYY-MM-DD) that count as non-working days. */
    holidays: z.array(z.string().regex(/^\d{4}-\d{2}-\d{2}$/, { error: 'expected YYYY-MM-DD' })).default([]),
  }).default({ start: '09:00', end: '18:00', days: [1, 2, 3, 4, 5], quietStart: '20:00', quietEnd: '09:00', holidays: [] }),
  schedules: z.object({
    leadScan: cron.default('*/2 * * * *'),
    dealScan: cron.default('*/15 * * * *'),
    birthdayScan: cron.default('0 6 * * *'),
    reportDigest: cron.default('0 9 * * 1-5'),
    /** Stuck leads (an open task, one status longer than thresholds.leadStuckDays) → supervisors. */
    leadStuckScan: cron.default('0 10 * * 1-5'),
  }).default({ leadScan: '*/2 * * * *', dealScan: '*/15 * * * *', birthdayScan: '0 6 * * *', reportDigest: '0 9 * * 1-5',
    leadStuckScan: '0 10 * * 1-5' }),
  birthdays: z.object({
    enabled: z.boolean().default(false),
    entity: z.enum(['contact', 'deal']).default('contact'),
    pipelineId: z.number().int().min(0).optional(),
    stageId: z.string().min(1).optional(),
  }).default({ enabled: false, entity: 'contact' }),
  /** Deals capability: how the bot asks for a stage's required fields in chat. */
  deals: z.object({
    /** Per field code: buttons (choice) or validated text (text, date DD.MM.YYYY, number); unlisted fields are text. */
    fieldInputs: z.record(fieldCode, z.union([
      z.object({
        type: z.literal('choice'),
        label: label.optional(),
        options: z.array(z.object({
          id: z.string().regex(/^[a-z0-9_]{1,16}$/, { error: 'expected a short id: a-z, 0-9, _ (at most 16)' }),
          label,
          /** The value written to the field. */
          value: z.string().min(1),
        })).min(1, { error: 'expected at least one option' }),
      }),
      z.object({ type: z.enum(['text', 'date', 'number']), label: label.optional() }),
    ])).default({}),
  }).default({ fieldInputs: {} }),
  outbox: z.object({
    digestThreshold: z.number().int().positive().default(5),
    /** Message kinds that may be delivered inside quiet hours. */
    urgentKinds: z.array(z.string().min(1)).default([]),
  }).default({ digestThreshold: 5, urgentKinds: [] }),
}).strict().superRefine((rules, ctx) => {
  const stageIds = new Map<string, number>();
  rules.pipelines.forEach((pipeline, p) => {
    const seen = new Set<string>();
    pipeline.stages.forEach((stage, s) => {
      if (seen.has(stage.id)) {
        ctx.addIssue({ code: 'custom', path: ['pipelines', p, 'stages', s, 'id'], input: stage.id,
          message: 'stage id appears twice in this pipeline' });
      }
      seen.add(stage.id);
      stageIds.set(stage.id, pipeline.id);
    });
    pipeline.stages.forEach((stage, s) => {
      if (stage.approvedTo !== undefined) {
        if (stage.role !== 'contract_approval') {
          ctx.addIssue({ code: 'custom', path: ['pipelines', p, 'stages', s, 'approvedTo'], input: stage.approvedTo,
            message: 'only a stage with role contract_approval has an approval target' });
        } else if (!seen.has(stage.approvedTo)) {
          ctx.addIssue({ code: 'custom', path: ['pipelines', p, 'stages', s, 'approvedTo'], input: stage.approvedTo,
            message: `expected a stage id of pipeline ${pipeline.id} (${[...seen].join(', ')})` });
        }
      }
      stage.next.forEach((target, n) => {
        if (!seen.has(target)) {
          ctx.addIssue({ code: 'custom', path: ['pipelines', p, 'stages', s, 'next', n], input: target,
            message: `expected a stage id of pipeline ${pipeline.id} (${[...seen].join(', ')})` });
        }
      });
    });
  });
  const pipelineIds = rules.pipelines.map((p) => p.id);
  rules.pipelines.forEach((pipeline, p) => {
    if (pipelineIds.indexOf(pipeline.id) !== p) {
      ctx.addIssue({ code: 'custom', path: ['pipelines', p, 'id'], input: pipeline.id, message: 'pipeline id appears twice' });
    }
  });
  const names = new Set<string>();
  rules.routing.rules.forEach((rule, r) => {
    if (names.has(rule.name)) {
      ctx.addIssue({ code: 'custom', path: ['routing', 'rules', r, 'name'], input: rule.name, message: 'rule name appears twice' });
    }
    names.add(rule.name);
  });
  if (rules.birthdays.enabled) {
    for (const key of ['pipelineId', 'stageId'] as const) {
      if (rules.birthdays[key] === undefined) {
        ctx.addIssue({ code: 'custom', path: ['birthdays', key], input: undefined,
          message: 'required when birthdays.enabled is true' });
      }
    }
    if (rules.birthdays.stageId && !stageIds.has(rules.birthdays.stageId)) {
      ctx.addIssue({ code: 'custom', path: ['birthdays', 'stageId'], input: rules.birthdays.stageId,
        message: 'expected a stage id declared under pipelines' });
    }
    for (const key of ['childBirthdayDate', 'childBirthdayText'] as const) {
      if (!rules.fields[key]) {
        ctx.addIssue({ code: 'custom', path: ['fields', key], input: undefined,
          message: 'required when birthdays.enabled is true' });
      }
    }
  }
  if (rules.workingHours.start >= rules.workingHours.end) {
    ctx.addIssue({ code: 'custom', path: ['workingHours', 'end'], input: rules.workingHours.end,
      message: `expected a time after workingHours.start (${rules.workingHours.start})` });
  }
});

export type RulesFile = z.infer<typeof rulesFileSchema>;
