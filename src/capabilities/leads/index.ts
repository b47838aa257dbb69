import type { Job } from 'bullmq';
import type { CapabilityDeps } from '../capability.js';
import { createLeadActions } from './actions.js';
import { createLeadContext } from './context.js';
import { createLeadDesk } from './desk.js';
import { createLeadFollowUps } from './follow-ups.js';
import { createLeadTrigger } from './trigger.js';
import { LEADS_QUEUE, type LeadsCapability, ROUTE_JOB, SCAN_JOB, STUCK_JOB } from './types.js';

export type { ActionOutcome, LeadsCapability, RouteResult } from './types.js';
/**
 * Leads: routing new and waiting leads to a manager (trigger), the exactly-once owner change and what follows it
 * (follow-ups), the lead's buttons (actions) and how they reach the chat (chat); built here from its parts.
 */
export { LEADS_QUEUE, PICK_REASON, ROUTE_JOB, SCAN_JOB, STUCK_JOB } from './types.js';

export function createLeadsCapability(deps: CapabilityDeps): LeadsCapability {
  const ctx = createLeadContext(deps);
  const { rules } = ctx;
  const followUps = createLeadFollowUps(ctx);
  const { sweepFollowUps } = followUps;
  const { routeLead, scanWaiting, checkStuckLeads } = createLeadTrigger(ctx, followUps);
  const { takeLead, rejectMenu, rejectLead, reassignMenu, assignByHand, mayReassign } = createLeadActions(ctx, followUps);

  return {
    desk: createLeadDesk(ctx),
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
