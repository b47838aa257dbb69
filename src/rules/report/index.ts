export type {
  StageSemantic, ReportDealFacts, StageHistoryRow, ReportLeadFacts, ReportPeriod, ReportInput, MoneySums, CountSum,
  ReasonCount, DealMetrics, ManagerReportRow, StageReportRow, CategoryReportRow, Report,
} from './types.js';
export { buildReport, TOP_REASONS } from './build.js';
export { type RenderReportOptions, renderReportBlocks, renderReportTable } from './render.js';
export {
  type ReportArgs, type ReportArgsError, type ReportPeriodKind, parseReportArgs, MAX_REPORT_DAYS,
} from './args.js';
