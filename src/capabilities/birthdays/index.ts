/**
 * Birthdays (issue 8): normalises the child's birthday fields (scheduled incremental scan + contact/deal update
 * events), opens a manual-check deal when the text and the date cannot be reconciled, and every day opens a
 * party deal for each child whose birthday is `thresholds.birthdayLeadDays` ahead, with a reminder to the manager.
 */
import type { Job } from 'bullmq';
import { encodeCallback } from '../../chat/callback-codec.js';
import type { ChatMessage } from '../../chat/message.js';
import { actionButton, urlButton } from '../../chat/message.js';
import type { Bitrix24Event } from '../../crm/events.js';
import { CrmNotFoundError, createScanCursor, type Deal } from '../../crm/index.js';
import { createCrmWrites } from '../../crm/writes.js';
import type { Locale } from '../../i18n/index.js';
import type { JobDefinition } from '../../jobs/runtime.js';
import {
  type BirthDate, birthdaysDue, type ChildBirthday, type DueBirthday, decideBirthdayNormalisation,
  type ManualCheckReason, parseBirthdayText,
} from '../../rules/birthday/index.js';
import { type CalendarDate, calendarDateAt, parseIsoDate, sameDate, toIso } from '../../rules/time/calendar-date.js';
import type { Capability, CapabilityDeps } from '../capability.js';
import type { Actor } from '../chat.js';
import { type ChildEntity, type ChildRecord, createRecordStore, type RecordStore } from './records.js';
import { birthdayTexts, bothLocales, formatDay, isoCompact, NOT_RELEVANT_REASONS, type NotRelevantReason } from './texts.js';

export const BIRTHDAYS_QUEUE = 'birthdays';
export const CHECK_KIND = 'birthday_check';
export const REMINDER_KIND = 'birthday_reminder';

export type NormalisationOutcome = 'none' | 'write_date' | 'clear_text' | 'manual_check' | 'check_already_open' | 'check_unconfigured';

export interface NormalisationScanResult {
  scanned: number;
  outcomes: Record<NormalisationOutcome, number>;
}

export interface ReminderRunResult {
  today: string;
  due: number;
  created: number;
  /** Due children whose party deal already existed (a second run, or a retry). */
  duplicates: number;
  /** Deal ids created, in order. */
  dealIds: number[];
}

/** The result of a button press or a typed reply, as a messenger-neutral message in the actor's language. */
export interface ActionOutcome {
  ok: boolean;
  message: ChatMessage;
}

export type CheckChoice = { kind: 'keep' } | { kind: 'use'; date: CalendarDate } | { kind: 'typed'; date: CalendarDate };

export interface BirthdaysCapability extends Capability {
  readonly enabled: boolean;
  /** Normalises one record now (events land here through the queue). */
  normaliseRecord(entity: ChildEntity, id: number): Promise<NormalisationOutcome>;
  /** Incremental scan of records with a non-empty text field (full read on the first pass, then DATE_MODIFY cursor). */
  runNormalisationScan(): Promise<NormalisationScanResult>;
  /** The daily reminder job: party deals + reminders for birthdays `leadDays` ahead, missed days caught up. */
  runReminders(): Promise<ReminderRunResult>;
  resolveCheck(checkDealId: number, choice: CheckChoice, actor: Actor, locale: Locale): Promise<ActionOutcome>;
  /**
   * "Type the date": remembers that the next text in this conversation (see Interaction.conversation) answers
   * this check; returns the prompt.
   */
  beginTypedDate(checkDealId: number, actor: Actor, locale: Locale, conversation: string): Promise<ActionOutcome>;
  /** A text in a conversation: null when no typed date is awaited there, else the outcome (and the check it answered). */
  submitTypedDate(conversation: string, actor: Actor, text: string, locale: Locale): Promise<(ActionOutcome & { checkDealId: number }) | null>;
  takePartyDeal(dealId: number, actor: Actor, locale: Locale): Promise<ActionOutcome>;
  /** "Not relevant": the reason picker (nothing changes yet). */
  notRelevantPicker(dealId: number, locale: Locale): Promise<ActionOutcome>;
  dismissPartyDeal(dealId: number, reason: string, actor: Actor, locale: Locale): Promise<ActionOutcome>;
}

interface CheckSnapshot {
  entity: ChildEntity;
  id: number;
  /** ISO date of the date field when the check was opened, or null. */
  date: string | null;
  text: string;
  recipient: number;
}

const CLAIM_TTL_SECONDS = 400 * 24 * 3600;
const CHECK_TTL_SECONDS = 180 * 24 * 3600;
const AWAIT_TTL_SECONDS = 3600;

const EMPTY_OUTCOMES = (): Record<NormalisationOutcome, number> => ({
  none: 0, write_date: 0, clear_text: 0, manual_check: 0, check_already_open: 0, check_unconfigured: 0,
});

function fullDate(date: BirthDate | undefined): CalendarDate | null {
  return date && date.year !== undefined ? { year: date.year, month: date.month, day: date.day } : null;
}

export function createBirthdaysCapability(deps: CapabilityDeps): BirthdaysCapability {
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

  // ---- normalisation ---------------------------------------------------------------------------------------

  function checkMessage(record: ChildRecord, checkDealId: number, reason: ManualCheckReason, parsed: CalendarDate | null): Record<Locale, ChatMessage> {
    return bothLocales((t, locale) => {
      const choices = [];
      if (record.dateField) choices.push(actionButton(t.keep(formatDay(record.dateField, locale)), encodeCallback('bday.keep', checkDealId)));
      if (parsed && !(record.dateField && sameDate(parsed, record.dateField))) {
        choices.push(actionButton(t.use(formatDay(parsed, locale)), encodeCallback('bday.use', checkDealId, isoCompact(parsed))));
      }
      return {
        text: t.checkMessage({
          who: record.label, reason, text: record.text,
          dateField: record.dateField ? formatDay(record.dateField, locale) : null,
        }),
        buttons: [
          ...(choices.length > 0 ? [choices] : []),
          [actionButton(t.typeDate, encodeCallback('bday.type', checkDealId))],
          [urlButton(t.open, records.url(deps.portalUrl, record.id))],
        ],
      };
    });
  }

  async function openCheck(record: ChildRecord, reason: ManualCheckReason, parsed: CalendarDate | null): Promise<NormalisationOutcome> {
    if (!checkPipeline || !checkStage) {
      log.warn({ entity: record.entity, id: record.id }, 'no stage with role manual_birthday_check: cannot open a check');
      return 'check_unconfigured';
    }
    const claimKey = key('open', record.entity, record.id);
    const existing = await redis.get(claimKey);
    if (existing && /^\d+$/.test(existing)) {
      const open = await crm.getDeal(Number(existing)).catch((error: unknown) => {
        if (error instanceof CrmNotFoundError) return null;
        throw error;
      });
      // Closed in the portal by hand: the question is open again.
      if (open && open.stageId === checkStage.id) return 'check_already_open';
      await redis.del(claimKey, key('check', existing));
    } else if (existing) {
      return 'check_already_open'; // another worker is opening it right now
    }
    if ((await redis.set(claimKey, 'opening', 'EX', CHECK_TTL_SECONDS, 'NX')) !== 'OK') return 'check_already_open';
    try {
      const recipient = await responsibleFor(record);
      const t = birthdayTexts.ru;
      const previous = existing && /^\d+$/.test(existing) ? existing : '0';
      const checkDealId = await writes.once.deal(`birthday-check:${record.entity}:${record.id}:after:${previous}`, {
        TITLE: t.checkTitle(record.label),
        CATEGORY_ID: checkPipeline.id,
        STAGE_ID: checkStage.id,
        ASSIGNED_BY_ID: recipient,
        ...(record.contactId !== null ? { CONTACT_ID: record.contactId } : {}),
        COMMENTS: `${t.checkReason[reason]}: «${record.text}» — ${records.url(deps.portalUrl, record.id)}`,
      });
      const snapshot: CheckSnapshot = {
        entity: record.entity, id: record.id, date: record.dateField ? toIso(record.dateField) : null, text: record.text, recipient,
      };
      await redis.multi()
        .set(claimKey, String(checkDealId), 'EX', CHECK_TTL_SECONDS)
        .set(key('check', checkDealId), JSON.stringify(snapshot), 'EX', CHECK_TTL_SECONDS)
        .exec();
      await outbox.enqueue({
        recipient, kind: CHECK_KIND, entity: { type: 'deal', id: checkDealId }, key: `${CHECK_KIND}:${checkDealId}`,
        message: checkMessage(record, checkDealId, reason, parsed),
        digestLine: bothLocales((tt) => `${tt.checkTitle(record.label)} — ${tt.checkReason[reason]}`),
      });
      log.info({ entity: record.entity, id: record.id, checkDealId, reason }, 'birthday check opened');
      return 'manual_check';
    } catch (error) {
      await redis.del(claimKey);
      throw error;
    }
  }

  async function normalise(record: ChildRecord): Promise<NormalisationOutcome> {
    const decision = decideBirthdayNormalisation({ dateField: record.dateField, text: record.text, today: today(), needYear: true });
    switch (decision.action) {
      case 'none':
        return 'none';
      case 'write_date':
        // The text only repeated this date, so it goes in the same write (one request, one update event).
        await records.update(record.id, { [records.fields.date]: toIso(decision.date), [records.fields.text]: '' });
        log.info({ entity: record.entity, id: record.id, date: toIso(decision.date) }, 'birthday text moved to the date field');
        return 'write_date';
      case 'clear_text':
        await records.update(record.id, { [records.fields.text]: '' });
        log.info({ entity: record.entity, id: record.id }, 'birthday text cleared (repeated the date)');
        return 'clear_text';
      case 'manual_check':
        return openCheck(record, decision.reason, fullDate(decision.parsed));
    }
  }

  async function normaliseRecord(entity: ChildEntity, id: number): Promise<NormalisationOutcome> {
    if (!enabled || entity !== records.entity) return 'none';
    try {
      return await normalise(await records.get(id));
    } catch (error) {
      if (error instanceof CrmNotFoundError) return 'none';
      throw error;
    }
  }

  const cursor = createScanCursor(redis, `birthdays-normalise-${settings.entity}`, { keyPrefix: deps.prefix });

  async function runNormalisationScan(): Promise<NormalisationScanResult> {
    const result: NormalisationScanResult = { scanned: 0, outcomes: EMPTY_OUTCOMES() };
    if (!enabled) return result;
    // Only a non-empty text can need work: a date alone is already normal.
    const scan = await crm.scanChanges(records.entity, cursor, {
      filter: { [`!${records.fields.text}`]: '' }, select: records.select(),
    });
    for (const row of scan.items) {
      const record = records.toRecord(row);
      result.scanned += 1;
      result.outcomes[await normalise(record)] += 1;
    }
    await scan.commit();
    return result;
  }

  // ---- manual check actions --------------------------------------------------------------------------------

  async function loadSnapshot(checkDealId: number): Promise<CheckSnapshot | null> {
    const text = await redis.get(key('check', checkDealId));
    if (!text) return null;
    try {
      return JSON.parse(text) as CheckSnapshot;
    } catch {
      return null;
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

  /** A date a person chose: valid, with a year, not in the future, plausible for a child. */
  function acceptable(date: CalendarDate): boolean {
    const parsed = parseBirthdayText(toIso(date), { today: today() });
    return parsed.ok && parsed.date.year === date.year && parsed.date.month === date.month && parsed.date.day === date.day;
  }

  async function resolveCheck(checkDealId: number, choice: CheckChoice, actor: Actor, locale: Locale): Promise<ActionOutcome> {
    const t = birthdayTexts[locale];
    const lockKey = key('resolving', checkDealId);
    if ((await redis.set(lockKey, '1', 'EX', 60, 'NX')) !== 'OK') return say(false, t.alreadyResolved);
    try {
      const snapshot = await loadSnapshot(checkDealId);
      const deal = await getDealOrNull(checkDealId);
      if (!deal) return say(false, t.gone);
      if (!snapshot || deal.stageId !== checkStage?.id) return say(false, t.alreadyResolved);
      let record: ChildRecord;
      try {
        record = await records.get(snapshot.id);
      } catch (error) {
        if (error instanceof CrmNotFoundError) return say(false, t.gone);
        throw error;
      }
      const currentDate = record.dateField ? toIso(record.dateField) : null;
      if (currentDate !== snapshot.date || record.text !== snapshot.text) return say(false, t.changedSinceSent);
      const date = choice.kind === 'keep' ? record.dateField : choice.date;
      if (!date || !acceptable(date)) return say(false, t.typedInvalid);

      await records.update(record.id, { [records.fields.date]: toIso(date), [records.fields.text]: '' });
      await crm.updateDeal(checkDealId, { ...(checkDoneStage ? { STAGE_ID: checkDoneStage.id } : { CLOSED: 'Y' }) });
      await redis.del(key('check', checkDealId), key('open', record.entity, record.id));
      await comment(record.entity, record.id, `birthday-check:${checkDealId}:resolved`, birthdayTexts.ru.auditResolved(formatDay(date, 'ru'), actor.name));
      log.info({ checkDealId, entity: record.entity, id: record.id, date: toIso(date), actor: actor.b24UserId, choice: choice.kind },
        'birthday check resolved');
      return say(true, t.resolved(record.label, formatDay(date, locale)));
    } finally {
      await redis.del(lockKey);
    }
  }

  /** The check message with its buttons gives way to the outcome, so nobody presses a stale choice. */
  async function replaceCheckMessage(checkDealId: number, recipient: number, message: ChatMessage): Promise<void> {
    try {
      const ref = await outbox.findRef(CHECK_KIND, { type: 'deal', id: checkDealId }, recipient);
      if (ref && !ref.digest) await outbox.edit(ref, message);
    } catch (error) {
      log.warn({ err: error, checkDealId }, 'could not edit the birthday check message');
    }
  }

  async function beginTypedDate(checkDealId: number, _actor: Actor, locale: Locale, conversation: string): Promise<ActionOutcome> {
    const t = birthdayTexts[locale];
    const snapshot = await loadSnapshot(checkDealId);
    if (!snapshot) return say(false, t.alreadyResolved);
    await redis.set(key('await', conversation), String(checkDealId), 'EX', AWAIT_TTL_SECONDS);
    let label = `#${snapshot.id}`;
    try {
      label = (await records.get(snapshot.id)).label;
    } catch (error) {
      if (!(error instanceof CrmNotFoundError)) throw error;
    }
    return say(true, t.typePrompt(label));
  }

  async function submitTypedDate(conversation: string, actor: Actor, text: string, locale: Locale) {
    const awaitKey = key('await', conversation);
    const pending = await redis.get(awaitKey);
    if (!pending || !/^\d+$/.test(pending)) return null;
    const checkDealId = Number(pending);
    const t = birthdayTexts[locale];
    const parsed = parseBirthdayText(text, { today: today() });
    if (!parsed.ok) return { ...say(false, t.typedInvalid), checkDealId };
    const date = fullDate(parsed.date);
    if (!date) return { ...say(false, t.typedNeedsYear), checkDealId };
    const snapshot = await loadSnapshot(checkDealId);
    const outcome = await resolveCheck(checkDealId, { kind: 'typed', date }, actor, locale);
    // A wrong date keeps the question open; anything else (saved, closed meanwhile, changed) ends it.
    if (outcome.ok || outcome.message.text !== t.typedInvalid) await redis.del(awaitKey);
    if (outcome.ok && snapshot) await replaceCheckMessage(checkDealId, snapshot.recipient, outcome.message);
    return { ...outcome, checkDealId };
  }

  // ---- reminders -------------------------------------------------------------------------------------------

  function childBirth(record: ChildRecord, on: CalendarDate): BirthDate | null {
    if (record.dateField) return record.dateField;
    const parsed = parseBirthdayText(record.text, { today: on });
    return parsed.ok ? parsed.date : null;
  }

  function reminderMessage(record: ChildRecord, due: DueBirthday, dealId: number, dealTitle: string): Record<Locale, ChatMessage> {
    return bothLocales((t, locale) => ({
      text: t.reminder({ who: record.label, day: formatDay(due.birthday, locale), age: due.ageTurning, leadDays, dealTitle }),
      buttons: [
        [actionButton(t.takeInWork, encodeCallback('bday.take', dealId)), actionButton(t.notRelevant, encodeCallback('bday.skip', dealId))],
        [urlButton(t.open, dealLink(dealId))],
      ],
    }));
  }

  async function openPartyDeal(record: ChildRecord, due: DueBirthday): Promise<{ dealId: number; created: boolean }> {
    const claimKey = key('claim', due.dedupeKey);
    const t = birthdayTexts.ru;
    const title = t.partyDealTitle(record.label, formatDay(due.birthday, 'ru'));
    const acquired = (await redis.set(claimKey, 'creating', 'EX', CLAIM_TTL_SECONDS, 'NX')) === 'OK';
    let dealId: number;
    let recipient: number;
    if (!acquired) {
      const claimed = (await redis.get(claimKey)) ?? '';
      const [idText, recipientText] = claimed.split('@');
      // 'creating': another run is on it (or crashed mid-way: a missed message, never a second deal).
      if (!idText || !/^\d+$/.test(idText) || !recipientText) return { dealId: 0, created: false };
      dealId = Number(idText);
      recipient = Number(recipientText);
    } else {
      try {
        recipient = await responsibleFor(record);
        dealId = await writes.once.deal(`birthday-party:${due.dedupeKey}`, {
          TITLE: title,
          CATEGORY_ID: settings.pipelineId,
          STAGE_ID: settings.stageId,
          ASSIGNED_BY_ID: recipient,
          ...(record.contactId !== null ? { CONTACT_ID: record.contactId } : {}),
          CLOSEDATE: toIso(due.birthday),
          COMMENTS: `${t.partyDealComment(formatDay(due.birthday, 'ru'), due.ageTurning)} ${records.url(deps.portalUrl, record.id)}`,
        });
      } catch (error) {
        await redis.del(claimKey);
        throw error;
      }
      await redis.set(claimKey, `${dealId}@${recipient}`, 'EX', CLAIM_TTL_SECONDS);
      log.info({ entity: record.entity, id: record.id, dealId, birthday: toIso(due.birthday), dueOn: toIso(due.dueOn) }, 'party deal opened');
    }
    // Re-enqueued on a repeat run too: the outbox drops the duplicate key, and a message lost to a crash goes out.
    await outbox.enqueue({
      recipient, kind: REMINDER_KIND, entity: { type: 'deal', id: dealId }, key: due.dedupeKey,
      message: reminderMessage(record, due, dealId, title),
      digestLine: bothLocales((tt, locale) => tt.reminderDigest(record.label, formatDay(due.birthday, locale))),
    });
    return { dealId, created: acquired };
  }

  async function runReminders(): Promise<ReminderRunResult> {
    const day = today();
    const result: ReminderRunResult = { today: toIso(day), due: 0, created: 0, duplicates: 0, dealIds: [] };
    if (!enabled) return result;
    if (settings.pipelineId === undefined || !settings.stageId) return result;
    const lastRunKey = key('last-run-day');
    const lastRunDay = parseIsoDate((await redis.get(lastRunKey)) ?? '');
    const filled = await records.listFilled();
    const byKey = new Map<string, ChildRecord>();
    const children: ChildBirthday[] = [];
    for (const record of filled) {
      const birth = childBirth(record, day);
      if (!birth) continue;
      const childKey = `${record.entity}:${record.id}`;
      byKey.set(childKey, record);
      children.push({ key: childKey, birth });
    }
    const due = birthdaysDue({ children, today: day, leadDays, lastRunDay });
    result.due = due.length;
    for (const item of due) {
      const record = byKey.get(item.key);
      if (!record) continue;
      const opened = await openPartyDeal(record, item);
      if (opened.created) {
        result.created += 1;
        result.dealIds.push(opened.dealId);
      } else {
        result.duplicates += 1;
      }
    }
    // Only a finished run moves the mark, so a failed day is caught up by the next run.
    const previous = await redis.get(lastRunKey);
    if (!previous || previous < result.today) await redis.set(lastRunKey, result.today);
    log.info({ ...result, dealIds: undefined }, 'birthday reminders done');
    return result;
  }

  // ---- party deal actions ----------------------------------------------------------------------------------

  async function partyDealStillNew(dealId: number): Promise<Deal | null> {
    const deal = await getDealOrNull(dealId);
    if (!deal || deal.categoryId !== settings.pipelineId || deal.stageId !== settings.stageId) return null;
    return deal;
  }

  async function takePartyDeal(dealId: number, actor: Actor, locale: Locale): Promise<ActionOutcome> {
    const t = birthdayTexts[locale];
    const deal = await partyDealStillNew(dealId);
    if (!deal) return say(false, t.partyClosed);
    if (partyInWorkStage) await crm.updateDeal(dealId, { STAGE_ID: partyInWorkStage.id });
    await comment('deal', dealId, 'party:taken', birthdayTexts.ru.auditTaken(actor.name));
    return say(true, t.taken(deal.title ?? `#${dealId}`, actor.name));
  }

  async function notRelevantPicker(dealId: number, locale: Locale): Promise<ActionOutcome> {
    const t = birthdayTexts[locale];
    const deal = await partyDealStillNew(dealId);
    if (!deal) return say(false, t.partyClosed);
    const buttons = NOT_RELEVANT_REASONS.map((reason) => [actionButton(t.reasons[reason], encodeCallback('bday.reason', dealId, reason))]);
    return { ok: true, message: { text: t.pickReason(deal.title ?? `#${dealId}`), buttons } };
  }

  async function dismissPartyDeal(dealId: number, reason: string, actor: Actor, locale: Locale): Promise<ActionOutcome> {
    const t = birthdayTexts[locale];
    if (!(NOT_RELEVANT_REASONS as readonly string[]).includes(reason)) return say(false, t.partyClosed);
    const known = reason as NotRelevantReason;
    const deal = await partyDealStillNew(dealId);
    if (!deal) return say(false, t.partyClosed);
    await crm.updateDeal(dealId, { ...(partyLostStage ? { STAGE_ID: partyLostStage.id } : { CLOSED: 'Y' }) });
    await comment('deal', dealId, 'party:dismissed', birthdayTexts.ru.auditDismissed(birthdayTexts.ru.reasons[known], actor.name));
    return say(true, t.dismissed(deal.title ?? `#${dealId}`, t.reasons[known], actor.name));
  }

  // ---- jobs and events -------------------------------------------------------------------------------------

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
