/** The CRM layer: the only part of DealPilot that talks to Bitrix24 (and the only importer of b24jssdk). */
export { createCrmGateway } from './gateway.js';
export type {
  CrmGateway, CrmGatewayOptions, ListQuery, Page, ListResult, ChangeScanOptions, ChangeScan, TimemanStatus,
  TimelineCommentInput, TaskInput, NotifyInput, UpdateOptions,
} from './gateway.js';
export { createScanCursor } from './cursor.js';
export type { ScanCursor, CursorField, CursorState } from './cursor.js';
export { createRateBudget, rateBudgetKey } from './rate-budget.js';
export type { RateBudget, RateBudgetOptions } from './rate-budget.js';
export {
  CrmError, CrmNotFoundError, CrmAuthError, CrmAccessError, CrmMethodNotFoundError, CrmRateLimitError,
  CrmOperationLimitError, CrmUnavailableError, CrmBadRequestError, CrmBatchError, CrmRowError,
} from './errors.js';
export type { CrmErrorKind } from './errors.js';
export type {
  Deal, Lead, Contact, User, Department, Stage, Category, StageHistoryEntry, ProductRow, StageSemantic,
  MultiFieldValue, RejectedRow, EntityName, EntityTypes,
} from './entities.js';
export { formatPortalDateTime, parseCalendarDate, parsePortalDateTime, calendarDateInZone } from './dates.js';
export type { CalendarDate } from './dates.js';
export type { BatchCommand, BatchEntry, CallOptions, CrmObserver, RetryOptions, TransportStats } from './transport.js';
export { PAGE_SIZE, MAX_BATCH } from './list.js';
