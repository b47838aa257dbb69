/** An open deal as the deal scan reads it (crm.deal.list). */
export interface DealFacts {
  id: number;
  /** STAGE_ID, e.g. "NEW" or "C1:PREPARATION". */
  stageId: string;
  categoryId: number;
  assignedById: number;
  /** MOVED_TIME: when the deal entered its current stage; together with stageId it names one stage stay. */
  movedTime: Date;
  /** OPPORTUNITY. */
  opportunity: number;
  /** CURRENCY_ID. */
  currency: string;
}

/** The identity of one stay of a deal in a stage: leaving and re-entering the stage starts a new one. */
export function stageStayKey(deal: Pick<DealFacts, 'id' | 'stageId' | 'movedTime'>): string {
  return `deal:${deal.id}:stay:${deal.stageId}@${deal.movedTime.toISOString()}`;
}
