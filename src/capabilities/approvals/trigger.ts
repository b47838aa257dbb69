import { stageStayKey } from '../../rules/deals/index.js';
import type { ApprovalRounds } from '../approvals/rounds.js';
import type { DealContext } from '../deals/context.js';
import type { ScanSummary } from '../deals/types.js';

/** The approval scan: deals sitting in an approval stage without this stay's round get one (a missed event). */
export function createApprovalTrigger(ctx: DealContext, rounds: ApprovalRounds) {
  const { deps, state, stagesWithRole, factsOf } = ctx;
  const { ensureApprovalRequested } = rounds;
  async function scanApprovals(summary: ScanSummary): Promise<void> {
    const stages = stagesWithRole('contract_approval');
    if (stages.length === 0) return;
    const { items } = await deps.crm.listDeals({
      filter: { STAGE_SEMANTIC_ID: 'P', '@STAGE_ID': stages.map((s) => s.id) }, select: ['ID', 'STAGE_ID', 'MOVED_TIME', 'ASSIGNED_BY_ID', 'CATEGORY_ID'],
    });
    for (const deal of items) {
      const facts = factsOf(deal);
      const current = await state.approval(deal.id);
      if (facts && current?.stay === stageStayKey(facts)) continue; // cheap check before the locked one
      if (await ensureApprovalRequested(deal.id)) summary.approvalsSent += 1;
    }
  }

  return { scanApprovals };
}
