export {
  MAX_REPORT_DAYS, parseReportArgs, type ReportArgs, type ReportArgsError, type ReportPeriodKind,
} from './args.js';
export { buildReport, TOP_REASONS } from './build.js';
export { type RenderReportOptions, renderReportBlocks, renderReportTable } from './render.js';
export type {
  CategoryReportRow, CountSum, DealMetrics, ManagerReportRow, MoneySums, ReasonCount, Report, ReportDealFacts,
  ReportInput, ReportLeadFacts, ReportPeriod, StageHistoryRow, StageReportRow, StageSemantic,
} from './types.js';
