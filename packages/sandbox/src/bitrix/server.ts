/**
 * The HTTP side of the sandbox portal: `/rest/<userId>/<code>/<method>[.json]` with JSON, form or query params,
 * the success envelope with `time`, the real error bodies, `batch` with `$result[...]` references, the leaky
 * bucket, fault injection and the call log (also served at /sandbox/calls for multi-process tests).
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { SandboxLogger as Logger } from '../log.js';
import type { SandboxClock } from './clock.js';
import { EXPIRED_TOKEN_ERROR, type InjectedError, QUERY_LIMIT_ERROR, type SandboxFaults } from './faults.js';
import { isWriteMethod, METHODS, type MethodContext, type MethodResult, type Params, param, RestError } from './methods.js';
import { type PhpValue, parsePhpQuery } from './php-query.js';
import type { PortalTime } from './portal-time.js';
import type { LeakyBucket } from './rate-limit.js';
import type { BitrixStore } from './store.js';

export interface CallLogEntry {
  /** Method name as called, lower-cased (`crm.deal.list`, `batch`). */
  method: string;
  params: Params;
  /** HTTP status (for a batch sub-command: the status its error carries, 200 on success; 0 = never answered). */
  status: number;
  /** Portal clock, epoch ms. */
  at: number;
  viaBatch: boolean;
  /** Error code when the call failed. */
  error?: string;
}

const MAX_BATCH = 50;
const OPERATING_WINDOW_MS = 600_000;
const MAX_BODY_BYTES = 20 * 1024 * 1024;

interface Timing {
  start: number;
  finish: number;
  duration: number;
  processing: number;
  date_start: string;
  date_finish: string;
  operating_reset_at: number;
  operating: number;
}

export interface ServerDeps {
  store: BitrixStore;
  time: PortalTime;
  clock: SandboxClock;
  faults: SandboxFaults;
  bucket: LeakyBucket;
  userId: number;
  code: string;
  log: Logger;
  /** Extra control routes under /sandbox/ (JSON in, JSON out). */
  control?: (route: string, method: string, body: unknown, query: URLSearchParams) => unknown;
}

const NOT_FOUND_METHOD = new RestError(404, 'ERROR_METHOD_NOT_FOUND', 'Method not found!');

/** PHP serializes an empty associative array as `[]`. */
function phpMap(map: Record<string, unknown>): Record<string, unknown> | [] {
  return Object.keys(map).length === 0 ? [] : map;
}

function resolveReference(results: Record<string, unknown>, key: string, path: string): unknown {
  let value: unknown = results[key];
  for (const match of path.matchAll(/\[([^\]]*)\]/g)) {
    if (value === null || typeof value !== 'object') return undefined;
    value = (value as Record<string, unknown>)[match[1] ?? ''];
  }
  return value;
}

const REFERENCE = /\$result\[([^\]]+)\]((?:\[[^\]]*\])*)/g;

/** Replaces `$result[key][field]…` in sub-command values; an unresolvable reference becomes ''. */
function substituteReferences(value: PhpValue | unknown, results: Record<string, unknown>): unknown {
  if (typeof value === 'string') {
    if (!value.includes('$result[')) return value;
    const whole = /^\$result\[([^\]]+)\]((?:\[[^\]]*\])*)$/.exec(value);
    if (whole) {
      const resolved = resolveReference(results, whole[1]!, whole[2] ?? '');
      return resolved === undefined || resolved === null ? '' : resolved;
    }
    return value.replace(REFERENCE, (_m, key: string, path: string) => {
      const resolved = resolveReference(results, key, path);
      return resolved === undefined || resolved === null || typeof resolved === 'object' ? '' : String(resolved);
    });
  }
  if (Array.isArray(value)) return value.map((v) => substituteReferences(v, results));
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, substituteReferences(v, results)]));
  }
  return value;
}

export class SandboxHttpServer {
  readonly callLog: CallLogEntry[] = [];
  private readonly server: http.Server;
  private readonly operating = new Map<string, Array<{ at: number; seconds: number }>>();
  private readonly held = new Set<http.ServerResponse>();

  constructor(private readonly deps: ServerDeps) {
    this.server = http.createServer((req, res) => {
      this.handle(req, res).catch((err: unknown) => {
        deps.log.error({ err }, 'sandbox portal: unexpected failure');
        if (!res.headersSent) this.sendJson(res, 500, { error: 'INTERNAL_SERVER_ERROR', error_description: 'Internal server error' });
      });
    });
    this.server.keepAliveTimeout = 5_000;
  }

  async listen(port: number, host: string): Promise<AddressInfo> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, host, () => {
        this.server.off('error', reject);
        resolve();
      });
    });
    return this.server.address() as AddressInfo;
  }

  async close(): Promise<void> {
    for (const res of this.held) res.destroy();
    this.held.clear();
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    this.server.closeAllConnections();
    await closed;
  }

  requestCount(): number {
    return this.callLog.filter((c) => !c.viaBatch).length;
  }

  writeCalls(): number {
    return this.callLog.filter((c) => isWriteMethod(c.method)).length;
  }

  resetLog(): void {
    this.callLog.length = 0;
  }

  // ---- HTTP ----------------------------------------------------------------------------------------------

  private sendJson(res: http.ServerResponse, status: number, body: unknown): void {
    const text = JSON.stringify(body);
    res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text) });
    res.end(text);
  }

  private async readBody(req: http.IncomingMessage): Promise<string> {
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of req) {
      size += (chunk as Buffer).length;
      if (size > MAX_BODY_BYTES) throw new RestError(400, 'INVALID_REQUEST', 'Request body is too large');
      chunks.push(chunk as Buffer);
    }
    return Buffer.concat(chunks).toString('utf8');
  }

  private parseParams(req: http.IncomingMessage, url: URL, raw: string): Params {
    const query = url.search.length > 1 ? parsePhpQuery(url.search) : {};
    for (const key of Object.keys(query)) if (key.startsWith('bx24_')) delete query[key];
    let body: Params = {};
    const type = String(req.headers['content-type'] ?? '');
    if (raw.trim() !== '') {
      if (type.includes('json') || /^\s*[{[]/.test(raw)) {
        let parsed: unknown;
        try {
          parsed = JSON.parse(raw);
        } catch {
          throw new RestError(400, 'INVALID_REQUEST', 'Invalid JSON in request body');
        }
        if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) body = parsed as Params;
      } else {
        body = parsePhpQuery(raw);
      }
    }
    // Like PHP's $_REQUEST: body values win over the query string.
    return { ...query, ...body };
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://sandbox.local');
    if (url.pathname.startsWith('/sandbox/')) return this.handleControl(req, res, url);

    const started = this.deps.clock.nowMs();
    const startedPerf = performance.now();
    const match = /^\/rest\/(api\/)?(\d+)\/([^/]+)\/([^/]+?)(?:\.json)?\/?$/.exec(url.pathname);
    let method = '';
    let params: Params = {};
    const record = (status: number, error?: string): void => {
      const entry: CallLogEntry = { method, params, status, at: started, viaBatch: false };
      if (error !== undefined) entry.error = error;
      this.callLog.push(entry);
    };
    const fail = async (error: InjectedError | RestError): Promise<void> => {
      const e = error instanceof RestError ? error : new RestError(error.status, error.error, error.description);
      record(e.status, e.code);
      await this.delay();
      this.sendJson(res, e.status, e.body());
    };

    try {
      const raw = await this.readBody(req);
      if (!match) {
        method = url.pathname;
        return await fail(NOT_FOUND_METHOD);
      }
      method = safeDecode(match[4]!).toLowerCase();
      params = this.parseParams(req, url, raw);
    } catch (err) {
      if (err instanceof RestError) return await fail(err);
      throw err;
    }

    if (match[2] !== String(this.deps.userId) || safeDecode(match[3]!) !== this.deps.code) {
      return fail(new RestError(401, 'NO_AUTH_FOUND', 'Wrong authorization data'));
    }
    if (this.deps.faults.expiredToken) return fail(EXPIRED_TOKEN_ERROR);
    if (!this.deps.bucket.tryTake()) return fail(QUERY_LIMIT_ERROR);
    const scripted = this.deps.faults.takeScripted(method);
    if (scripted) return fail(scripted);
    const random = this.deps.faults.decideRandom();
    if (random.kind === 'error') return fail(random.error);
    if (random.kind === 'timeout') {
      record(0, 'TIMEOUT');
      if (random.mode === 'destroy') {
        req.socket.destroy();
      } else {
        // Hold the socket without answering until the client gives up (or the sandbox closes).
        this.held.add(res);
        res.on('close', () => this.held.delete(res));
      }
      return;
    }
    if (match[1]) return fail(NOT_FOUND_METHOD); // REST 3.0 (/rest/api/…): none of its methods are served

    let outcome: MethodResult;
    try {
      outcome = method === 'batch' ? this.runBatch(params) : this.runMethod(method, params);
    } catch (err) {
      if (err instanceof RestError) return fail(err);
      this.deps.log.error({ err, method }, 'sandbox portal: method failed');
      return fail(new RestError(500, 'INTERNAL_SERVER_ERROR', 'Internal server error'));
    }
    const lost = this.deps.faults.takeLostAnswer(method);
    if (lost) {
      // The portal acted; the client never learns it.
      record(lost === '504' ? 504 : 0, 'LOST_ANSWER');
      if (lost === 'destroy') {
        req.socket.destroy();
      } else {
        res.writeHead(504, { 'content-type': 'text/html' });
        res.end('<html><head><title>504 Gateway Time-out</title></head><body><center><h1>504 Gateway Time-out</h1></center><hr><center>nginx</center></body></html>\n');
      }
      return;
    }
    record(200);
    const body: Record<string, unknown> = { result: outcome.result };
    if (outcome.next !== undefined) body.next = outcome.next;
    if (outcome.total !== undefined) body.total = outcome.total;
    body.time = this.timing(method, started, startedPerf);
    await this.delay();
    this.sendJson(res, 200, body);
  }

  private async delay(): Promise<void> {
    const ms = this.deps.faults.nextLatency();
    if (ms > 0) await new Promise((resolve) => setTimeout(resolve, ms));
  }

  private context(): MethodContext {
    return { store: this.deps.store, time: this.deps.time, userId: this.deps.userId };
  }

  private runMethod(method: string, params: Params): MethodResult {
    const handler = METHODS[method];
    if (!handler) throw NOT_FOUND_METHOD;
    return handler(params, this.context());
  }

  /** Envelope `time`; `operating` sums this method's processing seconds over the last 10 minutes. */
  private timing(method: string, startedMs: number, startedPerf: number): Timing {
    const processing = (performance.now() - startedPerf) / 1000;
    const nowPerf = performance.now();
    const spans = (this.operating.get(method) ?? []).filter((s) => nowPerf - s.at < OPERATING_WINDOW_MS);
    spans.push({ at: nowPerf, seconds: processing });
    this.operating.set(method, spans);
    const start = startedMs / 1000;
    const finish = start + processing;
    return {
      start, finish, duration: processing, processing,
      date_start: this.deps.time.formatDateTime(startedMs),
      date_finish: this.deps.time.formatDateTime(startedMs + processing * 1000),
      operating_reset_at: Math.floor(start) + OPERATING_WINDOW_MS / 1000,
      operating: spans.reduce((sum, s) => sum + s.seconds, 0),
    };
  }

  // ---- batch ---------------------------------------------------------------------------------------------

  private runBatch(params: Params): MethodResult {
    const cmd = param(params, 'cmd');
    const haltRaw = param(params, 'halt');
    const halt = haltRaw === true || haltRaw === 1 || haltRaw === '1' || haltRaw === 'true' || haltRaw === 'Y';
    const commands: Array<[string, unknown]> = Array.isArray(cmd)
      ? cmd.map((c, i) => [String(i), c])
      : cmd && typeof cmd === 'object' ? Object.entries(cmd) : [];
    const results: Record<string, unknown> = {};
    const errors: Record<string, unknown> = {};
    const totals: Record<string, unknown> = {};
    const nexts: Record<string, unknown> = {};
    const times: Record<string, unknown> = {};
    const at = this.deps.clock.nowMs();

    let executed = 0;
    for (const [key, command] of commands) {
      const { method, query } = splitCommand(command);
      const startedPerf = performance.now();
      let subParams: Params = {};
      const log = (status: number, error?: string): void => {
        const entry: CallLogEntry = { method, params: subParams, status, at, viaBatch: true };
        if (error !== undefined) entry.error = error;
        this.callLog.push(entry);
      };
      const failSub = (e: RestError): void => {
        errors[key] = e.body();
        log(e.status, e.code);
      };
      if (executed >= MAX_BATCH) {
        failSub(new RestError(400, 'ERROR_BATCH_LENGTH_EXCEEDED', 'Max batch length exceeded'));
        continue;
      }
      executed += 1;
      subParams = substituteReferences(typeof query === 'string' ? parsePhpQuery(query) : query, results) as Params;
      try {
        if (method === 'batch') throw new RestError(405, 'ERROR_BATCH_METHOD_NOT_ALLOWED', 'Method is not allowed for batch usage');
        const scripted = this.deps.faults.takeScripted(method);
        if (scripted) throw new RestError(scripted.status, scripted.error, scripted.description);
        const outcome = this.runMethod(method, subParams);
        results[key] = outcome.result;
        if (outcome.total !== undefined) totals[key] = outcome.total;
        if (outcome.next !== undefined) nexts[key] = outcome.next;
        times[key] = this.timing(`batch::${method}`, this.deps.clock.nowMs(), startedPerf);
        log(200);
      } catch (err) {
        if (!(err instanceof RestError)) throw err;
        failSub(err);
        times[key] = this.timing(`batch::${method}`, this.deps.clock.nowMs(), startedPerf);
        if (halt) break;
      }
    }
    return {
      result: {
        result: phpMap(results), result_error: phpMap(errors), result_total: phpMap(totals),
        result_next: phpMap(nexts), result_time: phpMap(times),
      },
    };
  }

  // ---- control API ---------------------------------------------------------------------------------------

  private async handleControl(req: http.IncomingMessage, res: http.ServerResponse, url: URL): Promise<void> {
    const route = url.pathname.slice('/sandbox/'.length);
    const verb = req.method ?? 'GET';
    let body: unknown = {};
    try {
      const raw = await this.readBody(req);
      body = raw.trim() === '' ? {} : JSON.parse(raw);
    } catch {
      return this.sendJson(res, 400, { error: 'bad JSON' });
    }
    if (route === 'calls' && verb === 'GET') {
      return this.sendJson(res, 200, { requestCount: this.requestCount(), writeCalls: this.writeCalls(), calls: this.callLog });
    }
    if (route === 'reset-log' && verb === 'POST') {
      this.resetLog();
      return this.sendJson(res, 200, { ok: true });
    }
    try {
      const out = this.deps.control?.(route, verb, body, url.searchParams);
      if (out === undefined) return this.sendJson(res, 404, { error: `no control route ${verb} /sandbox/${route}` });
      return this.sendJson(res, 200, out);
    } catch (err) {
      return this.sendJson(res, 400, { error: err instanceof Error ? err.message : String(err) });
    }
  }
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

/** A batch command: "method?query" (PHP-encoded), or `{method, params}`, or `[method, params]`. */
function splitCommand(command: unknown): { method: string; query: string | Params } {
  if (typeof command === 'string') {
    const q = command.indexOf('?');
    return q === -1
      ? { method: command.trim().toLowerCase(), query: '' }
      : { method: command.slice(0, q).trim().toLowerCase(), query: command.slice(q + 1) };
  }
  if (Array.isArray(command)) {
    return { method: String(command[0] ?? '').toLowerCase(), query: (command[1] as Params | undefined) ?? {} };
  }
  if (command && typeof command === 'object') {
    const c = command as { method?: unknown; params?: unknown };
    return { method: String(c.method ?? '').toLowerCase(), query: (c.params as Params | undefined) ?? {} };
  }
  return { method: '', query: '' };
}
