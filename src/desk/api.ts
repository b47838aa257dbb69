import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import express, { type Express, type NextFunction, type Request, type Response } from 'express';
import type { Redis } from 'ioredis';
import type { DealsCapability } from '../capabilities/deals/index.js';
import type { LeadsCapability } from '../capabilities/leads/index.js';
import type { ReportsCapability } from '../capabilities/reports/index.js';
import type { ChatRouter } from '../conversation/router.js';
import { CrmError, CrmNotFoundError, CrmOperationLimitError, CrmRateLimitError } from '../crm/index.js';
import { type Locale, toLocale } from '../i18n/index.js';
import type { OwnerLookup } from '../identity/crm-source.js';
import type { Directory } from '../identity/directory.js';
import { type ActorRole, type OrgChart, roleOnEntity, visibleOwners } from '../identity/org.js';
import type { IdentityStore } from '../identity/store.js';
import type { Logger } from '../infra/log.js';
import { withinMinuteBudget } from '../infra/minute-budget.js';
import { formatMoney } from '../rules/deals/index.js';
import { rankDay } from '../rules/desk/day.js';
import type { DeskAuth, DeskSession } from './auth.js';
import { deskButtons, deskInteraction } from './interaction.js';
import { answerRequest, type DayResponse, entityId, pressRequest, reportPeriod, type SearchResponse, searchQuery, signInRequest } from './schema.js';

export const DESK_PATH = '/desk';

export interface DeskDeps {
  auth: DeskAuth;
  deals: DealsCapability;
  leads: LeadsCapability;
  reports: ReportsCapability;
  router: ChatRouter;
  directory: Directory;
  identity: IdentityStore;
  ownerOf: OwnerLookup;
  admins: readonly number[];
  log: Logger;
  clock: () => Date;
  /** Per-person request budget in Redis; Redis's health (the desk answers 503 at once while it is away). */
  redis?: Redis;
  prefix?: string;
  redisHealthy?: () => boolean;
  /** Desk requests per person and minute (reads); presses and answers share the chat's press budget. */
  requestsPerMinute?: number;
  pressesPerMinute?: number;
  /** The Bitrix24 portal's origin: the only portal allowed to frame the page (besides Telegram's web client). */
  portalOrigin?: string;
}

/**
 * Strict by default: scripts and styles only from this server, no inline script, no framing except by Telegram's
 * web clients and Bitrix24 (a Mini App runs in an iframe there), API calls only to this origin.
 */
const csp = (portalOrigin: string | undefined) => [
  "default-src 'none'", "script-src 'self'", "style-src 'self'", "img-src 'self' data:", "connect-src 'self'",
  "base-uri 'none'", "form-action 'none'", `frame-ancestors 'self' https://web.telegram.org${portalOrigin ? ` ${portalOrigin}` : ''}`,
].join('; ');

interface DeskAssets { html: string; js: string; css: string }

const ROOT = new URL('../../', import.meta.url);

/** The page: built by `npm run build` into dist/web/desk; a checkout without a build bundles it once with esbuild. */
async function loadAssets(): Promise<DeskAssets> {
  const read = (path: string) => readFileSync(fileURLToPath(new URL(path, ROOT)), 'utf8');
  const html = read('web/desk/index.html');
  const css = read('web/desk/app.css');
  if (existsSync(fileURLToPath(new URL('dist/web/desk/app.js', ROOT)))) return { html, css, js: read('dist/web/desk/app.js') };
  const esbuild = await import('esbuild');
  const result = await esbuild.build({
    entryPoints: [fileURLToPath(new URL('web/desk/main.ts', ROOT))], bundle: true, minify: true, write: false, format: 'esm', target: 'es2020',
  });
  return { html, css, js: result.outputFiles[0]!.text };
}

type Authed = Request & { desk?: DeskSession };

export function mountDesk(app: Express, deps: DeskDeps): void {
  const pageCsp = csp(deps.portalOrigin);
  let assets: Promise<DeskAssets> | undefined;
  const page = (res: Response, type: string, pick: (a: DeskAssets) => string) => {
    assets ??= loadAssets();
    assets.then((a) => {
      res.setHeader('Content-Security-Policy', pageCsp);
      res.setHeader('X-Content-Type-Options', 'nosniff');
      res.setHeader('Referrer-Policy', 'no-referrer');
      res.type(type).send(pick(a));
    }, (error: unknown) => {
      assets = undefined;
      deps.log.error({ err: error }, 'deal desk page is not built');
      res.status(503).json({ error: 'the desk page is not built: run npm run build' });
    });
  };
  // Without the slash the page's relative ./app.js and ./api would resolve against the site root.
  // (Express matches /desk and /desk/ alike: only the bare path is sent on.)
  app.get(DESK_PATH, (req, res, next) => (req.path === DESK_PATH ? res.redirect(301, `${DESK_PATH}/`) : next()));
  app.get(`${DESK_PATH}/`, (_req, res) => page(res, 'html', (a) => a.html));
  app.get(`${DESK_PATH}/app.js`, (_req, res) => page(res, 'js', (a) => a.js));
  app.get(`${DESK_PATH}/app.css`, (_req, res) => page(res, 'css', (a) => a.css));

  const api = express.Router();
  api.use((_req, res, next) => {
    res.setHeader('Cache-Control', 'no-store');
    res.setHeader('Content-Security-Policy', "default-src 'none'; frame-ancestors 'none'");
    // Redis away: say so at once (sessions live there; a request would otherwise wait for it).
    if (deps.redisHealthy && !deps.redisHealthy()) return void res.status(503).json({ error: 'temporarily unavailable' });
    next();
  });
  // JSON bodies only: a cross-site form cannot send one without a CORS preflight, which this API never grants.
  api.use(express.json({ limit: '8kb', type: 'application/json' }));
  const requireJson = (req: Request, res: Response, next: NextFunction) => {
    if (req.method === 'POST' && !req.is('application/json')) res.status(415).json({ error: 'expected application/json' });
    else next();
  };
  api.use(requireJson);

  api.post('/session', async (req, res) => {
    const body = signInRequest.safeParse(req.body);
    if (!body.success) return void res.status(400).json({ error: 'malformed sign-in' });
    const result = 'telegramInitData' in body.data
      ? await deps.auth.signInWithTelegram(body.data.telegramInitData)
      : await deps.auth.signInWithLinkToken(body.data.linkToken);
    if (!result.ok) {
      deps.log.info({ reason: result.reason }, 'deal desk sign-in refused');
      return void res.status(401).json({ error: result.reason });
    }
    const org = await deps.directory.org();
    const user = await deps.directory.user(result.b24UserId);
    if (!org.users.get(result.b24UserId)?.active || !user) return void res.status(403).json({ error: 'inactive user' });
    const preferences = await deps.identity.getPreferences(result.b24UserId);
    res.json({ session: result.session, locale: preferences.locale, name: user.name, role: roleOf(org, deps.admins, result.b24UserId) });
  });

  // Everything below needs a session, sent as a bearer token (never a cookie: no ambient authority to forge).
  api.use(async (req: Authed, res, next) => {
    const header = req.get('authorization') ?? '';
    const session = header.startsWith('Bearer ') ? await deps.auth.session(header.slice(7).trim()) : null;
    if (!session) return void res.status(401).json({ error: 'no session' });
    req.desk = session;
    // Each person's share of the portal budget: reads and actions counted apart.
    if (deps.redis) {
      const acting = req.method === 'POST';
      const limit = acting ? deps.pressesPerMinute : deps.requestsPerMinute;
      if (limit && !(await withinMinuteBudget(deps.redis, `${deps.prefix ?? 'dp'}:desk-budget:${acting ? 'act' : 'read'}:${session.b24UserId}`, limit))) {
        return void res.status(429).json({ error: 'too many requests' });
      }
    }
    next();
  });

  type Viewer = Awaited<ReturnType<typeof viewer>>;
  const viewer = async (req: Authed) => {
    const b24UserId = req.desk!.b24UserId;
    const [org, preferences] = await Promise.all([deps.directory.org(), deps.identity.getPreferences(b24UserId)]);
    const locale: Locale = toLocale(preferences.locale);
    const name = (await deps.directory.user(b24UserId))?.name ?? `#${b24UserId}`;
    return { b24UserId, org, locale, name, owners: visibleOwners(org, deps.admins, b24UserId) };
  };

  api.get('/day', async (req: Authed, res) => {
    const me = await viewer(req);
    const now = deps.clock();
    const own = me.owners === 'all' ? [me.b24UserId] : me.owners;
    // My day is the person's own queue plus, for heads, what waits on them (approvals) and their people's overdue.
    // Deals and leads read side by side: two list reads (the deals' pages come in one batch).
    const [deals, leads] = await Promise.all([deps.deals.desk.dayCandidates(own, now), deps.leads.desk.dayCandidates(own, now)]);
    const candidates = [...deals, ...leads];
    const ranked = rankDay(candidates, me.b24UserId);
    const items: DayResponse['items'] = [];
    for (const item of ranked) {
      if (item.ownerId !== me.b24UserId && item.reason === 'open') continue;
      items.push({
        type: item.entity.type, id: item.entity.id, title: item.title, reason: item.reason, stage: item.stageName ?? '',
        daysInStage: item.daysInStage, ...(item.overdueDays !== undefined ? { overdueDays: item.overdueDays } : {}),
        amount: formatMoney(item.amount ?? 0, item.currency ?? 'RUB', me.locale),
        owner: (await deps.directory.user(item.ownerId))?.name ?? `#${item.ownerId}`,
      });
    }
    res.json({ items, total: items.length } satisfies DayResponse);
  });

  /**
   * A card: the id checked, the entity read fresh, and the same rule as a button press — its responsible manager, a
   * head above them, or an admin.
   */
  const cardRoute = <E extends { id: number; assignedById?: number | null }>(kind: 'deal' | 'lead' | 'contact',
    read: (id: number) => Promise<E | null>, render: (entity: E, me: Viewer, role: ActorRole) => Promise<unknown>) =>
    async (req: Authed, res: Response) => {
      const id = entityId.safeParse(req.params.id);
      if (!id.success) return void res.status(400).json({ error: `bad ${kind} id` });
      const me = await viewer(req);
      const entity = await read(Number(id.data));
      if (!entity) return void res.status(404).json({ error: 'not found' });
      const role = entity.assignedById ? roleOnEntity(me.org, deps.admins, me.b24UserId, entity.assignedById) : null;
      if (!role) {
        deps.log.warn({ actor: me.b24UserId, [kind]: entity.id }, `deal desk: ${kind} card refused (not allowed)`);
        return void res.status(403).json({ error: 'not allowed' });
      }
      res.json(await render(entity, me, role));
    };

  api.get('/deals/:id', cardRoute('deal', (id) => deps.deals.desk.readDeal(id), async (deal, me, role) => {
    const card = await deps.deals.desk.card(deal, me.locale, deps.clock(), role);
    return { ...card, actions: deskButtons(card.actions) };
  }));
  api.get('/leads/:id', cardRoute('lead', (id) => deps.leads.desk.readLead(id), async (lead, me) => {
    const card = await deps.leads.desk.card(lead, me.locale);
    return { ...card, actions: deskButtons(card.actions) };
  }));
  api.get('/contacts/:id', cardRoute('contact', (id) => deps.deals.desk.readContact(id),
    (contact, me) => deps.deals.desk.contactCard(contact, me.locale, me.owners, deps.clock())));

  api.get('/board', async (req: Authed, res) => {
    const raw = req.query.pipeline;
    const pipeline = raw === undefined ? { success: true as const, data: '0' } : entityId.safeParse(raw);
    if (!pipeline.success) return void res.status(400).json({ error: 'bad pipeline id' });
    const me = await viewer(req);
    // The department's board is for heads (their departments, with sub-departments) and admins.
    if (roleOf(me.org, deps.admins, me.b24UserId) === 'manager') return void res.status(403).json({ error: 'not allowed' });
    res.json(await deps.deals.desk.board(me.owners, Number(pipeline.data), me.locale, deps.clock()));
  });

  api.get('/report', async (req: Authed, res) => {
    const period = reportPeriod.safeParse(req.query.period ?? 'today');
    if (!period.success) return void res.status(400).json({ error: 'expected period: today, yesterday, week or month' });
    const me = await viewer(req);
    const report = await deps.reports.deskReport(me.b24UserId, period.data, me.locale);
    if (!report) return void res.status(403).json({ error: 'not allowed' });
    res.json(report);
  });

  api.get('/search', async (req: Authed, res) => {
    const raw = req.query.q;
    const q = searchQuery.safeParse(typeof raw === 'string' ? raw.trim() : undefined);
    if (!q.success) return void res.status(400).json({ error: 'expected q: 1–100 characters' });
    const me = await viewer(req);
    const [deals, leads] = await Promise.all([deps.deals.desk.search(q.data, me.owners, me.locale), deps.leads.desk.search(q.data, me.owners)]);
    const hits = [...deals, ...leads];
    res.json({ hits } satisfies SearchResponse);
  });

  api.post('/press', async (req: Authed, res) => {
    const body = pressRequest.safeParse(req.body);
    if (!body.success) return void res.status(400).json({ error: 'expected {data}: a button of a card' });
    const me = await viewer(req);
    const { press, outcome } = deskInteraction({ actor: { b24UserId: me.b24UserId, name: me.name }, locale: me.locale, channel: 'telegram' });
    await deps.router.actions.dispatch(body.data.data, press);
    outcome.awaitingAnswer = await deps.deals.desk.awaitedAnswer(press.conversation);
    res.json(outcome);
  });

  api.post('/answer', async (req: Authed, res) => {
    const body = answerRequest.safeParse(req.body);
    if (!body.success) return void res.status(400).json({ error: 'expected {text}: 1–2000 characters' });
    const me = await viewer(req);
    const { press, outcome } = deskInteraction({ actor: { b24UserId: me.b24UserId, name: me.name }, locale: me.locale, channel: 'telegram' });
    const taken = await deps.router.text(body.data.text, press);
    if (!taken) return void res.status(409).json({ error: 'nothing is waiting for an answer' });
    outcome.awaitingAnswer = await deps.deals.desk.awaitedAnswer(press.conversation);
    res.json(outcome);
  });

  api.post('/signout', async (req: Authed, res) => {
    await deps.auth.signOut((req.get('authorization') ?? '').slice(7).trim());
    res.json({ ok: true });
  });

  // A portal failure is a 502 (503 when it is only busy) with a short message; never a stack.
  api.use((error: unknown, _req: Request, res: Response, next: NextFunction) => {
    if (error instanceof CrmNotFoundError) return void res.status(404).json({ error: 'not found' });
    if (error instanceof CrmRateLimitError || error instanceof CrmOperationLimitError) return void res.status(503).json({ error: 'Bitrix24 is busy, try again' });
    if (error instanceof CrmError) {
      deps.log.warn({ err: error }, 'deal desk: the portal failed');
      return void res.status(502).json({ error: 'Bitrix24 did not answer' });
    }
    next(error);
  });

  app.use(`${DESK_PATH}/api`, api);
}

function roleOf(org: OrgChart, admins: readonly number[], userId: number): 'manager' | 'head' | 'admin' {
  if (admins.includes(userId)) return 'admin';
  for (const department of org.departments.values()) if (department.headId === userId) return 'head';
  return 'manager';
}
