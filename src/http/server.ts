import { createServer, type Server } from 'node:http';
import express, { type Express, type NextFunction, type Request, type Response } from 'express';
import type { Logger } from '../log.js';
import { maskSecrets } from '../infra/secrets.js';
import { withinDeadline } from '../infra/timing.js';

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
 * The process's HTTP edge: /healthz (alive), /readyz (dependencies), plus routes mounted by the app
 * (Telegram webhook, Bitrix24 events, metrics, queue dashboard). One error boundary logs and answers 500.
 */
export function createHttpServer(options: { log: Logger; readiness: ReadinessCheck[]; mount?: (app: Express) => void }): HttpServer {
  const app = express();
  app.disable('x-powered-by');
  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  app.get('/readyz', async (_req, res) => {
    const results = await Promise.all(options.readiness.map(async (c) => [c.name, await runCheck(c, 2_000)] as const));
    const checks = Object.fromEntries(results);
    const ready = results.every(([, ok]) => ok);
    res.status(ready ? 200 : 503).json({ status: ready ? 'ready' : 'not ready', checks });
  });
  options.mount?.(app);
  app.use((error: unknown, req: Request, res: Response, _next: NextFunction) => {
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
