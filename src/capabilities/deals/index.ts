/**
 * Deals: stuck nudges and escalations, stage moves with required fields, rejection reasons (this folder), payment
 * follow-ups (../payments) and contract approval (../approvals) — one capability over one deal state, built here
 * from its parts.
 */

import { createApprovalActions } from '../approvals/actions.js';
import { createApprovalAnswers } from '../approvals/answers.js';
import { createApprovalRounds } from '../approvals/rounds.js';
import { createApprovalTrigger } from '../approvals/trigger.js';
import type { CapabilityDeps } from '../capability.js';
import { createPaymentActions } from '../payments/actions.js';
import { createPaymentTrigger } from '../payments/trigger.js';
import { createDealActions } from './actions.js';
import { createDealAnswers } from './answers.js';
import { createDealContext } from './context.js';
import { createDealDesk } from './desk.js';
import { createDealMoves } from './moves.js';
import { createDealTrigger } from './trigger.js';

const QUEUE = 'deals';

export type { ActionOutcome, DealsCapability, ScanSummary, TextOutcome } from './types.js';

import type { DealsCapability, ScanSummary } from './types.js';

export function createDealsCapability(deps: CapabilityDeps): DealsCapability {
  const ctx = createDealContext(deps);
  const { log, rules, state } = ctx;
  const moves = createDealMoves(ctx);
  const rounds = createApprovalRounds(ctx);
  const { ensureApprovalRequested } = rounds;
  const { scanStuck, scanUnpaidResults } = createDealTrigger(ctx);
  const { scanPayments } = createPaymentTrigger(ctx);
  const { scanApprovals } = createApprovalTrigger(ctx, rounds);
  const { answerDecline } = createApprovalAnswers(ctx, rounds);

  async function scan(options: { now?: Date } = {}): Promise<ScanSummary> {
    const now = options.now ?? deps.clock();
    const summary: ScanSummary = { nudges: 0, escalations: 0, payments: 0, unpaidResults: 0, approvalsSent: 0 };
    await scanStuck(now, summary);
    await scanPayments(now, summary);
    await scanUnpaidResults(summary);
    await scanApprovals(summary);
    log.info({ ...summary }, 'deal scan done');
    return summary;
  }

  return {
    name: 'deals',
    state,
    desk: createDealDesk(ctx),
    jobs: [
      { queue: QUEUE, name: 'scan', schedule: rules.schedules.dealScan, process: () => scan() },
      {
        queue: QUEUE, name: 'approval-check',
        process: async (job) => ensureApprovalRequested(Number((job.data as { dealId?: unknown }).dealId)),
        options: { attempts: 5, backoff: { type: 'exponential', delay: 2000 } },
      },
    ],
    async onBitrixEvent(event) {
      if (event.event !== 'ONCRMDEALUPDATE' && event.event !== 'ONCRMDEALADD') return;
      // Only the id is trusted; the job re-reads the deal.
      await deps.enqueue(QUEUE, 'approval-check', { dealId: event.entityId });
    },
    scan,

    ...createDealActions(ctx, moves),
    ...createPaymentActions(ctx, moves),
    ...createApprovalActions(ctx, rounds),
    ...createDealAnswers(ctx, moves, answerDecline),
  };
}
