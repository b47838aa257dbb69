import { encodeCallback } from '../../chat/callback-codec.js';
import type { ChatMessage } from '../../chat/message.js';
import { actionButton, urlButton } from '../../chat/message.js';
import { CrmNotFoundError, createScanCursor } from '../../crm/index.js';
import type { Locale } from '../../i18n/index.js';
import {
  type BirthDate, birthdaysDue, type ChildBirthday, type DueBirthday, decideBirthdayNormalisation,
  type ManualCheckReason, parseBirthdayText,
} from '../../rules/birthday/index.js';
import { type CalendarDate, parseIsoDate, sameDate, toIso } from '../../rules/time/calendar-date.js';
import type { BirthdayContext } from './context.js';
import type { ChildEntity, ChildRecord } from './records.js';
import { birthdayTexts, bothLocales, formatDay, isoCompact } from './texts.js';
import {
  CHECK_KIND, CHECK_TTL_SECONDS, type CheckSnapshot, CLAIM_TTL_SECONDS, EMPTY_OUTCOMES, fullDate,
  type NormalisationOutcome, type NormalisationScanResult, REMINDER_KIND, type ReminderRunResult,
} from './types.js';

/**
 * The two birthday scans: normalising the date and free-text fields (a manual-check deal when they cannot be
 * reconciled), and, every day, a party deal and a reminder for each child whose birthday is near.
 */
export type BirthdayTrigger = ReturnType<typeof createBirthdayTrigger>;

export function createBirthdayTrigger(ctx: BirthdayContext) {
  const { deps, redis, crm, outbox, settings, log, leadDays, enabled, records, key, today, checkPipeline, checkStage,
    responsibleFor, dealLink, writes } = ctx;

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


  return { normaliseRecord, runNormalisationScan, runReminders };
}
