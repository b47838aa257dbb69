/**
 * The deal desk page (Telegram Mini App, or a browser opened from Bitrix24 chat). Plain DOM: every CRM string is
 * set as text, never as HTML, so a deal titled `<img onerror=…>` shows literally. Talks only to /desk/api.
 */
import type { Locale, MessageKey } from '../../src/i18n/index.js';
import { t } from '../../src/i18n/index.js';
import {
  type DayResponse, type DealCardResponse, dayResponse, dealCardResponse, type LeadCardResponse, leadCardResponse, type ContactCardResponse, contactCardResponse, type BoardResponse, boardResponse, type ReportResponse, reportResponse, type OutcomeResponse, outcomeResponse,
  type SearchResponse, searchResponse, signInResponse,
} from '../../src/desk/schema.js';

type Button = DealCardResponse['actions'][number][number];
/** The card on screen: a press re-reads it. */
type Entity = { type: 'deal' | 'lead'; id: number };
type Child = Node | string | null | undefined | false;

const SESSION_KEY = 'dealpilot.desk.session';
const LOCALE_KEY = 'dealpilot.desk.locale';
const ROLE_KEY = 'dealpilot.desk.role';
let locale: Locale = (sessionStorage.getItem(LOCALE_KEY) as Locale | null) ?? 'ru';
const tr = (key: MessageKey, params?: unknown): string => (t as (l: Locale, k: MessageKey, p?: unknown) => string)(locale, key, params);

function el(tag: string, props: Record<string, string> = {}, ...children: Child[]): HTMLElement {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(props)) node.setAttribute(name, value);
  for (const child of children) if (child) node.append(child);
  return node;
}

/** Chat markup (**bold**, _italic_, `code`) reduced to plain text for the page. */
const plain = (text: string): string => text.replace(/\*\*(.+?)\*\*/g, '$1').replace(/`([^`]+)`/g, '$1');

/** Bumped on every navigation: an answer that arrives for a page the person already left is dropped. */
let generation = 0;

/** A response for a page that is no longer on screen (the person navigated meanwhile). */
class StaleError extends Error {}

/** Runs a page or an action; a stale answer is dropped silently, anything else still surfaces. */
function quietly(work: Promise<void>): void {
  work.catch((error: unknown) => {
    if (!(error instanceof StaleError)) throw error;
  });
}

class ApiError extends Error {
  constructor(readonly status: number, readonly code: string) {
    super(code);
  }
}

async function api<T>(path: string, parse: (v: unknown) => T, init: { method?: string; body?: unknown } = {}): Promise<T> {
  const asked = generation;
  const session = sessionStorage.getItem(SESSION_KEY);
  const response = await fetch(`./api${path}`, {
    method: init.method ?? 'GET',
    headers: { ...(session ? { authorization: `Bearer ${session}` } : {}), ...(init.body ? { 'content-type': 'application/json' } : {}) },
    ...(init.body ? { body: JSON.stringify(init.body) } : {}),
  });
  const body: unknown = await response.json().catch(() => ({}));
  if (asked !== generation) throw new StaleError();
  if (!response.ok) throw new ApiError(response.status, String((body as { error?: unknown }).error ?? response.status));
  return parse(body);
}

const view = () => document.getElementById('view')!;
function show(...children: Child[]): void {
  view().replaceChildren(...children.filter((c): c is Node | string => !!c));
}
function failure(error: unknown): HTMLElement {
  if (error instanceof StaleError) throw error;
  if (error instanceof ApiError && error.status === 401) return el('p', { class: 'error' }, tr('desk.signin_failed'));
  if (error instanceof ApiError && error.status === 403) return el('p', { class: 'error' }, tr('desk.not_allowed'));
  if (error instanceof ApiError && error.status === 404) return el('p', { class: 'error' }, tr('desk.not_found'));
  return el('p', { class: 'error' }, tr('desk.failed'));
}

type Tab = 'day' | 'search' | 'board' | 'report';

function nav(active: Tab): void {
  const bar = document.getElementById('nav')!;
  // Built once: later pages only move the highlight (links stay the same nodes under a finger or a test's click).
  if (bar.childElementCount === 0) {
    const link = (name: Tab, key: MessageKey) => el('a', { href: `#/${name}`, 'data-nav': name }, tr(key));
    const head = sessionStorage.getItem(ROLE_KEY) !== 'manager';
    bar.replaceChildren(link('day', 'desk.nav_day'), link('search', 'desk.nav_search'),
      ...(head ? [link('board', 'desk.nav_board')] : []), link('report', 'desk.nav_report'));
  }
  for (const link of bar.querySelectorAll('a')) link.classList.toggle('active', link.getAttribute('data-nav') === active);
}

/** A horizontal bar `value / max` wide (set through the CSSOM: the page's CSP allows no inline style attributes). */
function bar(value: number, max: number, kind: string): HTMLElement {
  const node = el('span', { class: `bar ${kind}` });
  node.style.setProperty('width', `${max > 0 ? Math.max(value > 0 ? 2 : 0, Math.round((value / max) * 100)) : 0}%`);
  return node;
}

async function boardPage(pipelineId: number): Promise<void> {
  nav('board');
  show(el('p', { class: 'hint' }, tr('desk.loading')));
  let board: BoardResponse;
  try {
    board = await api(`/board?pipeline=${pipelineId}`, (v) => boardResponse.parse(v));
  } catch (error) {
    return show(failure(error));
  }
  const picker = el('select', { name: 'pipeline', 'aria-label': board.pipeline.name }, ...board.pipelines.map((p) => {
    const option = el('option', { value: String(p.id) }, p.name) as HTMLOptionElement;
    option.selected = p.id === board.pipeline.id;
    return option;
  })) as HTMLSelectElement;
  picker.addEventListener('change', () => {
    location.hash = `#/board?pipeline=${picker.value}`;
  });
  const open = board.stages.reduce((n, s) => n + s.count, 0);
  if (open === 0) return show(picker, el('p', { class: 'hint', 'data-empty': 'board' }, tr('desk.board_empty')));
  const most = Math.max(...board.managers.map((m) => m.open));
  show(
    picker,
    el('h2', {}, tr('desk.board_by_manager')),
    el('ul', { class: 'plain', id: 'managers' }, ...board.managers.map((m) => el('li', { 'data-manager': String(m.id) },
      el('div', {}, `${m.name} · ${m.open} · ${m.amount}${m.stuck > 0 ? ` · ${tr('desk.board_stuck', { count: m.stuck })}` : ''}`),
      el('div', { class: 'bars' }, bar(m.open - m.stuck, most, 'moved'), bar(m.stuck, most, 'lost'))))),
    ...board.stages.filter((s) => s.count > 0).flatMap((s) => [
      el('h2', { 'data-stage': s.id }, `${s.name} · ${s.count} · ${s.amount}`),
      ...s.deals.map((d) => {
        const row = el('button', { class: `row${d.stuck ? ' stuck' : ''}`, 'data-entity': `deal:${d.id}`, ...(d.stuck ? { 'data-stuck': '' } : {}) },
          el('div', {}, d.stuck ? el('span', { class: 'badge overdue' }, tr('desk.reason_overdue')) : null, el('span', { class: 'title' }, d.title)),
          el('div', { class: 'meta' }, `${d.owner} · ${d.amount} · ${tr('desk.days_in_stage', { days: d.days })}`));
        row.addEventListener('click', () => {
          location.hash = `#/deal/${d.id}`;
        });
        return row;
      }),
    ]),
  );
}

const PERIODS = ['today', 'yesterday', 'week', 'month'] as const;

async function reportPage(period: (typeof PERIODS)[number]): Promise<void> {
  nav('report');
  const switcher = el('div', { class: 'periods', role: 'tablist' }, ...PERIODS.map((p) => el('a', { href: `#/report?period=${p}`, class: p === period ? 'active' : '', 'data-period': p }, tr(`desk.report_period_${p}` as MessageKey))));
  show(switcher, el('p', { class: 'hint' }, tr('desk.loading')));
  let report: ReportResponse;
  try {
    report = await api(`/report?period=${period}`, (v) => reportResponse.parse(v));
  } catch (error) {
    return show(switcher, failure(error));
  }
  const rows = [...report.managers, ...(report.managers.length > 1 ? [{ ...report.totals, name: '∑' }] : [])];
  const most = Math.max(1, ...rows.map((r) => r.moved + r.notMoved + r.lost));
  const legend = el('p', { class: 'legend' }, el('span', { class: 'bar moved key' }), ` ${tr('desk.report_moved')}  `,
    el('span', { class: 'bar idle key' }), ` ${tr('desk.report_not_moved')}  `, el('span', { class: 'bar lost key' }), ` ${tr('desk.report_lost')}`);
  show(
    switcher,
    el('p', { class: 'hint', id: 'report-label' }, report.label),
    legend,
    el('ul', { class: 'plain', id: 'report-managers' }, ...rows.map((r) => el('li', { 'data-row': r.name },
      el('div', {}, r.name),
      el('div', { class: 'bars' }, bar(r.moved, most, 'moved'), bar(r.notMoved, most, 'idle'), bar(r.lost, most, 'lost')),
      el('div', { class: 'meta', 'data-figures': '' }, `${tr('desk.report_moved')}: ${r.moved} (${r.movedSum}) · ${tr('desk.report_not_moved')}: ${r.notMoved} (${r.notMovedSum}) · ${tr('desk.report_lost')}: ${r.lost} (${r.lostSum})`)))),
    ...report.funnels.flatMap((f) => {
      const widest = Math.max(1, ...f.stages.map((s) => s.passes));
      return [
        el('h2', {}, `${tr('desk.report_passes')}: ${f.pipeline}`),
        el('ul', { class: 'plain funnel' }, ...f.stages.map((s) => el('li', { 'data-stage': s.name }, el('div', {}, `${s.name} · ${s.passes}`), el('div', { class: 'bars' }, bar(s.passes, widest, 'moved'))))),
      ];
    }),
  );
}

// ---- pages ---------------------------------------------------------------------------------------------------------

async function dayPage(): Promise<void> {
  nav('day');
  show(el('p', { class: 'hint' }, tr('desk.loading')));
  let day: DayResponse;
  try {
    day = await api('/day', (v) => dayResponse.parse(v));
  } catch (error) {
    return show(failure(error));
  }
  if (day.items.length === 0) return show(el('p', { class: 'hint', 'data-empty': 'day' }, tr('desk.day_empty')));
  show(...day.items.map((item) => {
    const row = el('button', { class: 'row', 'data-entity': `${item.type}:${item.id}` },
      el('div', {}, el('span', { class: `badge ${item.reason}` }, tr(`desk.reason_${item.reason}` as MessageKey)), el('span', { class: 'title' }, item.title)),
      el('div', { class: 'meta' }, [item.stage, item.amount, item.overdueDays !== undefined ? tr('desk.overdue_by', { days: item.overdueDays }) : tr('desk.days_in_stage', { days: item.daysInStage }), item.owner].filter(Boolean).join(' · ')));
    row.addEventListener('click', () => {
      location.hash = `#/${item.type}/${item.id}`;
    });
    return row;
  }));
}

/** A card's stage history and timeline comments (deal and lead cards alike). */
function activityLists(card: Pick<DealCardResponse, 'history' | 'comments'>): HTMLElement[] {
  return [
    el('h2', {}, tr('desk.history')), el('ul', { class: 'plain' }, ...card.history.map((h) => el('li', {}, `${h.at} — ${h.stage}`))),
    el('h2', {}, tr('desk.comments')), el('ul', { class: 'plain', id: 'comments' }, ...card.comments.map((c) => el('li', {}, `${c.at}\n${c.text}`))),
  ];
}

async function dealPage(id: number, panels: Node[] = []): Promise<void> {
  nav('day');
  let card: DealCardResponse;
  try {
    card = await api(`/deals/${id}`, (v) => dealCardResponse.parse(v));
  } catch (error) {
    return show(failure(error));
  }
  const facts = el('dl', {},
    el('dt', {}, tr('desk.amount')), el('dd', {}, card.amount),
    el('dt', {}, tr('desk.paid')), el('dd', {}, card.paid),
    el('dt', {}, tr('desk.remaining')), el('dd', {}, card.remaining),
    el('dt', {}, tr('desk.owner')), el('dd', {}, card.owner.name),
    card.client && el('dt', {}, tr('desk.client')),
    card.client && el('dd', {}, el('a', { href: `#/contact/${card.client.id}`, id: 'client-link' }, card.client.name), card.client.phones.length > 0 ? ` · ${card.client.phones.join(', ')}` : ''));
  const pipeline = el('div', { class: 'pipeline' }, ...card.pipeline.stages.map((s) => el('span', { class: s.current ? 'current' : '' }, s.name)));
  const actions = el('div', { class: 'actions', id: 'actions' }, ...buttonRows(card.actions, { type: 'deal', id }));
  show(
    el('h1', { id: 'card-title' }, `#${card.id} ${card.title}`),
    el('p', { class: 'hint', id: 'card-stage' }, `${card.stage.name}${card.daysInStage !== null ? ` · ${tr('desk.days_in_stage', { days: card.daysInStage })}` : ''}${card.open ? '' : ` · ${tr('desk.closed')}`}`),
    pipeline, facts, ...panels,
    el('h2', {}, tr('desk.actions')), actions,
    ...activityLists(card),
  );
}

async function leadPage(id: number, panels: Node[] = []): Promise<void> {
  nav('day');
  let card: LeadCardResponse;
  try {
    card = await api(`/leads/${id}`, (v) => leadCardResponse.parse(v));
  } catch (error) {
    return show(failure(error));
  }
  const facts = el('dl', {},
    el('dt', {}, tr('desk.owner')), el('dd', {}, card.owner.name),
    card.contact && el('dt', {}, tr('desk.client')), card.contact && el('dd', {}, card.contact),
    card.comment && el('dt', {}, tr('desk.comment')), card.comment && el('dd', {}, card.comment));
  show(
    el('h1', { id: 'card-title' }, `#${card.id} ${card.title}`),
    el('p', { class: 'hint', id: 'card-stage' }, `${tr('desk.lead')} · ${card.status.name}`),
    facts, ...panels,
    card.actions.length > 0 && el('h2', {}, tr('desk.actions')),
    el('div', { class: 'actions', id: 'actions' }, ...buttonRows(card.actions, { type: 'lead', id }), el('a', { href: webLink(card.link), target: '_blank', rel: 'noopener noreferrer', class: 'row' }, tr('desk.open_in_b24'))),
    ...activityLists(card),
  );
}

async function contactPage(id: number): Promise<void> {
  nav('search');
  let card: ContactCardResponse;
  try {
    card = await api(`/contacts/${id}`, (v) => contactCardResponse.parse(v));
  } catch (error) {
    return show(failure(error));
  }
  show(
    el('h1', { id: 'card-title' }, card.name),
    el('p', { class: 'hint', id: 'card-stage' }, tr('desk.contact')),
    el('dl', {},
      el('dt', {}, tr('desk.phones')), el('dd', {}, card.phones.join(', ') || '—'),
      el('dt', {}, tr('desk.owner')), el('dd', {}, card.owner.name),
      card.childBirthday && el('dt', {}, tr('desk.child_birthday')), card.childBirthday && el('dd', { id: 'child-birthday' }, card.childBirthday)),
    el('h2', {}, tr('desk.contact_deals')),
    ...card.deals.map((deal) => {
      const row = el('button', { class: 'row', 'data-entity': `deal:${deal.id}` }, el('div', { class: 'title' }, deal.title), el('div', { class: 'meta' }, `${deal.stage} · ${deal.amount}`));
      row.addEventListener('click', () => {
        location.hash = `#/deal/${deal.id}`;
      });
      return row;
    }),
    el('a', { href: webLink(card.link), target: '_blank', rel: 'noopener noreferrer', class: 'row' }, tr('desk.open_in_b24')),
  );
}

const openEntity = (entity: Entity, panels: Node[] = []) => (entity.type === 'deal' ? dealPage(entity.id, panels) : leadPage(entity.id, panels));

function buttonRows(rows: Button[][], entity: Entity): HTMLElement[] {
  return rows.flat().map((button) => {
    if (button.kind === 'url') return el('a', { href: webLink(button.url), target: '_blank', rel: 'noopener noreferrer', class: 'row' }, plain(button.text));
    const node = el('button', { type: 'button', 'data-action': button.data }, plain(button.text));
    node.addEventListener('click', () => quietly(press(button.data, entity)));
    return node;
  });
}

/** A press on the desk: the same action as the chat button; what it answers is shown, then the card is read again. */
async function press(data: string, entity: Entity): Promise<void> {
  let outcome: OutcomeResponse;
  try {
    outcome = await api('/press', (v) => outcomeResponse.parse(v), { method: 'POST', body: { data } });
  } catch (error) {
    return void view().prepend(failure(error));
  }
  await openEntity(entity, outcomePanels(outcome, entity));
}

function outcomePanels(outcome: OutcomeResponse, entity: Entity): Node[] {
  const panels: Node[] = outcome.notices.map((n) => el('div', { class: `notice${n.alert ? ' alert' : ''}`, role: 'status' }, plain(n.text)));
  const choices = [outcome.edited, ...outcome.replies.map((r) => r.message)].filter((m) => m?.buttons?.some((row) => row.some((b) => b.kind === 'action')));
  // The pressed message's new text (e.g. "moved to …") when it offers no further choice and asks nothing.
  if (outcome.edited && choices.length === 0 && !outcome.awaitingAnswer) panels.push(el('div', { class: 'notice', id: 'outcome' }, plain(outcome.edited.text)));
  for (const message of choices) {
    panels.push(el('div', { class: 'actions choices' }, el('div', { class: 'notice' }, plain(message!.text)), ...buttonRows(message!.buttons ?? [], entity)));
  }
  // What the feature asked last is the prompt: a reply ("not a date, again") or the pressed message's new text.
  const question = outcome.awaitingAnswer ? (outcome.replies.at(-1)?.message ?? outcome.edited ?? { text: '' }) : null;
  if (question && outcome.awaitingAnswer) {
    // A real input for the field's kind: a date picker (sent as DD.MM.YYYY, the form the chat asks for), a number, text.
    const kind = outcome.awaitingAnswer;
    const input = (kind === 'text'
      ? el('textarea', { name: 'answer', rows: '2', required: '', maxlength: '2000', 'aria-label': tr('desk.answer') })
      : el('input', { name: 'answer', type: kind, required: '', ...(kind === 'number' ? { step: 'any', inputmode: 'decimal' } : {}), 'aria-label': tr('desk.answer') })) as HTMLInputElement | HTMLTextAreaElement;
    const form = el('form', { id: 'answer', 'data-kind': kind }, el('div', { class: 'notice' }, plain(question.text)), input, el('button', { type: 'submit' }, tr('desk.send')));
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      const value = kind === 'date' ? input.value.replace(/^(\d{4})-(\d{2})-(\d{2})$/, '$3.$2.$1') : input.value;
      quietly(api('/answer', (v) => outcomeResponse.parse(v), { method: 'POST', body: { text: value } })
        .then((next) => openEntity(entity, outcomePanels(next, entity)), (error: unknown) => void form.append(failure(error))));
    });
    panels.push(form);
  } else if (outcome.replies.length > 0 && choices.length === 0) {
    for (const reply of outcome.replies) panels.push(el('div', { class: 'notice' }, plain(reply.message.text)));
  }
  return panels;
}

async function searchPage(query: string): Promise<void> {
  nav('search');
  const input = el('input', { type: 'search', name: 'q', value: query, placeholder: tr('desk.search_placeholder'), maxlength: '100', autocomplete: 'off' }) as HTMLInputElement;
  const results = el('div', { id: 'results' });
  const form = el('form', { role: 'search' }, input);
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    location.hash = `#/search?q=${encodeURIComponent(input.value.trim())}`;
  });
  show(form, results);
  if (!query) return input.focus();
  let found: SearchResponse;
  try {
    found = await api(`/search?q=${encodeURIComponent(query)}`, (v) => searchResponse.parse(v));
  } catch (error) {
    return void results.replaceChildren(failure(error));
  }
  if (found.hits.length === 0) return void results.replaceChildren(el('p', { class: 'hint', 'data-empty': 'search' }, tr('desk.search_empty')));
  results.replaceChildren(...found.hits.map((hit) => {
    const row = el('button', { class: 'row', 'data-entity': `${hit.type}:${hit.id}` }, el('div', { class: 'title' }, hit.title), el('div', { class: 'meta' }, hit.subtitle));
    row.addEventListener('click', () => {
      location.hash = `#/${hit.type}/${hit.id}`;
    });
    return row;
  }));
}

/** A hand-typed `%E0` in the address must not stop the page: it is searched as written. */
function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

/** Links come from the server (portal URLs); only web links are followed, whatever a CRM field might hold. */
const webLink = (url: string): string => (/^https?:\/\//i.test(url) ? url : '#');

function route(): void {
  generation += 1;
  const hash = location.hash.replace(/^#/, '');
  const contact = /^\/contact\/(\d{1,10})$/.exec(hash);
  if (contact) return quietly(contactPage(Number(contact[1])));
  const card = /^\/(deal|lead)\/(\d{1,10})$/.exec(hash);
  if (card) return quietly(openEntity({ type: card[1] as Entity['type'], id: Number(card[2]) }));
  const board = /^\/board(?:\?pipeline=(\d{1,4}))?$/.exec(hash);
  if (board) return quietly(boardPage(Number(board[1] ?? 0)));
  const report = /^\/report(?:\?period=(today|yesterday|week|month))?$/.exec(hash);
  if (report) return quietly(reportPage((report[1] ?? 'today') as (typeof PERIODS)[number]));
  const search = /^\/search(?:\?q=(.*))?$/.exec(hash);
  if (search) return quietly(searchPage(safeDecode(search[1] ?? '')));
  quietly(dayPage());
}

// ---- start: sign in from Telegram's launch parameters or a Bitrix24 link, then route -------------------------------

function applyTheme(raw: string | null): void {
  if (!raw) return;
  try {
    const theme = JSON.parse(raw) as Record<string, unknown>;
    for (const [name, value] of Object.entries(theme)) {
      if (typeof value === 'string' && /^#[0-9a-f]{3,8}$/i.test(value)) document.documentElement.style.setProperty(`--tg-${name.replace(/_color$/, '').replace(/_/g, '-')}`, value);
    }
  } catch {
    // A theme that does not parse leaves the default colours.
  }
}

/** The page to open first: `open=deal/42` (a card button's URL or a Bitrix24 link) or a `start_param` "deal_42". */
const startRoute = (open: string | null): string => {
  const match = /^deal[/_](\d{1,10})$/.exec(open ?? '');
  return match ? `#/deal/${match[1]}` : '#/day';
};

/**
 * Tells the Telegram client the page is ready (it then drops its loading placeholder), as its Mini App bridge
 * expects: `web_app_ready` through the mobile webview proxy, the desktop's external.notify, or a postMessage to
 * web.telegram.org when framed. Outside Telegram nothing listens and nothing happens.
 */
function telegramReady(): void {
  const bridge = window as unknown as { TelegramWebviewProxy?: { postEvent(type: string, data: string): void }; external?: { notify?(data: string): void } };
  const event = { eventType: 'web_app_ready', eventData: {} };
  try {
    if (bridge.TelegramWebviewProxy) bridge.TelegramWebviewProxy.postEvent(event.eventType, '{}');
    else if (typeof bridge.external?.notify === 'function') bridge.external.notify(JSON.stringify(event));
    else if (window.parent !== window) window.parent.postMessage(JSON.stringify(event), 'https://web.telegram.org');
  } catch {
    // Not in Telegram, or a client without the bridge: nothing to tell.
  }
}

async function start(): Promise<void> {
  const launch = new URLSearchParams(location.hash.replace(/^#/, ''));
  const initData = launch.get('tgWebAppData');
  const linkToken = launch.get('link');
  applyTheme(launch.get('tgWebAppThemeParams'));
  if (initData) telegramReady();
  const open = new URLSearchParams(location.search).get('open') ?? launch.get('open') ?? (initData ? new URLSearchParams(initData).get('start_param') : null);
  if (initData || linkToken) {
    // The launch data leaves the address bar at once (a copied link must not carry it).
    history.replaceState(null, '', location.pathname);
    try {
      const signedIn = await api('/session', (v) => signInResponse.parse(v), { method: 'POST', body: initData ? { telegramInitData: initData } : { linkToken } });
      sessionStorage.setItem(SESSION_KEY, signedIn.session);
      sessionStorage.setItem(LOCALE_KEY, signedIn.locale);
      sessionStorage.setItem(ROLE_KEY, signedIn.role);
      locale = signedIn.locale;
      document.documentElement.lang = locale;
    } catch (error) {
      const notLinked = error instanceof ApiError && error.code === 'not_linked';
      return show(el('p', { class: 'error', id: 'signin-error' }, tr(notLinked ? 'desk.signin_not_linked' : 'desk.signin_failed')));
    }
    history.replaceState(null, '', `${location.pathname}${startRoute(open)}`);
  }
  if (!sessionStorage.getItem(SESSION_KEY)) return show(el('p', { class: 'error', id: 'signin-error' }, tr('desk.signin_failed')));
  document.title = tr('desk.title');
  window.addEventListener('hashchange', route);
  route();
}

void start();
