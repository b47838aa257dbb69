import { CrmNotFoundError, type Deal } from '../../crm/index.js';
import { createCrmWrites } from '../../crm/writes.js';
import { type CalendarDate, calendarDateAt } from '../../rules/time/calendar-date.js';
import type { CapabilityDeps } from '../capability.js';
import { type ChildEntity, type ChildRecord, createRecordStore, type RecordStore } from './records.js';
import type { ActionOutcome } from './types.js';

/**
 * What every birthday step shares: the rules' settings and stages, the child records, who is responsible, audit comments.
 */
export type BirthdayContext = ReturnType<typeof createBirthdayContext>;

export function createBirthdayContext(deps: CapabilityDeps) {
  const { config, redis, crm, outbox } = deps;
  const rules = config.rules;
  const settings = rules.birthdays;
  const timezone = rules.portal.timezone;
  const log = deps.log.child({ capability: 'birthdays' });
  const leadDays = rules.thresholds.birthdayLeadDays;
  const dateCode = rules.fields.childBirthdayDate;
  const textCode = rules.fields.childBirthdayText;
  const enabled = settings.enabled && dateCode !== undefined && textCode !== undefined;
  const records: RecordStore = createRecordStore(crm, settings.entity, { date: dateCode ?? '', text: textCode ?? '' }, timezone);
  const key = (...parts: Array<string | number>): string => [deps.prefix, 'bday', ...parts].join(':');
  const today = (): CalendarDate => calendarDateAt(deps.clock(), timezone);

  const checkPipeline = rules.pipelines.find((p) => p.stages.some((s) => s.role === 'manual_birthday_check'));
  const checkStage = checkPipeline?.stages.find((s) => s.role === 'manual_birthday_check');
  const checkDoneStage = checkPipeline?.stages.find((s) => s.role === 'won');
  const partyPipeline = rules.pipelines.find((p) => p.id === settings.pipelineId);
  const partyInWorkStage = partyPipeline?.stages.find((s) => s.role === 'in_work');
  const partyLostStage = partyPipeline?.stages.find((s) => s.role === 'lost');

  async function responsibleFor(record: ChildRecord): Promise<number> {
    if (record.assignedById !== null) {
      const user = await deps.directory.user(record.assignedById);
      if (user?.active) return record.assignedById;
    }
    // The manager left (or none is set): the account manager distributes by hand.
    return rules.accountManager;
  }

  function dealLink(dealId: number): string {
    return `${deps.portalUrl}/crm/deal/details/${dealId}/`;
  }

  const writes = deps.writes ?? createCrmWrites(deps);
  /** An audit note, once per `step` (a retry after a lost answer finds it instead of writing it again). */
  async function comment(entity: ChildEntity, id: number, step: string, text: string): Promise<void> {
    try {
      await writes.timelineComment(`${entity}:${id}:${step}`, { entityType: entity, entityId: id, comment: text });
    } catch (error) {
      // The audit note must not undo an applied action.
      log.warn({ err: error, entity, id }, 'timeline comment failed');
    }
  }


  async function getDealOrNull(id: number): Promise<Deal | null> {
    try {
      return await crm.getDeal(id);
    } catch (error) {
      if (error instanceof CrmNotFoundError) return null;
      throw error;
    }
  }

  const say = (ok: boolean, text: string): ActionOutcome => ({ ok, message: { text } });

  return { deps, config, redis, crm, outbox, rules, settings, timezone, log, leadDays, dateCode, textCode, enabled, records, key, today, checkPipeline, checkStage, checkDoneStage, partyPipeline, partyInWorkStage, partyLostStage, responsibleFor, dealLink, writes, comment, getDealOrNull, say };
}
