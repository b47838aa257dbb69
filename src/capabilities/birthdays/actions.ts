import { encodeCallback } from '../../chat/callback-codec.js';
import type { ChatMessage } from '../../chat/message.js';
import { actionButton } from '../../chat/message.js';
import { CrmNotFoundError, type Deal } from '../../crm/index.js';
import type { Locale } from '../../i18n/index.js';
import { parseBirthdayText } from '../../rules/birthday/index.js';
import { type CalendarDate, toIso } from '../../rules/time/calendar-date.js';
import type { Actor } from '../chat.js';
import type { BirthdayContext } from './context.js';
import type { ChildRecord } from './records.js';
import { birthdayTexts, formatDay, NOT_RELEVANT_REASONS, type NotRelevantReason } from './texts.js';
import { type ActionOutcome, AWAIT_TTL_SECONDS, CHECK_KIND, type CheckChoice, type CheckSnapshot } from './types.js';

/**
 * The buttons: resolve a manual check (keep the text, use a suggested date, type one), take or dismiss a party deal.
 */
export type BirthdayActions = ReturnType<typeof createBirthdayActions>;

export function createBirthdayActions(ctx: BirthdayContext) {
  const { redis, crm, outbox, settings, log, records, key, today, checkStage, checkDoneStage, partyInWorkStage,
    partyLostStage, comment, getDealOrNull, say } = ctx;

  async function loadSnapshot(checkDealId: number): Promise<CheckSnapshot | null> {
    const text = await redis.get(key('check', checkDealId));
    if (!text) return null;
    try {
      return JSON.parse(text) as CheckSnapshot;
    } catch {
      return null;
    }
  }

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

  return {
    resolveCheck, beginTypedDate, acceptable, loadSnapshot, replaceCheckMessage, takePartyDeal, notRelevantPicker,
    dismissPartyDeal,
  };
}
