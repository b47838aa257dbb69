export type StageSemantic = 'P' | 'S' | 'F';

/** A deal as it is now (crm.deal.list). */
export interface ReportDealFacts {
  id: number;
  assignedById: number;
  categoryId: number;
  stageId: string;
  /** STAGE_SEMANTIC_ID: P in progress, S won, F lost. */
  semantic: StageSemantic;
  opportunity: number;
  currency: string;
  /** The rejection status label (fields.rejectionStatus); the failure stage id stands in when absent. */
  rejectStatus?: string | null;
}

/** One crm.stagehistory.list row: the deal `ownerId` entered `stageId` at `createdTime`. */
export interface StageHistoryRow {
  ownerId: number;
  stageId: string;
  categoryId: number;
  createdTime: Date;
  semantic: StageSemantic;
}

export interface ReportLeadFacts {
  id: number;
  assignedById: number;
  createdTime: Date;
  statusId: string;
  converted: boolean;
}

/** Half-open: `from` ≤ t < `to`. */
export interface ReportPeriod {
  from: Date;
  to: Date;
}

export interface ReportInput {
  period: ReportPeriod;
  /** Every deal that appears in `history`, plus the open deals to count as "not moved". */
  deals: ReportDealFacts[];
  /**
   * Stage history of those deals: the rows inside the period and, per deal, at least the last row before it
   * (the stage a deal came from decides whether its first move in the period went forward).
   */
  history: StageHistoryRow[];
  leads: ReportLeadFacts[];
  /** Stage ids of a pipeline in funnel order. */
  stageOrder: (categoryId: number) => readonly string[];
  /** Overdue (unanswered) nudges per user id. */
  overdueNudges: Record<number, number>;
  /** The managers to report on, in display order; anyone else's numbers go to the "others" row. */
  managers: number[];
}

/** Amounts per currency code; never mixed across currencies. */
export type MoneySums = Record<string, number>;

export interface CountSum {
  count: number;
  sum: MoneySums;
}

export interface ReasonCount {
  /** The rejection status's label; for a deal lost without one, empty and `stage` names where it failed. */
  status: string;
  count: number;
  /** The failure stage of deals lost without a rejection status (rendered by name, never as a raw id). */
  stage?: { categoryId: number; stageId: string };
}

export interface DealMetrics {
  /** Deals that moved forward in the pipeline at least once in the period. */
  forward: CountSum;
  /** Open deals with no forward move in the period. */
  idle: CountSum;
  /** Deals that moved to a failure stage in the period. */
  failed: CountSum & { topReasons: ReasonCount[] };
}

export interface ManagerReportRow extends DealMetrics {
  /** null for the "others" and totals rows. */
  userId: number | null;
  leadsNew: number;
  /** Leads received in the period that are converted by now. */
  leadsConverted: number;
  overdueNudges: number;
}

export interface StageReportRow {
  categoryId: number;
  stageId: string;
  /** Distinct deals that entered the stage in the period. */
  deals: number;
  /** Entries into the stage in the period: a deal going back and forth counts each time. */
  passes: number;
}

export interface CategoryReportRow extends DealMetrics {
  categoryId: number;
  /** Distinct deals with any stage entry in this pipeline in the period. */
  deals: number;
  passes: number;
  /** Stages of this pipeline, in funnel order (stages outside the order after them). */
  stages: StageReportRow[];
}

export interface Report {
  period: ReportPeriod;
  managers: ManagerReportRow[];
  /** People not in `managers` who had deals or leads in the report; absent when there were none. */
  others?: ManagerReportRow;
  totals: ManagerReportRow;
  categories: CategoryReportRow[];
}
