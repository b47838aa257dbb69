import { type ChatMessage, urlButton } from '../../chat/message.js';
import { formatPortalDateTime, type Lead } from '../../crm/index.js';
import type { Locale } from '../../i18n/index.js';
import { membersBelow, supervisorOf } from '../../identity/org.js';
import { withRedisLock } from '../../infra/lua.js';
import { routeLead as decideRoute, type RoundRobinState, type RoutingDecision } from '../../rules/routing/index.js';
import { daysElapsed } from '../../rules/time/index.js';
import type { LeadContext } from './context.js';
import { batchAll, readLeadFacts, readManagerFacts, routablePeople } from './facts.js';
import type { LeadFollowUps } from './follow-ups.js';
import { LEAD_TEXTS } from './texts.js';
import { both, DAY_MS, type FinishFollowUp, type RouteResult } from './types.js';

/**
 * New and waiting leads → routed by the rules (or offered to the account manager by hand); leads stuck in a
 * status too long → their manager's supervisor.
 */
export type LeadTrigger = ReturnType<typeof createLeadTrigger>;

export function createLeadTrigger(ctx: LeadContext, followUps: LeadFollowUps) {
  const { deps, crm, redis, log, outbox, directory, rules, key, cursor, leadUrl, stageNames, nameOf,
    isWaiting, getLeadOrNull, candidateButtons } = ctx;
  const { changeOwner, resumeFollowUp, applyAssignment, claim, release } = followUps;

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

  return { routeLead, scanWaiting, checkStuckLeads };
}
