import { maskSecrets } from '../infra/secrets.js';

/**
 * Project-owned error types for everything that goes wrong between DealPilot and a Bitrix24 portal.
 * Callers branch on the class (or `kind`), never on SDK error codes. Messages are masked: the webhook code
 * never appears in `message`, `description` or `toJSON()`.
 */
export type CrmErrorKind =
  | 'not_found' | 'auth' | 'access' | 'method_not_found' | 'rate_limit' | 'operation_limit'
  | 'unavailable' | 'bad_request' | 'batch' | 'row';

export interface CrmErrorInit {
  code: string;
  status: number;
  method: string;
  description: string;
  cause?: unknown;
}

export class CrmError extends Error {
  readonly kind: CrmErrorKind = 'bad_request';
  /** The portal's error code (`QUERY_LIMIT_EXCEEDED`, `ACCESS_DENIED`…); legacy crm.* sends '' — then the SDK/transport code. */
  readonly code: string;
  /** HTTP status of the portal answer; 0 when no answer arrived (network). */
  readonly status: number;
  /** REST method (for a batch sub-command: the sub-command's method). */
  readonly method: string;
  /** The portal's `error_description`, masked. */
  readonly description: string;

  constructor(init: CrmErrorInit) {
    const description = maskSecrets(init.description);
    super(maskSecrets(`${init.method}: ${init.code || 'error'} (${init.status}) ${description}`.trim()));
    this.name = new.target.name;
    this.code = init.code;
    this.status = init.status;
    this.method = init.method;
    this.description = description;
    // The SDK error keeps the axios config (URL with the webhook code); keep it non-enumerable, like the SDK does.
    if (init.cause !== undefined) Object.defineProperty(this, 'cause', { value: init.cause, enumerable: false });
  }

  toJSON(): Record<string, unknown> {
    return { name: this.name, kind: this.kind, code: this.code, status: this.status, method: this.method, description: this.description };
  }
}

/** Entity does not exist (legacy `{"error":"","error_description":"Not found"}`, `NOT_FOUND`, `ERROR_ENTITY_NOT_FOUND`). */
export class CrmNotFoundError extends CrmError { override readonly kind = 'not_found' as const; }
/** 401: expired / invalid token, wrong webhook code. */
export class CrmAuthError extends CrmError { override readonly kind = 'auth' as const; }
/** 403 or legacy "Access denied": the webhook user lacks rights or scope. */
export class CrmAccessError extends CrmError { override readonly kind = 'access' as const; }
/** 404 ERROR_METHOD_NOT_FOUND: method unknown (or its module is not installed). */
export class CrmMethodNotFoundError extends CrmError { override readonly kind = 'method_not_found' as const; }
/** 503 QUERY_LIMIT_EXCEEDED: the portal's request-rate bucket overflowed; the request was not processed. */
export class CrmRateLimitError extends CrmError { override readonly kind = 'rate_limit' as const; }
/** 429 OPERATION_TIME_LIMIT: the method used up its execution-time budget; the request was not processed. */
export class CrmOperationLimitError extends CrmError { override readonly kind = 'operation_limit' as const; }
/** 5xx other than the limits above, network failures and timeouts: the portal may or may not have acted. */
export class CrmUnavailableError extends CrmError { override readonly kind = 'unavailable' as const; }
/** Any other rejection (validation, bad parameters). */
export class CrmBadRequestError extends CrmError { override readonly kind = 'bad_request' as const; }

/** One or more sub-commands of a batch failed. `failures` is keyed by command label; `results` holds the ones that worked. */
export class CrmBatchError extends CrmError {
  override readonly kind = 'batch' as const;
  readonly failures: Record<string, CrmError>;
  readonly results: Record<string, unknown>;

  constructor(failures: Record<string, CrmError>, results: Record<string, unknown> = {}) {
    const keys = Object.keys(failures);
    const first = keys[0] !== undefined ? failures[keys[0]] : undefined;
    super({
      code: first?.code ?? 'BATCH_FAILED',
      status: first?.status ?? 0,
      method: 'batch',
      description: `${keys.length} sub-command(s) failed: ${keys.map((k) => `${k} → ${failures[k]?.description || failures[k]?.code}`).join('; ')}`,
    });
    this.failures = failures;
    this.results = results;
  }
}

/** A row came back from the portal but does not match the project's entity schema. */
export class CrmRowError extends CrmError {
  override readonly kind = 'row' as const;
  readonly entity: string;
  readonly entityId: string | number | undefined;
  readonly issues: string[];

  constructor(entity: string, entityId: string | number | undefined, issues: string[], method = '') {
    super({ code: 'ROW_INVALID', status: 200, method, description: `${entity} ${entityId ?? '?'}: ${issues.join('; ')}` });
    this.entity = entity;
    this.entityId = entityId;
    this.issues = issues;
  }
}

/** Codes that mean the webhook/token is not accepted. */
const AUTH_CODES = new Set(['expired_token', 'invalid_token', 'NO_AUTH_FOUND', 'INVALID_TOKEN', 'WRONG_AUTH_TYPE', 'AUTHORIZE_ERROR']);
const ACCESS_CODES = new Set(['INVALID_CREDENTIALS', 'ACCESS_DENIED', 'insufficient_scope', 'user_access_error',
  'allowed_only_intranet_user']);
const NOT_FOUND_CODES = new Set(['NOT_FOUND', 'ERROR_ENTITY_NOT_FOUND', 'ENTITY_NOT_FOUND', 'ERROR_NOT_FOUND']);
const NETWORK_CODES = new Set(['NETWORK_ERROR', 'REQUEST_TIMEOUT', 'ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE',
  'ECONNABORTED', 'ERR_BAD_RESPONSE', 'EAI_AGAIN', 'ENOTFOUND', 'EHOSTUNREACH', 'ERR_SOCKET_CONNECTION_TIMEOUT']);

/** Builds the right project error from what the portal (or the network) said. */
export function toCrmError(init: CrmErrorInit): CrmError {
  const { code, status, description } = init;
  if (code === 'QUERY_LIMIT_EXCEEDED') return new CrmRateLimitError(init);
  if (code === 'OPERATION_TIME_LIMIT' || status === 429) return new CrmOperationLimitError(init);
  if (AUTH_CODES.has(code) || status === 401) return new CrmAuthError(init);
  if (ACCESS_CODES.has(code) || status === 403) return new CrmAccessError(init);
  if (code === 'ERROR_METHOD_NOT_FOUND' || (status === 404 && !NOT_FOUND_CODES.has(code))) return new CrmMethodNotFoundError(init);
  if (NOT_FOUND_CODES.has(code)) return new CrmNotFoundError(init);
  // Legacy crm.* / timeman answer 400 with an empty code; only the description tells what happened.
  if (/not found/i.test(description) && status < 500) return new CrmNotFoundError(init);
  if (/access denied/i.test(description) && status < 500) return new CrmAccessError(init);
  if (status >= 500 || status === 0 || status === 408 || NETWORK_CODES.has(code)) return new CrmUnavailableError(init);
  return new CrmBadRequestError(init);
}

/**
 * True when the failure proves the portal did not act on the request, so even a non-idempotent call
 * (`*.add`) may be sent again: the rate and operating-time limits and auth are checked before the method runs,
 * and a refused connection never delivered the request.
 */
export function provesNotProcessed(error: CrmError): boolean {
  return error instanceof CrmRateLimitError || error instanceof CrmOperationLimitError
    || error instanceof CrmAuthError || error.code === 'ECONNREFUSED';
}

/** Whether retrying can help at all (for idempotent calls). */
export function isTransient(error: CrmError): boolean {
  if (error.code === 'OVERLOAD_LIMIT') return false; // a manual block by Bitrix24 support: retrying only prolongs it
  return error instanceof CrmRateLimitError || error instanceof CrmOperationLimitError || error instanceof CrmUnavailableError;
}
