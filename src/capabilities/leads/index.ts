import { randomUUID } from 'node:crypto';
import type { Job } from 'bullmq';
import { encodeCallback } from '../../chat/callback-codec.js';
import { actionButton, type Button, type ChatMessage, urlButton } from '../../chat/message.js';
import { createScanCursor, formatPortalDateTime, type Lead, type TaskInput } from '../../crm/index.js';
import { createStageNames } from '../../crm/stage-names.js';
import { createCrmWrites } from '../../crm/writes.js';
import type { Locale } from '../../i18n/index.js';
import { isAbove, membersBelow, supervisorOf } from '../../identity/org.js';
import { releaseLock, withRedisLock } from '../../infra/lua.js';
import type { NotificationIntent } from '../../outbox/types.js';
import { routeLead as decideRoute, type RoundRobinState, type RoutingCandidate, type RoutingDecision } from '../../rules/routing/index.js';
import { addWorkingHours, daysElapsed } from '../../rules/time/index.js';
import type { Capability, CapabilityDeps } from '../capability.js';
import { batchAll, readLeadFacts, readManagerFacts, routablePeople } from './facts.js';
import { LEAD_TEXTS } from './texts.js';

export const LEADS_QUEUE = 'leads';
export const ROUTE_JOB = 'route';
export const SCAN_JOB = 'scan';
export const STUCK_JOB = 'stuck';
/** Placeholder second key of `lead.reason` meaning "a top-level status was picked; show its reasons". */
export const PICK_REASON = '_';
/** At most this many candidate buttons (Telegram keyboards get unwieldy beyond). */
const MAX_CANDIDATES = 10;
/** A claim outlives any routing run; it also keeps a second scan from touching the lead again soon after. */
const CLAIM_MS = 10 * 60_000;
const DAY_MS = 86_400_000;

export type RouteResult =
  | { status: 'assigned'; leadId: number; userId: number; decision: RoutingDecision }
  /** An earlier run changed the owner but failed before the task, comment or message: this run finished them. */
  | { status: 'resumed'; leadId: number; userId: number }
  | { status: 'manual'; leadId: number; to: number; decision: RoutingDecision }
  | { status: 'skipped'; leadId: number; reason: 'claimed' | 'not_waiting' | 'not_found' };

type FollowUpStep = 'task' | 'comment' | 'message';
/** Does the rest of an owner change (see changeOwner). */
type FinishFollowUp = () => Promise<void>;

/** What must follow a lead's owner change, kept in Redis until done (see changeOwner). */
interface FollowUp {
  userId: number;
  /** tasks.task.add input with the deadline as ISO text; absent for a manual-assignment hand-over. */
  task?: Omit<TaskInput, 'deadline'> & { deadline: string };
  comment: string;
  intent: NotificationIntent;
  /** When the owner change was recorded. */
  at: string;
  done: FollowUpStep[];
}

/** Long enough for every retry of the routing job; the scan finishes what is older than the sweep age. */
const FOLLOW_UP_TTL_SECONDS = 7 * 86_400;
const FOLLOW_UP_SWEEP_AFTER_MS = 10 * 60_000;

/** What a button press produced: a short answer for the press and, when the message should change, its new text. */
export interface ActionOutcome {
  ok: boolean;
  toast?: Record<Locale, string>;
  message?: Record<Locale, ChatMessage>;
}

export interface LeadsCapability extends Capability {
  /** Routes one lead if it is still waiting (claims it first, so concurrent callers route it once). */
  routeLead(leadId: number): Promise<RouteResult>;
  /** One tick of the scheduled scan: every waiting lead changed since the last tick is routed. */
  scanWaiting(): Promise<RouteResult[]>;
  /** Finishes owner changes whose task, comment or message a failure left undone (the scan job runs it). */
  sweepFollowUps(): Promise<number>;
  /** Leads with an open task stuck in one status too long → their manager's supervisor, once per stay. */
  checkStuckLeads(): Promise<number[]>;
  takeLead(actorId: number, leadId: number): Promise<ActionOutcome>;
  /** The two-level reject menu: no status → the statuses; a status → its concrete reasons. */
  rejectMenu(leadId: number, statusId?: string): Promise<ActionOutcome>;
  rejectLead(actorId: number, leadId: number, statusId: string, reasonId: string): Promise<ActionOutcome>;
  /** Candidate buttons to hand the lead to someone else (supervisors above the owner, the account manager, admins). */
  reassignMenu(actorId: number, leadId: number): Promise<ActionOutcome>;
  assignByHand(actorId: number, leadId: number, userId: number): Promise<ActionOutcome>;
  /** May this person hand the lead (owned by `ownerId`) to someone else? */
  mayReassign(actorId: number, ownerId: number): Promise<boolean>;
}

const both = <T>(make: (locale: Locale) => T): Record<Locale, T> => ({ ru: make('ru'), en: make('en') });

export function createLeadsCapability(deps: CapabilityDeps): LeadsCapability {
  const { crm, redis, log, outbox, directory } = deps;
  const rules = deps.config.rules;
  const key = (...parts: (string | number)[]) => `${deps.prefix}:leads:${parts.join(':')}`;
  const cursor = createScanCursor(redis, 'leads.waiting', { keyPrefix: deps.prefix });
  const leadUrl = (id: number) => `${deps.portalUrl}/crm/lead/details/${id}/`;
  const stageNames = createStageNames({ crm, rules, log });
  const writes = deps.writes ?? createCrmWrites(deps);
  /** The lead's current stay in its status, as a step name: taking or rejecting happens once per stay. */
  const stayStep = (lead: Lead) => `lead:${lead.id}:stay:${lead.statusId ?? ''}@${lead.movedAt?.toISOString() ?? ''}`;

  async function nameOf(userId: number): Promise<string> {
    const user = (await crm.getUsers({ includeInactive: true })).find((u) => u.id === userId);
    const name = [user?.name, user?.lastName].filter((p) => p).join(' ');
    return name || `#${userId}`;
  }

  function isWaiting(lead: Lead): boolean {
    if (lead.statusSemantic && lead.statusSemantic !== 'process') return false;
    const owner = lead.assignedById ?? null;
    if (rules.intakeUser !== undefined && owner === rules.intakeUser) return true;
    return lead.statusId === rules.leadStatuses.new && (owner === null || owner === 0);
  }

  async function getLeadOrNull(id: number): Promise<Lead | null> {
    try {
      return await crm.getLead(id);
    } catch (error) {
      if ((error as { name?: string }).name === 'CrmNotFoundError') return null;
      throw error;
    }
  }

  async function sourceName(sourceId: string | null | undefined): Promise<string | null> {
    if (!sourceId) return null;
    const sources = await crm.getStatuses({ entityId: 'SOURCE' });
    return sources.find((s) => s.statusId === sourceId)?.name ?? sourceId;
  }

  function formatDeadline(at: Date, locale: Locale): string {
    return new Intl.DateTimeFormat(locale === 'ru' ? 'ru-RU' : 'en-GB', {
      timeZone: rules.portal.timezone, day: '2-digit', month: '2-digit', hour: '2-digit', minute: '2-digit',
    }).format(at);
  }

  function contactLine(lead: Lead): string | null {
    const name = [lead.name, lead.lastName].filter((p) => p).join(' ');
    const phone = lead.phones?.[0]?.value;
    const email = lead.emails?.[0]?.value;
    const parts = [name, phone, email].filter((p): p is string => !!p);
    return parts.length > 0 ? parts.join(', ') : null;
  }

  function leadButtons(leadId: number, locale: Locale): Button[][] {
    const t = LEAD_TEXTS[locale];
    return [
      [actionButton(t.take, encodeCallback('lead.take', leadId)), actionButton(t.reject, encodeCallback('lead.reject', leadId))],
      [actionButton(t.reassign, encodeCallback('lead.reassign', leadId)), urlButton(t.open, leadUrl(leadId))],
    ];
  }

  async function candidateButtons(leadId: number, candidates: RoutingCandidate[], exclude: number[], locale: Locale): Promise<Button[][]> {
    const rows: Button[][] = [];
    for (const c of candidates.filter((c) => !exclude.includes(c.id)).slice(0, MAX_CANDIDATES)) {
      rows.push([actionButton(LEAD_TEXTS[locale].candidateButton(await nameOf(c.id), c.load, c.present),
        encodeCallback('lead.assign', leadId, c.id))]);
    }
    rows.push([urlButton(LEAD_TEXTS[locale].open, leadUrl(leadId))]);
    return rows;
  }

  async function assignedMessage(lead: Lead, deadline: Date): Promise<Record<Locale, ChatMessage>> {
    const source = await sourceName(lead.sourceId);
    const contact = contactLine(lead);
    return both((locale) => {
      const t = LEAD_TEXTS[locale];
      const title = lead.title ?? '';
      const lines = [
        t.assignedTitle(lead.id, title),
        `${t.contact}: ${contact ?? t.noValue}`,
        `${t.source}: ${source ?? t.noValue}`,
        `${t.comment}: ${lead.comments?.trim() || t.noValue}`,
        `${t.deadline}: **${formatDeadline(deadline, locale)}**`,
      ];
      return { text: lines.join('\n'), buttons: leadButtons(lead.id, locale) };
    });
  }

  /** Writes an assignment to the CRM (owner, task, audit comment) and tells the new manager. */
  /**
   * Gives a lead a new owner and does what follows (task, audit comment, message). Once the owner changed the lead
   * is no longer waiting, so no scan would route it again: the steps are recorded in Redis first and each is
   * ticked off, and whatever a failure left undone is finished by the job's retry or the next scan. A crash
   * right after the portal created the task but before it was ticked off repeats that one step (at least once).
   */
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

  async function routeLead(leadId: number): Promise<RouteResult> {
    const token = await claim(leadId);
    if (!token) return { status: 'skipped', leadId, reason: 'claimed' };
    try {
      // Re-read under the claim: whatever the caller saw may be stale.
      const lead = await getLeadOrNull(leadId);
      if (!lead) return { status: 'skipped', leadId, reason: 'not_found' };
      if (!isWaiting(lead)) {
        // A retry after a failure part-way: the owner changed, the task, comment or message may not have.
        if (await resumeFollowUp(lead)) return { status: 'resumed', leadId, userId: lead.assignedById! };
        return { status: 'skipped', leadId, reason: 'not_waiting' };
      }
      // One routing decision at a time across workers, from reading the loads to writing the new owner: two
      // decisions reading the same loads at once would both pick the least-loaded manager.
      const { result, finish } = await withRedisLock(redis, key('deciding'), () => decideAndAssign(lead), {
        ttlMs: 60_000, waitMs: 120_000, busy: () => new Error('lead routing is busy'),
      });
      await finish();
      return result;
    } catch (error) {
      await release(leadId, token);
      throw error;
    }
  }

  /** Decides and writes the new owner; the task, comment and message follow outside the decision lock. */
  async function decideAndAssign(lead: Lead): Promise<{ result: RouteResult; finish: FinishFollowUp }> {
    const leadId = lead.id;
    const org = await directory.org();
    const people = routablePeople(rules, org);
    const [facts, managers, roundRobin] = await Promise.all([
      readLeadFacts(crm, rules, lead),
      readManagerFacts(crm, rules, org, people),
      redis.hgetall(key('rr')).then((raw) => Object.fromEntries(Object.entries(raw).map(([k, v]) => [k, Number(v)])) as RoundRobinState),
    ]);
    const decision = decideRoute({
      lead: facts, rules: rules.routing, accountManager: rules.accountManager, managers,
      departmentMembers: (d) => membersBelow(org, d), roundRobin, locale: 'ru',
    });
    if (decision.kind === 'assign') {
      // Persist only the pool position this decision moved (other pools may have moved concurrently).
      for (const [pool, userId] of Object.entries(decision.roundRobin)) {
        if (roundRobin[pool] !== userId) await redis.hset(key('rr'), pool, userId);
      }
      const finish = await applyAssignment(lead, decision.userId, LEAD_TEXTS.ru.auditAssigned(await nameOf(decision.userId), decision.reason));
      log.info({ leadId, userId: decision.userId, rule: decision.ruleName }, 'lead assigned');
      return { result: { status: 'assigned', leadId, userId: decision.userId, decision }, finish };
    }
    const message: Record<Locale, ChatMessage> = {
      ru: await manualMessage(lead, decision, 'ru'),
      en: await manualMessage(lead, decision, 'en'),
    };
    const finish = await changeOwner(lead, {
      userId: decision.to,
      comment: LEAD_TEXTS.ru.auditManual(await nameOf(decision.to), decision.reason),
      intent: { recipient: decision.to, kind: 'lead.manual', entity: { type: 'lead', id: lead.id }, key: `lead.manual:${lead.id}`, message },
    });
    log.info({ leadId, to: decision.to, rule: decision.ruleName }, 'lead sent for manual assignment');
    return { result: { status: 'manual', leadId, to: decision.to, decision }, finish };
  }

  async function manualMessage(lead: Lead, decision: Extract<RoutingDecision, { kind: 'manual' }>, locale: Locale): Promise<ChatMessage> {
    const t = LEAD_TEXTS[locale];
    const lines = [t.manualTitle(lead.id, lead.title ?? ''), decision.reason];
    if (decision.hr) lines.push(t.manualHrHint);
    lines.push(t.pickManager);
    return { text: lines.join('\n'), buttons: await candidateButtons(lead.id, decision.candidates, [], locale) };
  }

  async function scanWaiting(): Promise<RouteResult[]> {
    const scan = await crm.scanChanges('lead', cursor, {
      filter: { STATUS_SEMANTIC_ID: 'P' },
      select: ['ID', 'STATUS_ID', 'STATUS_SEMANTIC_ID', 'ASSIGNED_BY_ID', 'DATE_MODIFY'],
    });
    const results: RouteResult[] = [];
    for (const lead of scan.items) {
      if (!isWaiting(lead)) continue;
      results.push(await routeLead(lead.id));
    }
    await scan.commit();
    return results;
  }

  async function checkStuckLeads(): Promise<number[]> {
    const now = deps.clock();
    // Calendar days are never fewer than working days, so this cutoff reads every candidate; the exact count
    // (as thresholds.dayCounting says) is checked per lead below.
    const cutoff = new Date(now.getTime() - rules.thresholds.leadStuckDays * DAY_MS);
    const { items } = await crm.listLeads({
      filter: { STATUS_SEMANTIC_ID: 'P', '<MOVED_TIME': formatPortalDateTime(cutoff, rules.portal.timezone) },
      select: ['ID', 'TITLE', 'STATUS_ID', 'ASSIGNED_BY_ID', 'MOVED_TIME'],
    });
    const owned = items.filter((l) => l.assignedById && l.assignedById !== rules.intakeUser && l.movedAt);
    if (owned.length === 0) return [];
    const answers = await batchAll(crm, Object.fromEntries(owned.map((l) => [`l${l.id}`,
      ['tasks.task.list', { filter: { UF_CRM_TASK: `L_${l.id}`, '<REAL_STATUS': 4 }, select: ['ID'] }] as const])));
    const org = await directory.org();
    const names = await stageNames.load();
    const notified: number[] = [];
    for (const lead of owned) {
      const entry = answers[`l${lead.id}`];
      if (!entry?.ok || entry.total === 0) continue;
      const days = daysElapsed(lead.movedAt!, now, rules.thresholds.dayCounting, {
        timezone: rules.portal.timezone, days: rules.workingHours.days, holidays: rules.workingHours.holidays,
      });
      if (days < rules.thresholds.leadStuckDays) continue;
      const supervisor = supervisorOf(org, lead.assignedById!);
      if (supervisor === null) continue;
      const stay = lead.movedAt!.getTime();
      // Once per stay: the marker lives for as long as the stay can be reported at all.
      const fresh = await redis.set(key('stuck', lead.id, stay), '1', 'PX', 365 * DAY_MS, 'NX');
      if (fresh !== 'OK') continue;
      const manager = await nameOf(lead.assignedById!);
      const status = lead.statusId ? names.lead(lead.statusId) : '';
      try {
        await outbox.enqueue({
          recipient: supervisor, kind: 'lead.stuck', entity: { type: 'lead', id: lead.id }, key: `lead.stuck:${lead.id}:${stay}`,
          message: both((locale) => ({
            text: LEAD_TEXTS[locale].stuck(lead.id, lead.title ?? '', manager, days, status),
            buttons: [[urlButton(LEAD_TEXTS[locale].open, leadUrl(lead.id))]],
          })),
          digestLine: both((locale) => LEAD_TEXTS[locale].stuckDigest(lead.id, lead.title ?? '', days)),
        });
      } catch (error) {
        await redis.del(key('stuck', lead.id, stay));
        throw error;
      }
      notified.push(lead.id);
    }
    return notified;
  }

  const outdated = (lead: Lead): ActionOutcome => ({
    ok: false,
    toast: both((l) => LEAD_TEXTS[l].alreadyHandled(lead.id, lead.title ?? '')),
    message: both((l) => ({ text: LEAD_TEXTS[l].alreadyHandled(lead.id, lead.title ?? ''), buttons: [[urlButton(LEAD_TEXTS[l].open, leadUrl(lead.id))]] })),
  });

  function isOpen(lead: Lead): boolean {
    return !lead.statusSemantic || lead.statusSemantic === 'process';
  }

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

  return {
    name: 'leads',
    jobs: [
      {
        queue: LEADS_QUEUE, name: ROUTE_JOB,
        async process(job: Job<{ leadId: number }>) {
          return routeLead(Number(job.data.leadId));
        },
      },
      {
        queue: LEADS_QUEUE, name: SCAN_JOB, schedule: rules.schedules.leadScan,
        async process() {
          const results = await scanWaiting();
          const resumed = await sweepFollowUps();
          return { routed: results.filter((r) => r.status !== 'skipped').length, resumed };
        },
      },
      {
        queue: LEADS_QUEUE, name: STUCK_JOB, schedule: rules.schedules.leadStuckScan,
        async process() {
          return { notified: (await checkStuckLeads()).length };
        },
      },
    ],
    async onBitrixEvent(event) {
      if (event.event !== 'ONCRMLEADADD') return;
      // The job id dedupes a repeated event while the first job is still known to the queue.
      await deps.enqueue(LEADS_QUEUE, ROUTE_JOB, { leadId: event.entityId }, { jobId: `route-${event.entityId}` });
    },
    routeLead,
    scanWaiting,
    sweepFollowUps,
    checkStuckLeads,
    takeLead,
    rejectMenu,
    rejectLead,
    reassignMenu,
    assignByHand,
    mayReassign,
  };
}
