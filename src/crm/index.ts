/** The CRM layer: the only part of DealPilot that talks to Bitrix24 (and the only importer of b24jssdk). */

export type { CursorField, CursorState, ScanCursor } from './cursor.js';
export { createScanCursor } from './cursor.js';
export type { CalendarDate } from './dates.js';
export { calendarDateInZone, formatPortalDateTime, parseCalendarDate, parsePortalDateTime } from './dates.js';
export type {
  Category, Company, Contact, Deal, Department, EntityName, EntityTypes, Lead, MultiFieldValue, ProductRow, RejectedRow, Stage,
  StageHistoryEntry, StageSemantic, User,
} from './entities.js';
export type { CrmErrorKind } from './errors.js';
export {
  CrmAccessError, CrmAuthError, CrmBadRequestError, CrmBatchError, CrmError, CrmMethodNotFoundError, CrmNotFoundError,
  CrmOperationLimitError, CrmRateLimitError, CrmRowError, CrmUnavailableError,
} from './errors.js';
export type {
  ChangeScan, ChangeScanOptions, CrmGateway, CrmGatewayOptions, ListQuery, ListResult, NotifyInput, Page, TaskInput,
  TimelineCommentInput, TimemanStatus, UpdateOptions,
} from './gateway.js';
export { createCrmGateway } from './gateway.js';
export { MAX_BATCH, PAGE_SIZE } from './list.js';
export type { RateBudget, RateBudgetOptions } from './rate-budget.js';
export { createRateBudget, rateBudgetKey } from './rate-budget.js';
export type { BatchCommand, BatchEntry, CallOptions, CrmObserver, RetryOptions, TransportStats } from './transport.js';
