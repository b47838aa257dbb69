import { encodeCallback } from '../../chat/callback-codec.js';
import { actionButton, type Button, type ChatMessage, urlButton } from '../../chat/message.js';
import { createScanCursor, type Lead } from '../../crm/index.js';
import { createStageNames } from '../../crm/stage-names.js';
import { createCrmWrites } from '../../crm/writes.js';
import type { Locale } from '../../i18n/index.js';
import type { RoutingCandidate } from '../../rules/routing/index.js';
import type { CapabilityDeps } from '../capability.js';
import { LEAD_TEXTS } from './texts.js';
import { both, MAX_CANDIDATES } from './types.js';

/**
 * What every lead step shares: the portal reads, the people's names, the lead's buttons and messages.
 */
export type LeadContext = ReturnType<typeof createLeadContext>;

export function createLeadContext(deps: CapabilityDeps) {
  const { crm, redis, log, outbox, directory } = deps;
  const rules = deps.config.rules;
  const key = (...parts: (string | number)[]) => `${deps.prefix}:leads:${parts.join(':')}`;
  const cursor = createScanCursor(redis, 'leads.waiting', { keyPrefix: deps.prefix });
  const leadUrl = (id: number) => `${deps.portalUrl}/crm/lead/details/${id}/`;
  const stageNames = createStageNames({ crm, rules, log });
  const writes = deps.writes ?? createCrmWrites(deps);
  /** The lead's current stay in its status, as a step name: taking or rejecting happens once per stay. */
  const stayStep = (lead: Lead) => `lead:${lead.id}:stay:${lead.statusId ?? ''}@${lead.movedAt?.toISOString() ?? ''}`;

  async function nameOf(userId: number): Promise<string> {
    const user = (await crm.getUsers({ includeInactive: true })).find((u) => u.id === userId);
    const name = [user?.name, user?.lastName].filter((p) => p).join(' ');
    return name || `#${userId}`;
  }

  /** Still in play: not converted, not junk (a lead without a semantic counts as open). */
  function isOpen(lead: Lead): boolean {
    return !lead.statusSemantic || lead.statusSemantic === 'process';
  }

  function isWaiting(lead: Lead): boolean {
    if (lead.statusSemantic && lead.statusSemantic !== 'process') return false;
    const owner = lead.assignedById ?? null;
    if (rules.intakeUser !== undefined && owner === rules.intakeUser) return true;
    return lead.statusId === rules.leadStatuses.new && (owner === null || owner === 0);
  }

  async function getLeadOrNull(id: number): Promise<Lead | null> {
    try {
      return await crm.getLead(id);
    } catch (error) {
      if ((error as { name?: string }).name === 'CrmNotFoundError') return null;
      throw error;
    }
  }

  async function sourceName(sourceId: string | null | undefined): Promise<string | null> {
    if (!sourceId) return null;
    const sources = await crm.getStatuses({ entityId: 'SOURCE' });
    return sources.find((s) => s.statusId === sourceId)?.name ?? sourceId;
  }

  function formatDeadline(at: Date, locale: Locale): string {
    return new Intl.DateTimeFormat(locale === 'ru' ? 'ru-RU' : 'en-GB', {
      timeZone: rules.portal.timezone, day: '2-digit', month: '2-digit', hour: '2-digit', minute: '2-digit',
    }).format(at);
  }

  function contactLine(lead: Lead): string | null {
    const name = [lead.name, lead.lastName].filter((p) => p).join(' ');
    const phone = lead.phones?.[0]?.value;
    const email = lead.emails?.[0]?.value;
    const parts = [name, phone, email].filter((p): p is string => !!p);
    return parts.length > 0 ? parts.join(', ') : null;
  }

  function leadButtons(leadId: number, locale: Locale): Button[][] {
    const t = LEAD_TEXTS[locale];
    return [
      [actionButton(t.take, encodeCallback('lead.take', leadId)), actionButton(t.reject, encodeCallback('lead.reject', leadId))],
      [actionButton(t.reassign, encodeCallback('lead.reassign', leadId)), urlButton(t.open, leadUrl(leadId))],
    ];
  }

  async function candidateButtons(leadId: number, candidates: RoutingCandidate[], exclude: number[], locale: Locale): Promise<Button[][]> {
    const rows: Button[][] = [];
    for (const c of candidates.filter((c) => !exclude.includes(c.id)).slice(0, MAX_CANDIDATES)) {
      rows.push([actionButton(LEAD_TEXTS[locale].candidateButton(await nameOf(c.id), c.load, c.present),
        encodeCallback('lead.assign', leadId, c.id))]);
    }
    rows.push([urlButton(LEAD_TEXTS[locale].open, leadUrl(leadId))]);
    return rows;
  }

  async function assignedMessage(lead: Lead, deadline: Date): Promise<Record<Locale, ChatMessage>> {
    const source = await sourceName(lead.sourceId);
    const contact = contactLine(lead);
    return both((locale) => {
      const t = LEAD_TEXTS[locale];
      const title = lead.title ?? '';
      const lines = [
        t.assignedTitle(lead.id, title),
        `${t.contact}: ${contact ?? t.noValue}`,
        `${t.source}: ${source ?? t.noValue}`,
        `${t.comment}: ${lead.comments?.trim() || t.noValue}`,
        `${t.deadline}: **${formatDeadline(deadline, locale)}**`,
      ];
      return { text: lines.join('\n'), buttons: leadButtons(lead.id, locale) };
    });
  }

  /** Writes an assignment to the CRM (owner, task, audit comment) and tells the new manager. */
  /**
   * Gives a lead a new owner and does what follows (task, audit comment, message). Once the owner changed the lead
   * is no longer waiting, so no scan would route it again: the steps are recorded in Redis first and each is
   * ticked off, and whatever a failure left undone is finished by the job's retry or the next scan. A crash
   * right after the portal created the task but before it was ticked off repeats that one step (at least once).
   */

  return { deps, crm, redis, log, outbox, directory, rules, key, cursor, leadUrl, stageNames, writes, stayStep, nameOf, isOpen, isWaiting, getLeadOrNull, sourceName, formatDeadline, contactLine, leadButtons, candidateButtons, assignedMessage };
}
