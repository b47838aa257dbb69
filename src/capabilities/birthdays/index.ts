import type { Job } from 'bullmq';
import type { Bitrix24Event } from '../../crm/events.js';
import type { JobDefinition } from '../../jobs/runtime.js';
import type { CapabilityDeps } from '../capability.js';
import { createBirthdayActions } from './actions.js';
import { createBirthdayAnswers } from './answers.js';
import { createBirthdayContext } from './context.js';
import type { ChildEntity } from './records.js';
import { createBirthdayTrigger } from './trigger.js';
import { BIRTHDAYS_QUEUE, type BirthdaysCapability } from './types.js';

export type {
  ActionOutcome, BirthdaysCapability, CheckChoice, NormalisationOutcome, NormalisationScanResult, ReminderRunResult,
} from './types.js';
/**
 * Birthdays: normalises the child's birthday fields (scheduled incremental scan + contact/deal update
 * events), opens a manual-check deal when the text and the date cannot be reconciled, and every day opens a
 * party deal for each child whose birthday is `thresholds.birthdayLeadDays` ahead, with a reminder to the manager.
 */
export { BIRTHDAYS_QUEUE, CHECK_KIND, REMINDER_KIND } from './types.js';

export function createBirthdaysCapability(deps: CapabilityDeps): BirthdaysCapability {
  const ctx = createBirthdayContext(deps);
  const { rules, enabled, records } = ctx;
  const { normaliseRecord, runNormalisationScan, runReminders } = createBirthdayTrigger(ctx);
  const actions = createBirthdayActions(ctx);
  const { resolveCheck, beginTypedDate, takePartyDeal, notRelevantPicker, dismissPartyDeal } = actions;
  const { submitTypedDate } = createBirthdayAnswers(ctx, actions);


  const jobs: JobDefinition<any>[] = enabled ? [
    { queue: BIRTHDAYS_QUEUE, name: 'normalise-scan', schedule: rules.schedules.birthdayScan, process: () => runNormalisationScan() },
    { queue: BIRTHDAYS_QUEUE, name: 'reminders', schedule: rules.schedules.birthdayScan, process: () => runReminders() },
    {
      queue: BIRTHDAYS_QUEUE, name: 'normalise-one',
      process: (job: Job<{ entity: ChildEntity; id: number }>) => normaliseRecord(job.data.entity, job.data.id),
    },
  ] : [];

  const EVENT_ENTITY: Record<string, ChildEntity> = {
    ONCRMCONTACTUPDATE: 'contact', ONCRMCONTACTADD: 'contact', ONCRMDEALUPDATE: 'deal', ONCRMDEALADD: 'deal',
  };

  return {
    name: 'birthdays',
    enabled,
    jobs,
    async onBitrixEvent(event: Bitrix24Event) {
      const entity = EVENT_ENTITY[event.event.toUpperCase()];
      if (!enabled || entity !== records.entity) return;
      // Several quick edits of one record collapse into one pending job.
      await deps.enqueue(BIRTHDAYS_QUEUE, 'normalise-one', { entity, id: event.entityId },
        { deduplication: { id: `bday-normalise-${entity}-${event.entityId}` } });
    },
    normaliseRecord,
    runNormalisationScan,
    runReminders,
    resolveCheck,
    beginTypedDate,
    submitTypedDate,
    takePartyDeal,
    notRelevantPicker,
    dismissPartyDeal,
  };
}
