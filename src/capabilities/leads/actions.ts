import { encodeCallback } from '../../chat/callback-codec.js';
import { actionButton, urlButton } from '../../chat/message.js';
import type { Lead } from '../../crm/index.js';
import { isAbove } from '../../identity/org.js';
import type { LeadContext } from './context.js';
import { readManagerFacts, routablePeople } from './facts.js';
import type { LeadFollowUps } from './follow-ups.js';
import { LEAD_TEXTS } from './texts.js';
import { type ActionOutcome, both, PICK_REASON } from './types.js';

/**
 * The lead's buttons: take it, reject it with a two-level reason, hand it to someone else.
 */
export type LeadActions = ReturnType<typeof createLeadActions>;

export function createLeadActions(ctx: LeadContext, followUps: LeadFollowUps) {
  const { crm, directory, rules, leadUrl, writes, stayStep, nameOf, candidateButtons, isOpen } = ctx;
  const { resumeFollowUp, applyAssignment, claim, release } = followUps;

  const outdated = (lead: Lead): ActionOutcome => ({
    ok: false,
    toast: both((l) => LEAD_TEXTS[l].alreadyHandled(lead.id, lead.title ?? '')),
    message: both((l) => ({ text: LEAD_TEXTS[l].alreadyHandled(lead.id, lead.title ?? ''), buttons: [[urlButton(LEAD_TEXTS[l].open, leadUrl(lead.id))]] })),
  });

  async function takeLead(actorId: number, leadId: number): Promise<ActionOutcome> {
    const lead = await crm.getLead(leadId);
    const actor = await nameOf(actorId);
    const done = both((l) => ({ text: LEAD_TEXTS[l].takenOutcome(lead.id, lead.title ?? '', actor), buttons: [[urlButton(LEAD_TEXTS[l].open, leadUrl(lead.id))]] }));
    if (lead.statusId === rules.leadStatuses.inWork) return { ok: true, message: done };
    if (!isOpen(lead) || lead.statusId !== rules.leadStatuses.new) return outdated(lead);
    await crm.updateLead(leadId, { STATUS_ID: rules.leadStatuses.inWork });
    await writes.timelineComment(`${stayStep(lead)}:taken`, { entityType: 'lead', entityId: leadId, comment: LEAD_TEXTS.ru.auditTaken(actor) });
    return { ok: true, message: done };
  }

  function findReason(statusId: string, reasonId?: string) {
    const status = rules.rejectionReasons.find((r) => r.id === statusId);
    const reason = reasonId === undefined ? undefined : status?.reasons.find((r) => r.id === reasonId);
    return { status, reason };
  }

  async function rejectMenu(leadId: number, statusId?: string): Promise<ActionOutcome> {
    const lead = await crm.getLead(leadId);
    if (!isOpen(lead)) return outdated(lead);
    const title = lead.title ?? '';
    if (statusId === undefined) {
      return {
        ok: true,
        message: both((l) => ({
          text: LEAD_TEXTS[l].pickRejectStatus(lead.id, title),
          buttons: rules.rejectionReasons.map((r) => [actionButton(r.label[l], encodeCallback('lead.reason', lead.id, r.id, PICK_REASON))]),
        })),
      };
    }
    const { status } = findReason(statusId);
    if (!status) return outdated(lead);
    return {
      ok: true,
      message: both((l) => ({
        text: LEAD_TEXTS[l].pickRejectReason(lead.id, title, status.label[l]),
        buttons: [
          ...status.reasons.map((r) => [actionButton(r.label[l], encodeCallback('lead.reason', lead.id, status.id, r.id))]),
          [actionButton(LEAD_TEXTS[l].back, encodeCallback('lead.reject', lead.id))],
        ],
      })),
    };
  }

  async function rejectLead(actorId: number, leadId: number, statusId: string, reasonId: string): Promise<ActionOutcome> {
    const lead = await crm.getLead(leadId);
    if (!isOpen(lead)) return outdated(lead);
    const { status, reason } = findReason(statusId, reasonId);
    if (!status || !reason) return outdated(lead);
    const fields: Record<string, unknown> = { STATUS_ID: rules.leadStatuses.junk };
    if (rules.fields.rejectionStatus) fields[rules.fields.rejectionStatus] = status.id;
    if (rules.fields.rejectionReason) fields[rules.fields.rejectionReason] = reason.id;
    await crm.updateLead(leadId, fields);
    const actor = await nameOf(actorId);
    await writes.timelineComment(`${stayStep(lead)}:rejected`, { entityType: 'lead', entityId: leadId,
      comment: LEAD_TEXTS.ru.auditRejected(actor, status.label.ru, reason.label.ru) });
    return {
      ok: true,
      message: both((l) => ({
        text: LEAD_TEXTS[l].rejectedOutcome(lead.id, lead.title ?? '', status.label[l], reason.label[l]),
        buttons: [[urlButton(LEAD_TEXTS[l].open, leadUrl(lead.id))]],
      })),
    };
  }

  async function mayReassign(actorId: number, ownerId: number): Promise<boolean> {
    if (actorId === rules.accountManager || rules.admins.includes(actorId)) return true;
    return isAbove(await directory.org(), actorId, ownerId);
  }

  const refused = (): ActionOutcome => ({ ok: false, toast: both((l) => LEAD_TEXTS[l].notAllowed) });

  async function reassignMenu(actorId: number, leadId: number): Promise<ActionOutcome> {
    const lead = await crm.getLead(leadId);
    if (!isOpen(lead)) return outdated(lead);
    if (!(await mayReassign(actorId, lead.assignedById ?? 0))) return refused();
    const org = await directory.org();
    const managers = await readManagerFacts(crm, rules, org, routablePeople(rules, org));
    const weights = rules.routing.loadWeights;
    const candidates = managers.filter((m) => m.active)
      .map((m) => ({ id: m.id, present: m.present, load: Math.round((weights.leads * m.openLeads + weights.deals * m.openDeals) * 1e6) / 1e6 }))
      .sort((a, b) => Number(b.present) - Number(a.present) || a.load - b.load || a.id - b.id);
    const exclude = lead.assignedById ? [lead.assignedById] : [];
    return {
      ok: true,
      message: {
        ru: { text: `${LEAD_TEXTS.ru.manualTitle(lead.id, lead.title ?? '')}\n${LEAD_TEXTS.ru.pickManager}`, buttons: await candidateButtons(lead.id, candidates, exclude, 'ru') },
        en: { text: `${LEAD_TEXTS.en.manualTitle(lead.id, lead.title ?? '')}\n${LEAD_TEXTS.en.pickManager}`, buttons: await candidateButtons(lead.id, candidates, exclude, 'en') },
      },
    };
  }

  async function assignByHand(actorId: number, leadId: number, userId: number): Promise<ActionOutcome> {
    // Serialises double presses (a routing claim is separate: it stays after routing to fend off late scans).
    const token = await claim(leadId, 'assign');
    if (!token) return { ok: false, toast: both((l) => LEAD_TEXTS[l].alreadyHandled(leadId, '')) };
    try {
      const lead = await crm.getLead(leadId);
      if (!isOpen(lead)) return outdated(lead);
      if (!(await mayReassign(actorId, lead.assignedById ?? 0))) return refused();
      const org = await directory.org();
      const target = org.users.get(userId);
      if (!target?.active || !routablePeople(rules, org).includes(userId)) {
        return { ok: false, toast: both((l) => LEAD_TEXTS[l].unknownManager) };
      }
      const name = await nameOf(userId);
      if (lead.assignedById === userId) {
        // A press again after a failure part-way finishes the hand-over (task, comment, message).
        await resumeFollowUp(lead);
        return { ok: true, message: both((l) => ({ text: LEAD_TEXTS[l].assignedOutcome(lead.id, lead.title ?? '', name), buttons: [[urlButton(LEAD_TEXTS[l].open, leadUrl(lead.id))]] })) };
      }
      await (await applyAssignment(lead, userId, LEAD_TEXTS.ru.auditByHand(await nameOf(actorId), name)))();
      return { ok: true, message: both((l) => ({ text: LEAD_TEXTS[l].assignedOutcome(lead.id, lead.title ?? '', name), buttons: [[urlButton(LEAD_TEXTS[l].open, leadUrl(lead.id))]] })) };
    } finally {
      await release(leadId, token, 'assign');
    }
  }

  return { takeLead, rejectMenu, rejectLead, reassignMenu, assignByHand, mayReassign };
}
