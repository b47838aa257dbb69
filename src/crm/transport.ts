import { AjaxError, type AjaxResult, ApiVersion, B24Hook, SdkError } from '@bitrix24/b24jssdk';
import type { Logger } from '../infra/log.js';
import { maskSecrets, registerSecret } from '../infra/secrets.js';
import { sleep } from '../infra/timing.js';
import {
  CrmError, CrmOperationLimitError, CrmRateLimitError, CrmUnavailableError, isTransient, provesNotProcessed, toCrmError,
} from './errors.js';
import { currentPriority } from './priority.js';
import type { RateBudget } from './rate-budget.js';

/**
 * The only place that talks to the SDK. Every request:
 *   1. waits for a token from the shared Redis budget (a batch is one request);
 *   2. goes out through `b24.actions.v2.call.make` (single attempt: the SDK's own limiter and retries are
 *      neutralised, see `SDK_RESTRICTIONS`);
 *   3. has any failure turned into a project `CrmError`, reading the portal body the SDK hides;
 *   4. is retried here with backoff when transient — but a non-idempotent call only when the failure proves
 *      the portal did not process it.
 */

/**
 * SDK restriction settings. The SDK keeps an in-memory bucket per instance and retries on its own; both are
 * wrong for several processes sharing one portal and for `*.add`. So: a bucket too large to ever wait, no
 * adaptive slow-down, exactly one attempt (`maxRetries` counts attempts), no network retries. The SDK's
 * operating-time limiter stays as a second guard: it only blocks a method that is about to hit 429 anyway.
 * Remaining SDK behaviour: on 401 `expired_token`/`invalid_token` it re-sends once (a webhook "refresh" returns
 * the same code) — harmless because auth is checked before the method runs.
 */
export const SDK_RESTRICTIONS = {
  rateLimit: { burstLimit: 1_000_000, drainRate: 1_000_000, adaptiveEnabled: false },
  adaptiveConfig: { enabled: false, thresholdPercent: 100, coefficient: 0, maxDelay: 0 },
  maxRetries: 1,
  retryDelay: 0,
  retryOnNetworkError: false,
};

export interface RetryOptions {
  /** Attempts in total, first one included (default 5). */
  attempts?: number;
  /** Backoff base for 503 / 5xx / network (default 1000 ms; doubled per attempt, ±20 % jitter). */
  baseDelayMs?: number;
  /** Cap for one backoff pause (default 30 s). */
  maxDelayMs?: number;
  /** Pause after 429 OPERATION_TIME_LIMIT (default 10 s; the portal does not say when the method unblocks). */
  operationLimitWaitMs?: number;
}

export interface TransportOptions {
  webhookUrl: string;
  budget: RateBudget;
  log: Logger;
  retry?: RetryOptions;
  /** Per-request timeout (default 60 s, the cloud portal's own hard limit). */
  timeoutMs?: number;
  /** Told about every HTTP request and every failed one (metrics). */
  observer?: CrmObserver;
}

export interface CrmObserver {
  request(method: string): void;
  error(method: string, code: string): void;
}

export interface CallOptions {
  /** Override the method-name rule (`*.add`, `*.send`… are non-idempotent). */
  idempotent?: boolean;
}

export interface CallResult<T> {
  result: T;
  total: number;
}

export type BatchCommand = readonly [method: string, params?: Record<string, unknown>];

export type BatchEntry =
  | { ok: true; result: unknown; total: number; next: number | undefined }
  | { ok: false; error: CrmError };

export interface TransportStats {
  /** HTTP requests sent (batches count once, retries count). */
  requests: number;
  retries: number;
  /** Total ms spent waiting for the shared budget. */
  budgetWaitMs: number;
}

/** Methods that create something: sending them twice creates it twice. */
export function isNonIdempotent(method: string): boolean {
  return /\.(add|send|register|answer|start|copy|import)$/i.test(method) || method === 'im.notify';
}

/** Parses `https://portal/rest/<userId>/<code>/` into its parts. */
export function parseWebhookUrl(webhookUrl: string): { origin: string; userId: number; secret: string } {
  let url: URL;
  try {
    url = new URL(webhookUrl);
  } catch {
    throw new Error('B24 webhook URL is not a valid URL');
  }
  const m = /^\/rest\/(\d+)\/([^/]+)\/?$/.exec(url.pathname);
  if (!m?.[1] || !m[2] || (url.protocol !== 'https:' && url.protocol !== 'http:')) {
    throw new Error(`B24 webhook URL must look like https://<portal>/rest/<userId>/<code>/ (got ${maskSecrets(url.origin + url.pathname)})`);
  }
  return { origin: url.origin, userId: Number(m[1]), secret: m[2] };
}

/**
 * Builds the SDK client. Production https URLs take the stock path; a loopback http:// URL (the sandbox)
 * gets an axios interceptor that rewrites the https:// origin the SDK insists on back to http://.
 */
export function createB24Client(webhookUrl: string, timeoutMs = 60_000, sdkRestrictions: object = SDK_RESTRICTIONS): B24Hook {
  const { origin, userId, secret } = parseWebhookUrl(webhookUrl);
  registerSecret(secret);
  const restrictionParams = sdkRestrictions as NonNullable<ConstructorParameters<typeof B24Hook>[1]>['restrictionParams'];
  const b24 = origin.startsWith('https:')
    ? B24Hook.fromWebhookUrl(`${origin}/rest/${userId}/${secret}`, { restrictionParams })
    : new B24Hook({ b24Url: origin, userId, secret }, { restrictionParams });
  for (const version of [ApiVersion.v2, ApiVersion.v3]) {
    const client = b24.getHttpClient(version).ajaxClient;
    client.defaults.timeout = timeoutMs;
    if (origin.startsWith('http:')) {
      const forced = origin.replace(/^http:/, 'https:');
      client.interceptors.request.use((config) => {
        if (config.url?.startsWith(forced)) config.url = origin + config.url.slice(forced.length);
        return config;
      });
    }
  }
  return b24;
}

interface PortalBody { error?: unknown; error_description?: unknown }

function portalBodyOf(err: unknown): PortalBody | undefined {
  const original = (err as { originalError?: { response?: { data?: unknown } } } | null)?.originalError;
  const data = original?.response?.data;
  return data && typeof data === 'object' ? (data as PortalBody) : undefined;
}

/** Turns whatever the SDK threw (or returned as a soft error) into a `CrmError`, reading the raw portal body. */
export function fromSdkFailure(err: unknown, method: string): CrmError {
  if (err instanceof CrmError) return err;
  if (err instanceof AjaxError) {
    const body = portalBodyOf(err);
    const bodyCode = typeof body?.error === 'string' ? body.error : '';
    const bodyDescription = typeof body?.error_description === 'string' ? body.error_description : undefined;
    return toCrmError({
      code: bodyCode || err.code,
      status: err.status,
      method,
      description: bodyDescription ?? err.message,
      cause: err,
    });
  }
  if (err instanceof SdkError) {
    return toCrmError({ code: err.code, status: err.status, method, description: err.message, cause: err });
  }
  const message = err instanceof Error ? err.message : String(err);
  const code = (err as { code?: unknown } | null)?.code;
  return new CrmUnavailableError({ code: typeof code === 'string' ? code : 'UNKNOWN', status: 0, method, description: message, cause: err });
}

/** PHP-bracket query encoding of batch sub-command params (`filter[>ID]=5&select[0]=ID`), as the portal parses it. */
export function encodeBatchParams(params: Record<string, unknown>): string {
  const parts: string[] = [];
  const walk = (value: unknown, key: string): void => {
    if (value === undefined) return;
    if (value === null) {
      parts.push(`${encodeURIComponent(key)}=`);
    } else if (value instanceof Date) {
      parts.push(`${encodeURIComponent(key)}=${encodeURIComponent(value.toISOString())}`);
    } else if (Array.isArray(value)) {
      value.forEach((item, i) => walk(item, `${key}[${i}]`));
    } else if (typeof value === 'object') {
      for (const [k, v] of Object.entries(value as Record<string, unknown>)) walk(v, `${key}[${k}]`);
    } else {
      parts.push(`${encodeURIComponent(key)}=${encodeURIComponent(String(value))}`);
    }
  };
  for (const [k, v] of Object.entries(params)) walk(v, k);
  return parts.join('&');
}


export interface Transport {
  readonly b24: B24Hook;
  readonly origin: string;
  call<T>(method: string, params?: Record<string, unknown>, options?: CallOptions): Promise<CallResult<T>>;
  /**
   * One `batch` request (≤ 50 commands). Never throws for a failed sub-command: each entry says ok or not.
   * A sub-command the portal answers with an empty/undefined result (legacy crm.* errors with `error: ""`, or
   * nothing at all) is a failure.
   */
  batch(commands: Record<string, BatchCommand>, options?: { halt?: boolean } & CallOptions): Promise<Record<string, BatchEntry>>;
  stats(): TransportStats;
}

export function createTransport(options: TransportOptions): Transport {
  const { origin } = parseWebhookUrl(options.webhookUrl);
  const b24 = createB24Client(options.webhookUrl, options.timeoutMs);
  const log = options.log;
  const attempts = Math.max(1, options.retry?.attempts ?? 5);
  const baseDelayMs = options.retry?.baseDelayMs ?? 1000;
  const maxDelayMs = options.retry?.maxDelayMs ?? 30_000;
  const operationLimitWaitMs = options.retry?.operationLimitWaitMs ?? 10_000;
  const stats: TransportStats = { requests: 0, retries: 0, budgetWaitMs: 0 };

  function backoff(attempt: number): number {
    const raw = Math.min(maxDelayMs, baseDelayMs * 2 ** attempt);
    return Math.round(raw * (0.8 + Math.random() * 0.4));
  }

  async function send(method: string, params: Record<string, unknown>, idempotent: boolean): Promise<AjaxResult<unknown>> {
    for (let attempt = 0; ; attempt++) {
      stats.budgetWaitMs += await options.budget.acquire(currentPriority());
      stats.requests++;
      options.observer?.request(method);
      let error: CrmError;
      try {
        const response = await b24.actions.v2.call.make<unknown>({ method, params });
        if (response.isSuccess) return response;
        // Soft errors (ERROR_ENTITY_NOT_FOUND…) come back as an unsuccessful result instead of a throw.
        const first = response.getErrors().next().value;
        error = fromSdkFailure(first ?? new Error('unsuccessful answer without an error'), method);
      } catch (err) {
        error = fromSdkFailure(err, method);
      }
      options.observer?.error(method, error.code || String(error.status));
      const retryable = isTransient(error) && (idempotent || provesNotProcessed(error));
      if (!retryable || attempt + 1 >= attempts) {
        log.warn({ method, code: error.code, status: error.status, attempt: attempt + 1, description: error.description }, 'bitrix24 call failed');
        throw error;
      }
      let pause = backoff(attempt);
      if (error instanceof CrmOperationLimitError) pause = Math.max(pause, operationLimitWaitMs);
      if (error instanceof CrmRateLimitError) await options.budget.penalize(pause);
      log.info({ method, code: error.code, status: error.status, attempt: attempt + 1, pauseMs: pause }, 'bitrix24 call retried');
      stats.retries++;
      await sleep(pause);
    }
  }

  return {
    b24,
    origin,
    async call<T>(method: string, params: Record<string, unknown> = {}, callOptions: CallOptions = {}) {
      const idempotent = callOptions.idempotent ?? !isNonIdempotent(method);
      const response = await send(method, params, idempotent);
      const data = response.getData();
      return { result: data?.result as T, total: response.getTotal() };
    },

    async batch(commands, batchOptions = {}) {
      const keys = Object.keys(commands);
      if (keys.length === 0) return {};
      if (keys.length > 50) throw new CrmError({ code: 'ERROR_BATCH_LENGTH_EXCEEDED', status: 400, method: 'batch', description: `${keys.length} commands; at most 50 fit in one batch` });
      const cmd: Record<string, string> = {};
      let idempotent = batchOptions.idempotent ?? true;
      for (const key of keys) {
        const [method, params] = commands[key]!;
        cmd[key] = `${method}?${encodeBatchParams(params ?? {})}`;
        if (batchOptions.idempotent === undefined && isNonIdempotent(method)) idempotent = false;
      }
      // `actions.v2.call` on `batch` rather than `actions.v2.batch`: the SDK's batch helper reports an empty-code
      // sub-error as success (and drops its description), and with halt=0 one missing sub-result throws away the
      // whole batch. The raw envelope keeps every detail.
      const response = await send('batch', { halt: batchOptions.halt ? 1 : 0, cmd }, idempotent);
      const envelope = (response.getData()?.result ?? {}) as {
        result?: unknown; result_error?: unknown; result_total?: unknown; result_next?: unknown;
      };
      const pick = (bag: unknown, key: string): unknown => (bag && typeof bag === 'object' && !Array.isArray(bag) ? (bag as Record<string, unknown>)[key] : undefined);
      const out: Record<string, BatchEntry> = {};
      for (const key of keys) {
        const method = commands[key]![0];
        const failure = pick(envelope.result_error, key) as PortalBody | string | undefined;
        const result = pick(envelope.result, key);
        if (failure !== undefined && failure !== null) {
          const code = typeof failure === 'string' ? failure : typeof failure.error === 'string' ? failure.error : '';
          const description = typeof failure === 'object' && typeof failure.error_description === 'string' ? failure.error_description : '';
          out[key] = { ok: false, error: toCrmError({ code: code || 'BATCH_SUB_ERROR', status: 400, method, description: description || 'sub-command failed' }) };
        } else if (result === undefined || result === null) {
          out[key] = { ok: false, error: toCrmError({ code: 'BATCH_EMPTY_RESULT', status: 400, method, description: 'sub-command returned no result' }) };
        } else {
          const total = Number(pick(envelope.result_total, key) ?? 0);
          const nextRaw = pick(envelope.result_next, key);
          out[key] = { ok: true, result, total: Number.isFinite(total) ? total : 0, next: nextRaw === undefined ? undefined : Number(nextRaw) };
        }
      }
      return out;
    },

    stats: () => ({ ...stats }),
  };
}
