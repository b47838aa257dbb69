import type { Lead } from '../../crm/index.js';
import type { Locale } from '../../i18n/index.js';
import type { VisibleOwners as Owners } from '../../identity/org.js';
import { normalizePhone } from '../../identity/phone.js';
import type { DayCandidate } from '../../rules/desk/day.js';
import { searchTerms } from '../../rules/text/index.js';
import { daysElapsed } from '../../rules/time/index.js';
import { RECENT_ACTIVITY, recentActivity } from '../activity.js';
import type { LeadContext } from './context.js';
import type { LeadCardView, LeadDesk } from './types.js';

const SELECT = ['ID', 'TITLE', 'STATUS_ID', 'STATUS_SEMANTIC_ID', 'ASSIGNED_BY_ID', 'MOVED_TIME', 'DATE_CREATE', 'OPPORTUNITY', 'CURRENCY_ID'];

/** The deal desk's read side of leads: "My day" rows (leads not taken yet first) and a lead's card. */
export function createLeadDesk(ctx: LeadContext): LeadDesk {
  const { deps, rules, stageNames, leadUrl, contactLine, leadButtons, getLeadOrNull, isOpen } = ctx;
  const tz = rules.portal.timezone;
  const calendar = { timezone: tz, days: rules.workingHours.days, holidays: rules.workingHours.holidays };
  const when = (date: Date, locale: Locale) => new Intl.DateTimeFormat(locale === 'ru' ? 'ru-RU' : 'en-GB', {
    timeZone: tz, day: '2-digit', month: '2-digit', year: 'numeric', hour: '2-digit', minute: '2-digit',
  }).format(date);

  async function dayCandidates(owners: Owners, now: Date): Promise<DayCandidate[]> {
    if (owners !== 'all' && owners.length === 0) return [];
    const { items } = await deps.crm.listLeads({
      filter: { STATUS_SEMANTIC_ID: 'P', ...(owners === 'all' ? {} : { '@ASSIGNED_BY_ID': [...owners] }) }, select: SELECT,
    });
    const names = await stageNames.load();
    return items.flatMap((lead): DayCandidate[] => {
      // Leads waiting for distribution (the intake user) are the account manager's, not a person's day.
      if (!lead.assignedById || lead.assignedById === rules.intakeUser) return [];
      const since = lead.movedAt ?? lead.createdAt ?? now;
      return [{
        entity: { type: 'lead', id: lead.id }, title: lead.title ?? `#${lead.id}`, ownerId: lead.assignedById,
        daysInStage: daysElapsed(since, now, rules.thresholds.dayCounting, calendar),
        untakenLead: lead.statusId === rules.leadStatuses.new,
        amount: lead.opportunity ?? 0, currency: lead.currencyId || 'RUB', stageName: lead.statusId ? names.lead(lead.statusId) : '',
      }];
    });
  }

  async function card(lead: Lead, locale: Locale): Promise<LeadCardView> {
    const names = await stageNames.load();
    const activity = await recentActivity(deps.crm, 'lead', lead.id, RECENT_ACTIVITY);
    const owner = lead.assignedById ? (await deps.directory.user(lead.assignedById))?.name ?? `#${lead.assignedById}` : '—';
    const open = isOpen(lead);
    return {
      id: lead.id, title: lead.title ?? '', open,
      status: { id: lead.statusId ?? '', name: lead.statusId ? names.lead(lead.statusId) : '—' },
      owner: { id: lead.assignedById ?? null, name: owner },
      contact: contactLine(lead) ?? '',
      comment: lead.comments?.trim() ?? '',
      history: activity.history.map((h) => ({ at: when(h.createdAt, locale), stage: names.lead(h.stageId) })),
      comments: activity.comments.map((c) => ({ at: c.at ? when(c.at, locale) : '', text: c.text })),
      link: leadUrl(lead.id),
      // The chat's buttons while the lead waits to be taken; afterwards the portal is where it is worked.
      actions: open && lead.statusId === rules.leadStatuses.new ? leadButtons(lead.id, locale) : [],
    };
  }

  async function search(query: string, owners: Owners): Promise<Array<{ type: 'lead'; id: number; title: string; subtitle: string }>> {
    if (owners !== 'all' && owners.length === 0) return [];
    const mine = owners === 'all' ? {} : { '@ASSIGNED_BY_ID': [...owners] };
    const names = await stageNames.load();
    const hit = (lead: Lead) => ({ type: 'lead' as const, id: lead.id, title: lead.title ?? `#${lead.id}`, subtitle: [lead.statusId ? names.lead(lead.statusId) : '', contactLine(lead) ?? ''].filter(Boolean).join(' · ') });
    const trimmed = query.trim();
    if (normalizePhone(trimmed) !== null) {
      const ids = await deps.crm.findByPhone(trimmed, 'LEAD');
      if (ids.length === 0) return [];
      return (await deps.crm.listLeads({ filter: { '@ID': ids, ...mine }, select: [...SELECT, 'NAME', 'LAST_NAME', 'PHONE'] })).items.map(hit);
    }
    const terms = searchTerms(query);
    if (!terms) return [];
    const { items } = await deps.crm.listLeads({ filter: { '%TITLE': terms.narrowest, ...mine }, select: [...SELECT, 'NAME', 'LAST_NAME', 'PHONE'], limit: 50 });
    return items.filter((lead) => terms.matches(lead.title ?? '')).slice(0, 20).map(hit);
  }

  return { dayCandidates, card, readLead: getLeadOrNull, search };
}
