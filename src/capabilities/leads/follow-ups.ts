import { randomUUID } from 'node:crypto';
import type { Lead } from '../../crm/index.js';
import { releaseLock } from '../../infra/lua.js';
import { addWorkingHours } from '../../rules/time/index.js';
import type { LeadContext } from './context.js';
import { LEAD_TEXTS } from './texts.js';
import {
  both, CLAIM_MS, type FinishFollowUp, FOLLOW_UP_SWEEP_AFTER_MS, FOLLOW_UP_TTL_SECONDS, type FollowUp,
  type FollowUpStep,
} from './types.js';

/**
 * An owner change and what must follow it (task, audit comment, message), each done once even when a run
 * fails half-way: the plan is kept in Redis until done, and a later run or the sweep finishes it. Claims keep two
 * routing runs (or a run and a hand assignment) off the same lead.
 */
export type LeadFollowUps = ReturnType<typeof createLeadFollowUps>;

export function createLeadFollowUps(ctx: LeadContext) {
  const { deps, crm, redis, log, outbox, rules, key, leadUrl, writes, getLeadOrNull, assignedMessage } = ctx;

  async function changeOwner(lead: Lead, followUp: Omit<FollowUp, 'at' | 'done'>): Promise<FinishFollowUp> {
    const record: FollowUp = { ...followUp, at: deps.clock().toISOString(), done: [] };
    await redis.set(key('followup', lead.id), JSON.stringify(record), 'EX', FOLLOW_UP_TTL_SECONDS);
    await crm.updateLead(lead.id, { ASSIGNED_BY_ID: followUp.userId });
    return () => runFollowUp(lead.id, record);
  }

  async function runFollowUp(leadId: number, record: FollowUp): Promise<void> {
    const recordKey = key('followup', leadId);
    const step = async (name: FollowUpStep, act: () => Promise<unknown>) => {
      if (record.done.includes(name)) return;
      await act();
      record.done.push(name);
      // XX: a record swept away meanwhile is not brought back.
      await redis.set(recordKey, JSON.stringify(record), 'KEEPTTL', 'XX');
    };
    const task = record.task;
    // Each step has the owner change's identity: a retry after a lost answer finds what was written, never repeats it.
    const stepKey = (name: FollowUpStep) => `lead:${leadId}:followup:${record.userId}@${record.at}:${name}`;
    if (task) await step('task', () => writes.task(stepKey('task'), { ...task, deadline: new Date(task.deadline) }));
    await step('comment', () => writes.timelineComment(stepKey('comment'), { entityType: 'lead', entityId: leadId, comment: record.comment }));
    await step('message', () => outbox.enqueue(record.intent));
    await redis.del(recordKey);
  }

  async function pendingFollowUp(leadId: number): Promise<FollowUp | null> {
    const raw = await redis.get(key('followup', leadId));
    return raw ? (JSON.parse(raw) as FollowUp) : null;
  }

  /** Finishes a follow-up the owner change left undone, if the lead still has that owner; true when it did. */
  async function resumeFollowUp(lead: Lead): Promise<boolean> {
    const pending = await pendingFollowUp(lead.id);
    if (!pending || pending.userId !== lead.assignedById) return false;
    log.warn({ leadId: lead.id, userId: pending.userId, done: pending.done }, 'finishing an interrupted lead assignment');
    await runFollowUp(lead.id, pending);
    return true;
  }

  async function applyAssignment(lead: Lead, userId: number, audit: string): Promise<FinishFollowUp> {
    const deadline = addWorkingHours(deps.clock(), rules.thresholds.leadTaskDeadlineHours, {
      timezone: rules.portal.timezone, start: rules.workingHours.start, end: rules.workingHours.end,
      days: rules.workingHours.days, holidays: rules.workingHours.holidays,
    });
    return changeOwner(lead, {
      userId,
      task: {
        title: LEAD_TEXTS.ru.taskTitle(lead.title ?? `#${lead.id}`), responsibleId: userId,
        description: LEAD_TEXTS.ru.taskDescription(leadUrl(lead.id)), deadline: deadline.toISOString(), crmBindings: [`L_${lead.id}`],
      },
      comment: audit,
      intent: {
        recipient: userId, kind: 'lead.assigned', entity: { type: 'lead', id: lead.id },
        key: `lead.assigned:${lead.id}:${userId}`, message: await assignedMessage({ ...lead, assignedById: userId }, deadline),
        digestLine: both((locale) => LEAD_TEXTS[locale].digestAssigned(lead.id, lead.title ?? '')),
      },
    });
  }

  /** Follow-ups older than this with no job left to finish them are finished (or dropped) by the scan. */
  async function sweepFollowUps(): Promise<number> {
    let finished = 0;
    const stale = deps.clock().getTime() - FOLLOW_UP_SWEEP_AFTER_MS;
    let cursorPos = '0';
    do {
      const [next, keys] = await redis.scan(cursorPos, 'MATCH', key('followup', '*'), 'COUNT', 100);
      cursorPos = next;
      for (const recordKey of keys) {
        const leadId = Number(recordKey.slice(recordKey.lastIndexOf(':') + 1));
        const pending = await pendingFollowUp(leadId);
        if (!Number.isInteger(leadId) || !pending || new Date(pending.at).getTime() > stale) continue;
        const token = await claim(leadId);
        if (!token) continue;
        try {
          const lead = await getLeadOrNull(leadId);
          // The owner change never happened, or someone changed the owner since: nothing of ours to finish.
          if (!lead || !(await resumeFollowUp(lead))) await redis.del(recordKey);
          else finished += 1;
        } finally {
          await release(leadId, token);
        }
      }
    } while (cursorPos !== '0');
    return finished;
  }

  async function claim(leadId: number, purpose: 'route' | 'assign' = 'route'): Promise<string | null> {
    const token = randomUUID();
    const ok = await redis.set(key(purpose, leadId), token, 'PX', CLAIM_MS, 'NX');
    return ok === 'OK' ? token : null;
  }

  async function release(leadId: number, token: string, purpose: 'route' | 'assign' = 'route'): Promise<void> {
    // Only the holder releases (a claim that lapsed may belong to someone else by now).
    await releaseLock(redis, key(purpose, leadId), token);
  }

  return { changeOwner, runFollowUp, pendingFollowUp, resumeFollowUp, applyAssignment, sweepFollowUps, claim, release };
}
