import { createServer, type Server } from 'node:http';
import express, { type Express, type NextFunction, type Request, type Response } from 'express';
import type { Logger } from '../infra/log.js';
import { maskSecrets } from '../infra/secrets.js';
import { withinDeadline } from '../infra/timing.js';
import { isRecord } from '../infra/values.js';

/** A named readiness probe; a check that throws or exceeds its time counts as not ready. */
export interface ReadinessCheck {
  name: string;
  check(): Promise<boolean> | boolean;
}

export interface HttpServer {
  app: Express;
  listen(port: number, host: string): Promise<number>;
  close(): Promise<void>;
}

async function runCheck(check: ReadinessCheck, timeoutMs: number): Promise<boolean> {
  try {
    const result = await withinDeadline(Promise.resolve().then(() => check.check()), timeoutMs);
    return result.inTime && result.value;
  } catch {
    return false;
  }
}

/**
 * A request the client got wrong, as the body parsers report it (http-errors with a 4xx `status` and `expose`):
 * malformed JSON or form, a body over the route's limit, an unknown charset. Answered with a short JSON error —
 * never a 500, never a stack.
 */
export function clientErrorOf(error: unknown): { status: number; error: string } | null {
  if (!isRecord(error)) return null;
  const status = typeof error.status === 'number' ? error.status : error.statusCode;
  if (typeof status !== 'number' || status < 400 || status > 499 || error.expose === false) return null;
  if (status === 413) return { status, error: 'body too large' };
  if (status === 415) return { status, error: 'unsupported body encoding' };
  return { status: 400, error: 'malformed body' };
}

/**
 * The process's HTTP edge: /healthz (alive), /readyz (dependencies), plus routes mounted by the app
 * (Telegram webhook, Bitrix24 events, metrics, queue dashboard). One error boundary logs and answers 500.
 */
export function createHttpServer(options: {
  log: Logger;
  readiness: ReadinessCheck[];
  mount?: (app: Express) => void;
  /** How long one readiness evaluation answers /readyz (default 1 s; 0 evaluates every probe). */
  readinessCacheMs?: number;
}): HttpServer {
  const app = express();
  app.disable('x-powered-by');
  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  // One evaluation at a time, reused for a second: /readyz is public, and each evaluation spends a request of the
  // portal's shared REST budget — a flood of probes must not starve the bot (nor turn into 503s by itself).
  let lastReadiness: { at: number; value: Promise<{ ready: boolean; checks: Record<string, boolean> }> } | undefined;
  const readiness = () => {
    const now = Date.now();
    if (!lastReadiness || now - lastReadiness.at >= (options.readinessCacheMs ?? 1_000)) {
      lastReadiness = {
        at: now,
        value: Promise.all(options.readiness.map(async (c) => [c.name, await runCheck(c, 2_000)] as const))
          .then((results) => ({ ready: results.every(([, ok]) => ok), checks: Object.fromEntries(results) })),
      };
    }
    return lastReadiness.value;
  };
  app.get('/readyz', async (_req, res) => {
    const { ready, checks } = await readiness();
    res.status(ready ? 200 : 503).json({ status: ready ? 'ready' : 'not ready', checks });
  });
  options.mount?.(app);
  app.use((_req, res) => {
    res.status(404).json({ error: 'not found' });
  });
  app.use((error: unknown, req: Request, res: Response, _next: NextFunction) => {
    const client = clientErrorOf(error);
    if (client) {
      options.log.info({ status: client.status, path: maskSecrets(req.path) }, `http request refused: ${client.error}`);
      if (!res.headersSent) res.status(client.status).json({ error: client.error });
      return;
    }
    options.log.error({ err: error, path: maskSecrets(req.path) }, 'http handler failed');
    if (!res.headersSent) res.status(500).json({ error: 'internal error' });
  });
  let server: Server | undefined;
  return {
    app,
    listen(port, host) {
      server = createServer(app);
      return new Promise((resolve, reject) => {
        server!.once('error', reject);
        server!.listen(port, host, () => {
          const address = server!.address();
          resolve(typeof address === 'object' && address ? address.port : port);
        });
      });
    },
    async close() {
      if (!server) return;
      await new Promise<void>((resolve) => {
        server!.close(() => resolve());
        server!.closeIdleConnections();
      });
    },
  };
}
