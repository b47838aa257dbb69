import { createHash, timingSafeEqual } from 'node:crypto';
import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { ExpressAdapter } from '@bull-board/express';
import type { Queue } from 'bullmq';
import type { Express, NextFunction, Request, Response } from 'express';

export const DASHBOARD_PATH = '/admin/queues';

export interface DashboardOptions {
  queues: readonly Queue[];
  /** Basic-auth credentials (env ADMIN_USER / ADMIN_PASSWORD). Without both the dashboard is not mounted. */
  user?: string | undefined;
  password?: string | undefined;
  basePath?: string;
}

/** Equal-time comparison of two strings of any length: both are hashed to 32 bytes first. */
function sameSecret(given: string, expected: string): boolean {
  const a = createHash('sha256').update(given).digest();
  const b = createHash('sha256').update(expected).digest();
  return timingSafeEqual(a, b);
}

/** Parses "Authorization: Basic base64(user:password)"; null when absent or malformed. */
export function parseBasicAuth(header: string | undefined): { user: string; password: string } | null {
  const match = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(header ?? '');
  if (!match) return null;
  const decoded = Buffer.from(match[1]!, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return null;
  return { user: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}

function basicAuth(user: string, password: string) {
  return (req: Request, res: Response, next: NextFunction) => {
    const given = parseBasicAuth(req.headers.authorization);
    // Both comparisons always run, so the time taken does not reveal which part was wrong.
    const userOk = sameSecret(given?.user ?? '', user);
    const passwordOk = sameSecret(given?.password ?? '', password);
    if (given && userOk && passwordOk) {
      next();
      return;
    }
    res.setHeader('WWW-Authenticate', 'Basic realm="DealPilot queues", charset="UTF-8"');
    res.status(401).send('authentication required');
  };
}

/**
 * Bull Board at /admin/queues behind basic auth. Off (the path answers 404) unless both credentials are set.
 * Returns whether it was mounted.
 */
export function mountDashboard(app: Express, options: DashboardOptions): boolean {
  const { user, password } = options;
  if (!user || !password) return false;
  const basePath = options.basePath ?? DASHBOARD_PATH;
  const serverAdapter = new ExpressAdapter();
  serverAdapter.setBasePath(basePath);
  createBullBoard({ queues: options.queues.map((q) => new BullMQAdapter(q)), serverAdapter });
  app.use(basePath, basicAuth(user, password), serverAdapter.getRouter());
  return true;
}
