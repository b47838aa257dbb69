import { encodeCallback } from '../../chat/callback-codec.js';
import { actionButton } from '../../chat/message.js';
import { type Contact, CrmNotFoundError, type Deal } from '../../crm/index.js';
import type { Locale } from '../../i18n/index.js';
import type { ActorRole, VisibleOwners as Owners } from '../../identity/org.js';
import { normalizePhone } from '../../identity/phone.js';
import { formatBirthday, parseBirthdayText } from '../../rules/birthday/index.js';
import { formatMoney } from '../../rules/deals/index.js';
import type { DayCandidate } from '../../rules/desk/day.js';
import { searchTerms } from '../../rules/text/index.js';
import { calendarDateAt, dateFieldToCalendarDate } from '../../rules/time/index.js';
import { RECENT_ACTIVITY, recentActivity } from '../activity.js';
import { createPaymentButtons } from '../payments/buttons.js';
import type { DealContext } from './context.js';
import { dealsTexts } from './texts.js';
import type { BoardView, ContactCardView, DealCardView, DealDesk, SearchHit } from './types.js';

/** Rows read per list call of a search (one portal page). */
const SEARCH_ROWS = 50;

function contactName(contact: Pick<Contact, 'name' | 'lastName' | 'id'>): string {
  return [contact.name, contact.lastName].filter(Boolean).join(' ').trim() || `#${contact.id}`;
}

/** The deal desk's read side of deals: the rows of "My day", a deal's card and search. Writes stay in the actions. */
export function createDealDesk(ctx: DealContext): DealDesk {
  const paymentButtons = createPaymentButtons(ctx);
  const { deps, pipelineOf, stageOf, stageNames, dealLink, isOpen, when, daysInStage, personName, money, remainingOf, selectFields, stageButtons, remember } = ctx;
  const ownerFilter = (owners: Owners): Record<string, unknown> => (owners === 'all' ? {} : { '@ASSIGNED_BY_ID': [...owners] });

  /** Open deals of these owners as "My day" candidates: one list call (paged in batches by the gateway). */
  async function dayCandidates(owners: Owners, now: Date): Promise<DayCandidate[]> {
    if (owners !== 'all' && owners.length === 0) return [];
    const { items } = await deps.crm.listDeals({ filter: { STAGE_SEMANTIC_ID: 'P', ...ownerFilter(owners) }, select: selectFields() });
    const names = await stageNames.load();
    return items.flatMap((deal): DayCandidate[] => {
      if (!deal.assignedById) return [];
      const stage = stageOf(deal);
      return [{
        entity: { type: 'deal', id: deal.id }, title: deal.title ?? `#${deal.id}`, ownerId: deal.assignedById,
        daysInStage: deal.movedAt ? daysInStage(deal.movedAt, now) : 0,
        ...(stage?.stuckDays !== undefined ? { stuckDays: stage.stuckDays } : {}),
        ...(stage ? { stageRole: stage.role } : {}),
        amount: deal.opportunity ?? 0, currency: deal.currencyId || 'RUB', stageName: deal.stageId ? names.deal(deal.stageId) : '',
      }];
    });
  }

  /** `viewerRole`: how the viewer relates to the deal; an approver (not its manager) gets the pending round's buttons. */
  async function card(deal: Deal, locale: Locale, now: Date, viewerRole: ActorRole): Promise<DealCardView> {
    const texts = dealsTexts[locale];
    const names = await stageNames.load();
    const pipeline = pipelineOf(deal);
    const stage = stageOf(deal);
    const { paid, remaining } = remainingOf(deal);
    const [activity, contact] = await Promise.all([
      recentActivity(deps.crm, 'deal', deal.id, RECENT_ACTIVITY),
      deal.contactId ? deps.crm.getContact(deal.contactId).catch(() => null) : Promise.resolve(null),
    ]);
    // The press that follows compares the deal with what this card showed: a change made meanwhile is shown, not overwritten.
    await remember(deal);
    const actions = stageButtons(names, deal, texts, { snooze: true });
    if (stage?.role === 'awaiting_payment' && isOpen(deal)) {
      // Paid, and "expected on …": the payment follow-up's own buttons, above the moves.
      const [paid, offers] = paymentButtons(deal, locale, texts, now);
      actions.unshift(paid!, offers!);
    }
    const approval = stage?.role === 'contract_approval' && viewerRole !== 'owner' ? await ctx.state.approval(deal.id) : null;
    if (approval?.status === 'pending') {
      actions.unshift([actionButton(texts.btnApprove, encodeCallback('deal.approve', deal.id, approval.round)),
        actionButton(texts.btnDecline, encodeCallback('deal.decline', deal.id, approval.round))]);
    }
    return {
      id: deal.id, title: deal.title ?? '', open: isOpen(deal),
      stage: { id: deal.stageId ?? '', name: deal.stageId ? names.deal(deal.stageId) : '—' },
      pipeline: {
        id: deal.categoryId ?? 0, name: pipeline?.name ?? '',
        stages: (pipeline?.stages ?? []).filter((s) => s.role !== 'lost').map((s) => ({ id: s.id, name: names.deal(s.id), current: s.id === deal.stageId })),
      },
      daysInStage: deal.movedAt ? daysInStage(deal.movedAt, now) : null,
      stuckDays: stage?.stuckDays ?? null,
      amount: money(deal, deal.opportunity ?? 0, locale), paid: money(deal, paid, locale), remaining: money(deal, remaining, locale),
      owner: { id: deal.assignedById ?? null, name: await personName(deal.assignedById) },
      client: contact ? { id: contact.id, name: contactName(contact), phones: (contact.phones ?? []).map((p) => String(p.value ?? '')).filter(Boolean) } : null,
      history: activity.history.map((h) => ({ at: when(h.createdAt, locale), stage: names.deal(h.stageId) })),
      comments: activity.comments.map((c) => ({ at: c.at ? when(c.at, locale) : '', text: c.text })),
      link: dealLink(deal.id),
      actions,
    };
  }

  /**
   * Deals by id or title (Russian word forms: each word is looked up by its stem), contacts by name or by phone
   * in any format (the portal compares digits). Only what `owners` may see.
   */
  async function search(query: string, owners: Owners, locale: Locale): Promise<SearchHit[]> {
    if (owners !== 'all' && owners.length === 0) return [];
    const visible = (ownerId: number | null | undefined) => owners === 'all' || (ownerId != null && owners.includes(ownerId));
    const hits: SearchHit[] = [];
    const seen = new Set<string>();
    const add = (hit: SearchHit) => {
      const key = `${hit.type}:${hit.id}`;
      if (!seen.has(key)) seen.add(key), hits.push(hit);
    };
    const names = await stageNames.load();
    const dealHit = (deal: Deal): SearchHit => ({
      type: 'deal', id: deal.id, title: deal.title ?? `#${deal.id}`,
      subtitle: `${deal.stageId ? names.deal(deal.stageId) : ''} · ${money(deal, deal.opportunity ?? 0, locale)}`,
    });
    const digits = query.replace(/\D/g, '');
    if (/^\s*#?\d{1,10}\s*$/.test(query)) {
      const deal = await ctx.readDeal(Number(digits));
      if (deal && visible(deal.assignedById)) add(dealHit(deal));
    }
    if (normalizePhone(query) !== null) {
      const ids = await deps.crm.findByPhone(query.trim(), 'CONTACT');
      if (ids.length > 0) {
        const { items } = await deps.crm.listContacts({ filter: { '@ID': ids, ...ownerFilter(owners) }, select: ['ID', 'NAME', 'LAST_NAME', 'ASSIGNED_BY_ID', 'PHONE'] });
        for (const contact of items) {
          if (visible(contact.assignedById)) add({ type: 'contact', id: contact.id, title: contactName(contact), subtitle: (contact.phones ?? []).map((p) => String(p.value ?? '')).join(', ') });
        }
      }
      return hits;
    }
    const terms = searchTerms(query);
    if (!terms) return hits;
    const [deals, byName, byLastName, companies] = await Promise.all([
      // One page each (50 rows): a search shows the first matches, never a walk through the whole portal.
      deps.crm.listDeals({ filter: { '%TITLE': terms.narrowest, ...ownerFilter(owners) }, select: selectFields(), limit: SEARCH_ROWS }),
      deps.crm.listContacts({ filter: { '%NAME': terms.narrowest, ...ownerFilter(owners) }, select: ['ID', 'NAME', 'LAST_NAME', 'ASSIGNED_BY_ID', 'PHONE'], limit: SEARCH_ROWS }),
      deps.crm.listContacts({ filter: { '%LAST_NAME': terms.narrowest, ...ownerFilter(owners) }, select: ['ID', 'NAME', 'LAST_NAME', 'ASSIGNED_BY_ID', 'PHONE'], limit: SEARCH_ROWS }),
      // A company is anyone's to find by name; what the viewer gets are its deals they may see.
      deps.crm.listCompanies({ filter: { '%TITLE': terms.narrowest }, select: ['ID', 'TITLE'], limit: SEARCH_ROWS }),
    ]);
    const companyNames = new Map(companies.items.filter((c) => terms.matches(c.title ?? '')).slice(0, 20).map((c) => [c.id, c.title ?? '']));
    if (companyNames.size > 0) {
      const { items } = await deps.crm.listDeals({ filter: { '@COMPANY_ID': [...companyNames.keys()], ...ownerFilter(owners) }, select: [...selectFields(), 'COMPANY_ID'], limit: SEARCH_ROWS });
      for (const deal of items) {
        if (!visible(deal.assignedById)) continue;
        const hit = dealHit(deal);
        add({ ...hit, subtitle: `${companyNames.get(deal.companyId ?? 0) ?? ''} · ${hit.subtitle}` });
      }
    }
    for (const deal of deals.items) if (visible(deal.assignedById) && terms.matches(deal.title ?? '')) add(dealHit(deal));
    for (const contact of [...byName.items, ...byLastName.items]) {
      if (visible(contact.assignedById) && terms.matches(contactName(contact))) {
        add({ type: 'contact', id: contact.id, title: contactName(contact), subtitle: (contact.phones ?? []).map((p) => String(p.value ?? '')).join(', ') });
      }
    }
    return hits.slice(0, 50);
  }

  function childBirthday(contact: Contact, now: Date): string | null {
    const { childBirthdayDate, childBirthdayText } = ctx.rules.fields;
    const date = childBirthdayDate ? dateFieldToCalendarDate(String(contact.fields[childBirthdayDate] ?? ''), ctx.tz) : null;
    if (date) return formatBirthday(date, 'dmy-dot');
    const text = childBirthdayText ? String(contact.fields[childBirthdayText] ?? '').trim() : '';
    if (!text) return null;
    const parsed = parseBirthdayText(text, { today: calendarDateAt(now, ctx.tz) });
    return parsed.ok ? formatBirthday(parsed.date, parsed.yearKnown ? 'dmy-dot' : 'dm-dot') : text;
  }

  async function contactCard(contact: Contact, locale: Locale, owners: Owners, now: Date): Promise<ContactCardView> {
    const names = await stageNames.load();
    const { items } = await deps.crm.listDeals({ filter: { CONTACT_ID: contact.id }, select: selectFields() });
    const visible = items.filter((d) => owners === 'all' || (d.assignedById != null && owners.includes(d.assignedById)));
    return {
      id: contact.id, name: contactName(contact),
      phones: (contact.phones ?? []).map((p) => String(p.value ?? '')).filter(Boolean),
      emails: (contact.emails ?? []).map((p) => String(p.value ?? '')).filter(Boolean),
      owner: { id: contact.assignedById ?? null, name: await personName(contact.assignedById) },
      childBirthday: childBirthday(contact, now),
      deals: visible.sort((a, b) => b.id - a.id).slice(0, 20).map((d) => ({
        id: d.id, title: d.title ?? `#${d.id}`, stage: d.stageId ? names.deal(d.stageId) : '', amount: money(d, d.opportunity ?? 0, locale), open: isOpen(d),
      })),
      link: `${deps.portalUrl}/crm/contact/details/${contact.id}/`,
    };
  }

  async function board(owners: Owners, pipelineId: number, locale: Locale, now: Date): Promise<BoardView> {
    const pipelines = ctx.rules.pipelines.map((p) => ({ id: p.id, name: p.name }));
    const pipeline = ctx.rules.pipelines.find((p) => p.id === pipelineId) ?? ctx.rules.pipelines[0]!;
    const names = await stageNames.load();
    const { items } = owners !== 'all' && owners.length === 0 ? { items: [] } : await deps.crm.listDeals({
      filter: { STAGE_SEMANTIC_ID: 'P', CATEGORY_ID: pipeline.id, ...ownerFilter(owners) }, select: selectFields(),
    });
    const rows = await Promise.all(items.map(async (deal) => {
      const stage = stageOf(deal);
      const days = deal.movedAt ? daysInStage(deal.movedAt, now) : 0;
      return { deal, days, stuck: stage?.stuckDays !== undefined && days >= stage.stuckDays, owner: await personName(deal.assignedById) };
    }));
    const sum = (deals: typeof rows, currency: string) => formatMoney(deals.reduce((total, r) => total + (r.deal.opportunity ?? 0), 0), currency, locale);
    const currency = items[0]?.currencyId || 'RUB';
    const stages = pipeline.stages.filter((s) => s.role !== 'won' && s.role !== 'lost').map((s) => {
      const here = rows.filter((r) => r.deal.stageId === s.id).sort((a, b) => b.days - a.days);
      return {
        id: s.id, name: names.deal(s.id), count: here.length, amount: sum(here, currency),
        deals: here.map((r) => ({ id: r.deal.id, title: r.deal.title ?? `#${r.deal.id}`, owner: r.owner, amount: money(r.deal, r.deal.opportunity ?? 0, locale), days: r.days, stuck: r.stuck })),
      };
    });
    const byManager = new Map<number, typeof rows>();
    for (const row of rows) if (row.deal.assignedById) byManager.set(row.deal.assignedById, [...(byManager.get(row.deal.assignedById) ?? []), row]);
    const managers = await Promise.all([...byManager].map(async ([id, deals]) => ({
      id, name: await personName(id), open: deals.length, stuck: deals.filter((d) => d.stuck).length, amount: sum(deals, currency),
    })));
    managers.sort((a, b) => b.stuck - a.stuck || b.open - a.open || a.name.localeCompare(b.name));
    return { pipelines, pipeline: { id: pipeline.id, name: pipeline.name }, stages, managers };
  }

  async function readContact(id: number): Promise<Contact | null> {
    try {
      return await deps.crm.getContact(id);
    } catch (error) {
      if (error instanceof CrmNotFoundError) return null;
      throw error;
    }
  }

  async function awaitedAnswer(conversation: string): Promise<'date' | 'number' | 'text' | null> {
    const awaiting = await ctx.state.awaiting(conversation);
    if (!awaiting) return null;
    if (awaiting.type === 'decline') return 'text';
    const type = ctx.rules.deals.fieldInputs[awaiting.field]?.type;
    return type === 'date' || type === 'number' ? type : 'text';
  }

  return { dayCandidates, card, board, contactCard, search, readDeal: ctx.readDeal, readContact, awaitedAnswer };
}

