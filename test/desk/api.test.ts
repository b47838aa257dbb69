import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LINK_TOKEN_SECONDS } from '../../src/desk/auth.js';
import { boardResponse, contactCardResponse, dayResponse, dealCardResponse, leadCardResponse, reportResponse, searchResponse } from '../../src/desk/schema.js';
import { parseReportArgs } from '../../src/rules/report/index.js';

const DEMO_REGION_MANAGER_2 = 16;

import { tgOf, waitFor } from '../deals/helpers.js';
import { type DeskWorld, MANAGER, MOSCOW_HEAD, OTHER_MOSCOW_MANAGER, REGION_MANAGER, startDeskWorld } from './support.js';

/** The initData a Telegram client would pass for this person (the sandbox signs it with the bot's token). */
function initDataOf(world: DeskWorld, b24UserId: number, launch: Parameters<DeskWorld['env']['telegram']['openWebApp']>[2] = {}): string {
  const url = world.env.telegram.openWebApp(tgOf(world.env, b24UserId), { url: world.base }, launch);
  return new URLSearchParams(new URL(url).hash.slice(1)).get('tgWebAppData')!;
}

describe('deal desk API against the sandboxes', () => {
  let world: DeskWorld;
  const call = async (path: string, init: { session?: string; method?: string; body?: unknown; contentType?: string } = {}) => {
    const response = await fetch(`${world.base}api${path}`, {
      method: init.method ?? (init.body !== undefined ? 'POST' : 'GET'),
      headers: {
        ...(init.session ? { authorization: `Bearer ${init.session}` } : {}),
        ...(init.body !== undefined ? { 'content-type': init.contentType ?? 'application/json' } : {}),
      },
      ...(init.body !== undefined ? { body: typeof init.body === 'string' ? init.body : JSON.stringify(init.body) } : {}),
    });
    const text = await response.text();
    return { status: response.status, body: JSON.parse(text) as Record<string, unknown>, text };
  };
  const signIn = async (b24UserId: number) => {
    const result = await call('/session', { body: { telegramInitData: initDataOf(world, b24UserId) } });
    expect(result.status).toBe(200);
    return String(result.body.session);
  };

  beforeAll(async () => {
    world = await startDeskWorld('desk-api');
  });
  afterAll(() => world?.env.stop());

  it('signs a linked person in with valid initData, once; forged, aged, future and replayed initData get 401 and no session', async () => {
    const valid = initDataOf(world, MANAGER);
    const first = await call('/session', { body: { telegramInitData: valid } });
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({ locale: 'ru', role: 'manager' });
    expect(String(first.body.session)).toMatch(/^[A-Za-z0-9_-]{43}$/);

    expect((await call('/session', { body: { telegramInitData: valid } })).body).toEqual({ error: 'replayed' });
    const forged = await call('/session', { body: { telegramInitData: initDataOf(world, MANAGER, { token: '123456:AAforgedforgedforgedforgedforgedforged' }) } });
    expect(forged).toMatchObject({ status: 401, body: { error: 'bad_signature' } });
    const aged = await call('/session', { body: { telegramInitData: initDataOf(world, MANAGER, { authDate: new Date(Date.now() - 2 * 3600_000) }) } });
    expect(aged).toMatchObject({ status: 401, body: { error: 'expired' } });
    const future = await call('/session', { body: { telegramInitData: initDataOf(world, MANAGER, { authDate: new Date(Date.now() + 3600_000) }) } });
    expect(future).toMatchObject({ status: 401, body: { error: 'from_the_future' } });
    // A field changed after signing (another user id) breaks the signature.
    const tampered = valid.replace(encodeURIComponent(`"id":${tgOf(world.env, MANAGER)}`), encodeURIComponent(`"id":${tgOf(world.env, MOSCOW_HEAD)}`));
    expect(tampered).not.toBe(valid);
    expect((await call('/session', { body: { telegramInitData: tampered } })).body).toEqual({ error: 'bad_signature' });
    // A used initData with another `hash` in front (the library reads the last one): still a replay.
    const doubled = await call('/session', { body: { telegramInitData: `hash=${'f'.repeat(64)}&${valid}` } });
    expect(doubled.status).toBe(401);
    expect(doubled.body.error).not.toBe(undefined);
    for (const bad of ['', 'x'.repeat(5000), 'hash=zz', `user=%7B&auth_date=1&hash=${'a'.repeat(64)}`]) {
      const refused = await call('/session', { body: { telegramInitData: bad } });
      expect([400, 401]).toContain(refused.status);
      expect(refused.text).not.toMatch(/at .*\.ts:\d+/);
    }
  });

  it('an unlinked Telegram user is told to link first', async () => {
    const stranger = world.env.telegram.addUser({ firstName: 'Чужой' });
    const url = world.env.telegram.openWebApp(stranger.id, { url: world.base });
    const initData = new URLSearchParams(new URL(url).hash.slice(1)).get('tgWebAppData')!;
    expect(await call('/session', { body: { telegramInitData: initData } })).toMatchObject({ status: 401, body: { error: 'not_linked' } });
  });

  it('needs a session for everything else; a bad or missing bearer gets 401, a form post 415', async () => {
    expect((await call('/day')).status).toBe(401);
    expect((await call('/day', { session: 'x'.repeat(43) })).status).toBe(401);
    const session = await signIn(MANAGER);
    expect((await call('/press', { session, body: 'data=dm', contentType: 'application/x-www-form-urlencoded' })).status).toBe(415);
    expect((await call('/press', { session, body: '{"data":', contentType: 'application/json' })).status).toBe(400);
  });

  it('My day lists only the manager\'s own open deals, overdue first', async () => {
    const session = await signIn(MANAGER);
    const day = dayResponse.parse((await call('/day', { session })).body);
    const ids = day.items.map((i) => i.id);
    expect(ids[0]).toBe(world.deals.stuck);
    expect(day.items[0]).toMatchObject({ reason: 'overdue', overdueDays: 4 });
    expect(new Set(day.items.filter((i) => i.type === 'deal').map((i) => i.id))).toEqual(new Set([world.deals.stuck, world.deals.fresh, world.deals.awaitingPayment, world.deals.xss, world.deals.company]));
    // The lead not taken yet comes after the overdue deal and the payment, before deals merely in progress.
    expect(day.items.filter((i) => i.type === 'lead')).toEqual([expect.objectContaining({ id: world.lead, reason: 'new_lead' })]);
    expect(day.items.map((i) => i.reason).slice(0, 3)).toEqual(['overdue', 'payment', 'new_lead']);
    expect(day.items.find((i) => i.id === world.deals.awaitingPayment)?.reason).toBe('payment');
  });

  it('a head\'s day holds the contract waiting for approval in the department', async () => {
    const session = await signIn(MOSCOW_HEAD);
    const day = dayResponse.parse((await call('/day', { session })).body);
    expect(day.items.find((i) => i.id === world.deals.contract)).toMatchObject({ reason: 'approval' });
    expect(day.items.some((i) => i.id === world.deals.regions)).toBe(false);
  });

  it('a card shows the deal, its client, pipeline and the same buttons as chat; another department\'s deal is 403, a bad id 400', async () => {
    const session = await signIn(MANAGER);
    const card = dealCardResponse.parse((await call(`/deals/${world.deals.stuck}`, { session })).body);
    expect(card).toMatchObject({ id: world.deals.stuck, title: 'Поставка трансформаторов', open: true, stuckDays: 5 });
    expect(card.client).toMatchObject({ id: world.contact.id, name: 'Светлана Кузнецова' });
    expect(card.pipeline.stages.find((s) => s.current)?.id).toBe('PREPARATION');
    const actions = card.actions.flat();
    expect(actions.some((b) => b.kind === 'action' && b.data.startsWith('1|dm|'))).toBe(true);
    expect(actions.some((b) => b.kind === 'url' && b.url.includes(`/crm/deal/details/${world.deals.stuck}/`))).toBe(true);

    const foreign = await call(`/deals/${world.deals.regions}`, { session });
    expect(foreign).toMatchObject({ status: 403, body: { error: 'not allowed' } });
    expect((await call('/deals/abc', { session })).status).toBe(400);
    expect((await call('/deals/99999999', { session })).status).toBe(404);
  });

  it('a lead card offers take / reject while the lead waits; a take through the desk moves it in the portal', async () => {
    const session = await signIn(MANAGER);
    const card = leadCardResponse.parse((await call(`/leads/${world.lead}`, { session })).body);
    expect(card).toMatchObject({ id: world.lead, title: 'Заявка с сайта: кабель', status: { id: 'NEW' }, contact: expect.stringContaining('Олег') });
    const take = card.actions.flat().find((b) => b.kind === 'action' && b.data === `1|lt|${world.lead}`);
    expect(take).toBeDefined();
    expect((await call(`/leads/${world.lead}`, { session: await signIn(REGION_MANAGER) })).status).toBe(403);
    const taken = await call('/press', { session, body: { data: `1|lt|${world.lead}` } });
    expect(taken.status).toBe(200);
    expect(world.env.bitrix.store.getLead(world.lead)!.STATUS_ID).toBe('IN_PROCESS');
    expect(leadCardResponse.parse((await call(`/leads/${world.lead}`, { session })).body).actions).toEqual([]);
  });

  it('a contact card: phones, the child\'s birthday read from the free text, the client\'s deals the viewer may see', async () => {
    const session = await signIn(MANAGER);
    const card = contactCardResponse.parse((await call(`/contacts/${world.contact.id}`, { session })).body);
    expect(card).toMatchObject({ name: 'Светлана Кузнецова', phones: ['+7 (916) 555-12-34'], childBirthday: '14.05.2019' });
    expect(card.deals.map((d) => d.id)).toEqual([world.deals.stuck]);
    expect((await call(`/contacts/${world.contact.id}`, { session: await signIn(REGION_MANAGER) })).status).toBe(403);
  });

  it('the board: a head sees the department by stage and by manager, stuck deals marked; a manager is refused', async () => {
    const head = await signIn(MOSCOW_HEAD);
    const board = boardResponse.parse((await call('/board?pipeline=0', { session: head })).body);
    expect(board.pipeline).toEqual({ id: 0, name: 'Продажи' });
    const preparation = board.stages.find((s) => s.id === 'PREPARATION')!;
    expect(preparation.deals.find((d) => d.id === world.deals.stuck)).toMatchObject({ stuck: true, days: 9 });
    expect(board.stages.flatMap((s) => s.deals).some((d) => d.id === world.deals.regions)).toBe(false);
    expect(board.managers.find((m) => m.id === MANAGER)).toMatchObject({ stuck: 1 });
    expect(board.stages.map((s) => s.id)).not.toContain('WON');
    expect((await call('/board', { session: await signIn(MANAGER) })).status).toBe(403);
    expect((await call('/board?pipeline=x', { session: head })).status).toBe(400);
  });

  it('the report: the same figures as /report for the same person and period', async () => {
    const session = await signIn(MANAGER);
    // Something to count: a move made today through the desk.
    await call('/press', { session, body: { data: `1|dm|${world.deals.fresh}|PREPARATION` } });
    const report = reportResponse.parse((await call('/report?period=today', { session })).body);
    const args = parseReportArgs('/report today', new Date(), 'Europe/Moscow');
    if ('error' in args) throw new Error('bad args');
    const built = (await world.env.app.capabilities.reports.buildFor(MANAGER, args))!;
    const mine = built.report.managers.find((r) => r.userId === MANAGER)!;
    expect(report.managers[0]).toMatchObject({ moved: mine.forward.count, notMoved: mine.idle.count, lost: mine.failed.count });
    expect(report.managers[0]!.moved).toBeGreaterThanOrEqual(1);
    expect(report.label).toBe(args.period.label);
    // The chat's /report prints the same counts.
    const chat = (await world.env.app.capabilities.reports.reportCommand(MANAGER, '/report today', 'ru')).map((m) => m.text).join('\n');
    expect(chat).toContain(report.label);
    const line = (label: string, count: number, sum: string) => new RegExp(`${label}\\s+${count}\\s+${sum.replace(/\s/g, '\\s')}`);
    expect(chat).toMatch(line('Вперёд', report.managers[0]!.moved, report.managers[0]!.movedSum));
    expect(chat).toMatch(line('Без движения', report.managers[0]!.notMoved, report.managers[0]!.notMovedSum));
    const funnel = report.funnels.find((f) => f.pipeline === 'Продажи')!;
    expect(funnel.stages.find((s) => s.name === 'Коммерческое предложение')?.passes).toBeGreaterThanOrEqual(1);
    expect((await call('/report?period=decade', { session })).status).toBe(400);
  });

  it('search: a contact by a phone written differently, deals by a word form; nothing of another department for a manager', async () => {
    const session = await signIn(MANAGER);
    const byPhone = searchResponse.parse((await call(`/search?q=${encodeURIComponent(world.contact.phone)}`, { session })).body);
    expect(byPhone.hits).toEqual([expect.objectContaining({ type: 'contact', id: world.contact.id, title: 'Светлана Кузнецова' })]);
    // A company by a word form of its name: its deals the viewer may see.
    const byCompany = searchResponse.parse((await call(`/search?q=${encodeURIComponent('энергосети')}`, { session })).body);
    expect(byCompany.hits).toEqual([expect.objectContaining({ type: 'deal', id: world.deals.company, subtitle: expect.stringContaining('Энергосеть') })]);
    // A lead by its phone, written another way, and by a word of its title.
    const leadByPhone = searchResponse.parse((await call(`/search?q=${encodeURIComponent('8 (903) 1112233')}`, { session })).body);
    expect(leadByPhone.hits).toEqual([expect.objectContaining({ type: 'lead', id: world.lead })]);
    const leadByWord = searchResponse.parse((await call(`/search?q=${encodeURIComponent('заявки')}`, { session })).body);
    expect(leadByWord.hits.filter((h) => h.type === 'lead').map((h) => h.id)).toContain(world.lead);
    const byWord = searchResponse.parse((await call(`/search?q=${encodeURIComponent('трансформаторами')}`, { session })).body);
    // Closed deals are found too (a client calls about last year's order); another department's never.
    expect(byWord.hits.map((h) => h.id)).toContain(world.deals.stuck);
    expect(byWord.hits.map((h) => h.id)).not.toContain(world.deals.regions);
    for (const hit of byWord.hits) expect(world.env.bitrix.store.getDeal(hit.id)!.ASSIGNED_BY_ID).toBe(MANAGER);
    const byId = searchResponse.parse((await call(`/search?q=${world.deals.regions}`, { session })).body);
    expect(byId.hits).toEqual([]);
    const head = await signIn(2); // the sales director heads both sales departments
    const directorHits = searchResponse.parse((await call(`/search?q=${encodeURIComponent('трансформаторов')}`, { session: head })).body);
    expect(directorHits.hits.map((h) => h.id)).toEqual(expect.arrayContaining([world.deals.stuck, world.deals.regions]));
    expect((await call(`/search?q=${'я'.repeat(101)}`, { session })).status).toBe(400);
    expect((await call('/search?q=', { session })).status).toBe(400);
    expect((await call('/search?q=a&q=b', { session })).status).toBe(400);
  });

  it('a press goes through the action registry with the same authorization: a foreign deal\'s move is refused and nothing is written', async () => {
    const session = await signIn(REGION_MANAGER);
    const before = world.env.bitrix.store.getDeal(world.deals.stuck)!.STAGE_ID;
    const refused = await call('/press', { session, body: { data: `1|dm|${world.deals.stuck}|UC_CONTRACT` } });
    expect(refused.status).toBe(200);
    expect(refused.body.notices).toEqual([expect.objectContaining({ alert: true })]);
    expect(world.env.bitrix.store.getDeal(world.deals.stuck)!.STAGE_ID).toBe(before);
    const garbage = await call('/press', { session, body: { data: '1|zz|1' } });
    expect(garbage.body.edited).toBeNull();
  });

  it('a move that needs a date asks for it as a date; a wrong one is asked again, nothing written; a deal changed meanwhile is shown, not overwritten', async () => {
    const session = await signIn(MANAGER);
    const card = dealCardResponse.parse((await call(`/deals/${world.deals.awaitingPayment}`, { session })).body);
    // Awaiting payment: the follow-up's own buttons (paid, expected on …) come first.
    expect(card.actions[0]).toEqual([expect.objectContaining({ kind: 'action', data: `1|dp|${world.deals.awaitingPayment}` })]);
    const asked = await call('/press', { session, body: { data: `1|dm|${world.deals.awaitingPayment}|EXECUTING` } });
    expect(asked.body).toMatchObject({ awaitingAnswer: 'date', edited: { text: expect.stringContaining('Дата поставки') } });
    const wrong = await call('/answer', { session, body: { text: '31.13.2026' } });
    expect(wrong.body).toMatchObject({ awaitingAnswer: 'date', replies: [{ message: { text: expect.stringContaining('Не похоже') } }] });
    expect(world.env.bitrix.store.getDeal(world.deals.awaitingPayment)!.STAGE_ID).toBe('PREPAYMENT_INVOICE');
    // Meanwhile someone moves the deal in Bitrix24: the answer does not move it again; the change is shown.
    world.env.bitrix.store.moveDealStage(world.deals.awaitingPayment, 'UC_REWORK', { silent: true });
    const late = await call('/answer', { session, body: { text: '25.12.2026' } });
    expect(late.status).toBe(200);
    expect(world.env.bitrix.store.getDeal(world.deals.awaitingPayment)!.STAGE_ID).toBe('UC_REWORK');
    expect(JSON.stringify(late.body)).toContain('Доработка договора');
    expect((await call('/answer', { session, body: { text: 'ещё' } })).status).toBe(409);
    world.env.bitrix.store.moveDealStage(world.deals.awaitingPayment, 'PREPAYMENT_INVOICE', { silent: true });
  });

  it('a head declines a contract from its card with a comment: the deal goes to rework and the comment is on its timeline', async () => {
    await world.env.app.jobs.add('deals', 'approval-check', { dealId: world.deals.contract });
    await waitFor(world.env, MOSCOW_HEAD, (e) => e.direction === 'bot' && e.text.includes(String(world.deals.contract)));
    // Its own manager (signed in from a Bitrix24 link) sees the card, without approve / decline.
    const owner = await call('/session', { body: { linkToken: await world.env.app.desk!.linkToken(OTHER_MOSCOW_MANAGER) } });
    const ownCard = dealCardResponse.parse((await call(`/deals/${world.deals.contract}`, { session: String(owner.body.session) })).body);
    expect(ownCard.actions.flat().some((b) => b.kind === 'action' && /^1\|d[yn]\|/.test(b.data))).toBe(false);

    const head = await signIn(MOSCOW_HEAD);
    const card = dealCardResponse.parse((await call(`/deals/${world.deals.contract}`, { session: head })).body);
    const decline = card.actions.flat().find((b) => b.kind === 'action' && b.data.startsWith(`1|dn|${world.deals.contract}|`));
    expect(decline).toBeDefined();
    const asked = await call('/press', { session: head, body: { data: decline!.kind === 'action' ? decline!.data : '' } });
    expect(asked.body).toMatchObject({ awaitingAnswer: 'text' });
    expect(world.env.bitrix.store.getDeal(world.deals.contract)!.STAGE_ID).toBe('UC_CONTRACT');
    const done = await call('/answer', { session: head, body: { text: 'Нужна скидка 5 %, <b>срочно</b>' } });
    expect(done.status).toBe(200);
    expect(world.env.bitrix.store.getDeal(world.deals.contract)!.STAGE_ID).toBe('UC_REWORK');
    const comments = world.env.bitrix.store.listTimelineComments({ entityType: 'deal', entityId: world.deals.contract }).map((c) => String(c.COMMENT));
    expect(comments.some((c) => c.includes('Нужна скидка 5 %'))).toBe(true);
  });

  it('each person has a budget of desk requests (429 past it); /desk without the slash redirects to the page', async () => {
    // Someone who has not used the desk yet this minute (signed in from a Bitrix24 link).
    const session = String((await call('/session', { body: { linkToken: await world.env.app.desk!.linkToken(DEMO_REGION_MANAGER_2) } })).body.session);
    // The budget is a fixed one-minute window: start well inside one.
    if (new Date().getSeconds() >= 50) await new Promise((resolve) => setTimeout(resolve, (61 - new Date().getSeconds()) * 1000));
    const statuses = await Promise.all(Array.from({ length: 125 }, () => call('/day', { session }).then((r) => r.status)));
    expect(statuses.filter((s) => s === 200)).toHaveLength(120);
    expect(statuses.filter((s) => s === 429)).toHaveLength(5);
    // Another person is not affected.
    expect((await call('/day', { session: await signIn(MANAGER) })).status).toBe(200);
    const bare = await fetch(world.base.replace(/\/$/, ''), { redirect: 'manual' });
    expect(bare.status).toBe(301);
    expect(bare.headers.get('location')).toBe('/desk/');
  });

  it('the page is served with a strict Content-Security-Policy and no framing outside Telegram and Bitrix24', async () => {
    const page = await fetch(world.base);
    expect(page.status).toBe(200);
    const csp = page.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toContain('unsafe-inline');
    expect(csp).toMatch(/frame-ancestors 'self' https:\/\/web\.telegram\.org http:\/\/127\.0\.0\.1:\d+$/);
    expect(page.headers.get('x-content-type-options')).toBe('nosniff');
    const script = await fetch(`${world.base}app.js`);
    expect(script.headers.get('content-type')).toMatch(/javascript/);
    expect((await script.text()).length).toBeGreaterThan(1000);
  });

  it('Bitrix24 chat: a link token signs its person in once and expires; /app in Telegram answers with a web_app button', async () => {
    const token = await world.env.app.desk!.linkToken(MANAGER);
    const first = await call('/session', { body: { linkToken: token } });
    expect(first).toMatchObject({ status: 200, body: { role: 'manager' } });
    expect((await call('/session', { body: { linkToken: token } })).body).toEqual({ error: 'expired' });
    expect(LINK_TOKEN_SECONDS).toBeLessThanOrEqual(15 * 60);
    expect(await world.env.app.redis.ttl(`${world.env.config.env.REDIS_PREFIX}:desk:link:${await world.env.app.desk!.linkToken(MANAGER)}`)).toBeGreaterThan(LINK_TOKEN_SECONDS - 5);

    world.env.telegram.sendCommand(tgOf(world.env, MANAGER), '/app');
    const answer = await waitFor(world.env, MANAGER, (e) => e.direction === 'bot' && JSON.stringify(e.replyMarkup ?? {}).includes('web_app'));
    const button = (answer.replyMarkup as { inline_keyboard: Array<Array<{ text: string; web_app?: { url: string } }>> }).inline_keyboard[0]![0]!;
    expect(button.web_app?.url).toBe(world.base);
    expect(world.env.telegram.menuButton(tgOf(world.env, MANAGER))).toMatchObject({ type: 'web_app', web_app: { url: world.base } });
  });
});
