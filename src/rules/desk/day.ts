/**
 * "My day": what a person should look at first, ranked. Pure: the facts and the rules' thresholds come in, the
 * ordered list goes out (the deal desk's server reads the facts; tests need no portal).
 */

export type DayReason = 'overdue' | 'payment' | 'approval' | 'new_lead' | 'open';

export interface DayCandidate {
  entity: { type: 'deal' | 'lead'; id: number };
  title: string;
  ownerId: number;
  /** Days in the current stage (status for leads), as the rules count them. */
  daysInStage: number;
  /** The stage's stuck threshold, when it has one. */
  stuckDays?: number;
  /** The stage's role in the rules (awaiting_payment, contract_approval…), when it has one. */
  stageRole?: string;
  /** A lead nobody has taken yet (still in its first status). */
  untakenLead?: boolean;
  amount?: number;
  currency?: string;
  stageName?: string;
}

export interface DayItem extends DayCandidate {
  reason: DayReason;
  /** Days past the stuck threshold (overdue items only). */
  overdueDays?: number;
}

const ORDER: Record<DayReason, number> = { overdue: 0, approval: 1, payment: 2, new_lead: 3, open: 4 };

/**
 * Why an item is on the list, for this viewer: overdue (past its stage's threshold) comes first, then contracts
 * waiting for the viewer's approval (never the manager's own: those wait on someone else), payments awaited, new
 * leads not yet taken, then every other open item.
 */
export function dayReason(item: DayCandidate, viewerId: number): DayReason {
  if (item.stuckDays !== undefined && item.daysInStage >= item.stuckDays) return 'overdue';
  if (item.stageRole === 'contract_approval' && item.ownerId !== viewerId) return 'approval';
  if (item.stageRole === 'awaiting_payment') return 'payment';
  if (item.entity.type === 'lead' && item.untakenLead) return 'new_lead';
  return 'open';
}

/** Ranked: by reason, then the longest waiting first (overdue by days past the threshold), then by id for a stable order. */
export function rankDay(candidates: readonly DayCandidate[], viewerId: number, limit = 200): DayItem[] {
  const items: DayItem[] = candidates.map((c) => {
    const reason = dayReason(c, viewerId);
    return reason === 'overdue' ? { ...c, reason, overdueDays: c.daysInStage - (c.stuckDays ?? 0) } : { ...c, reason };
  });
  items.sort((a, b) => ORDER[a.reason] - ORDER[b.reason]
    || (b.overdueDays ?? 0) - (a.overdueDays ?? 0)
    || b.daysInStage - a.daysInStage
    || (a.entity.type === b.entity.type ? a.entity.id - b.entity.id : a.entity.type < b.entity.type ? -1 : 1));
  return items.slice(0, limit);
}
