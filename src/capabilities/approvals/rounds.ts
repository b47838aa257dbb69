import { encodeCallback } from '../../chat/callback-codec.js';
import { actionButton, urlButton } from '../../chat/message.js';
import type { PipelineConfig, StageConfig } from '../../config/rules-schema.js';
import type { Deal } from '../../crm/index.js';
import type { Locale } from '../../i18n/index.js';
import { supervisorOf } from '../../identity/org.js';
import { allowedTransitions, roundMoney, stageStayKey } from '../../rules/deals/index.js';
import type { DealContext } from '../deals/context.js';
import { both, SYSTEM_ACTOR } from '../deals/context.js';
import { dealsTexts } from '../deals/texts.js';
import type { ActionOutcome } from '../deals/types.js';

/**
 * Contract approval rounds: a deal entering its approval stage (or sent back from rework) gets a round per stay,
 * sent to the manager's supervisor with the contract summary; a press on an old round shows what it became.
 */
export type ApprovalRounds = ReturnType<typeof createApprovalRounds>;

export function createApprovalRounds(ctx: DealContext) {
  const { deps, rules, log, state, fields, pipelineOf, stageOf, dealLink, isOpen, when, factsOf, personName, money,
    outcomeMessage, remember, readDeal, refreshed, timeline } = ctx;

  async function approvalSummary(deal: Deal, round: number, locale: Locale): Promise<string> {
    const texts = dealsTexts[locale];
    const manager = await personName(deal.assignedById);
    let client = '—';
    if (deal.contactId) {
      const contact = await deps.crm.getContact(deal.contactId).catch(() => null);
      if (contact) client = [contact.name, contact.lastName].filter(Boolean).join(' ') || `#${deal.contactId}`;
    }
    const rows = await deps.crm.getDealProductRows(deal.id);
    const products = rows.length === 0 ? [`  ${texts.noProducts}`] : rows.map((r) =>
      `  • ${r.productName} — ${r.quantity} × ${money(deal, r.price, locale)} = ${money(deal, roundMoney(r.price * r.quantity), locale)}`);
    const conditionsRaw = fields.nonStandardConditions ? deal.fields[fields.nonStandardConditions] : undefined;
    const conditions = typeof conditionsRaw === 'string' && conditionsRaw.trim() !== '' ? conditionsRaw.trim() : texts.noConditions;
    return [
      texts.approvalTitle(round),
      `**${texts.deal} #${deal.id}**: ${deal.title ?? ''}`.trimEnd(),
      `${texts.client}: ${client}`,
      `${texts.amount}: ${money(deal, deal.opportunity ?? 0, locale)}`,
      `${texts.manager}: ${manager}`,
      `${texts.products}:`, ...products,
      `${texts.conditions}: ${conditions}`,
    ].join('\n');
  }

  async function approverOf(managerId: number): Promise<number | null> {
    return supervisorOf(await deps.directory.org(), managerId) ?? rules.admins[0] ?? null;
  }

  /** Sends a new approval round (the deal must be in its approval stage, or in rework: then it moves back). */
  async function sendRound(deal: Deal, actorName: string): Promise<{ round: number; deal: Deal } | null> {
    const pipeline = pipelineOf(deal);
    const stage = stageOf(deal);
    if (!pipeline || !stage || !deal.assignedById) return null;
    let current = deal;
    if (stage.role === 'rework') {
      const back = allowedTransitions(pipeline, stage.id).find((s) => s.role === 'contract_approval');
      if (!back) return null;
      await deps.crm.updateDeal(deal.id, { STAGE_ID: back.id });
      current = await deps.crm.getDeal(deal.id);
    } else if (stage.role !== 'contract_approval') {
      return null;
    }
    const facts = factsOf(current);
    if (!facts) return null;
    const previous = await state.approval(deal.id);
    const round = (previous?.round ?? 0) + 1;
    await state.setApproval(deal.id, { round, status: 'pending', stay: stageStayKey(facts) });
    await remember(current);
    await timeline(deal.id, `approval:${round}:${stageStayKey(facts)}:sent`, dealsTexts.ru.timelineSent(round, actorName));
    const approver = await approverOf(deal.assignedById);
    if (approver === null) {
      log.warn({ dealId: deal.id }, 'no supervisor to approve the contract');
      return { round, deal: current };
    }
    const summaries = { ru: await approvalSummary(current, round, 'ru'), en: await approvalSummary(current, round, 'en') };
    await deps.outbox.enqueue({
      recipient: approver, kind: 'deal.approval', entity: { type: 'deal', id: deal.id }, key: `deal:${deal.id}:approval:${round}`,
      message: both((locale, texts) => ({
        text: summaries[locale],
        buttons: [
          [actionButton(texts.btnApprove, encodeCallback('deal.approve', deal.id, round)),
            actionButton(texts.btnDecline, encodeCallback('deal.decline', deal.id, round))],
          [urlButton(texts.btnOpen, dealLink(deal.id))],
        ],
      })),
    });
    return { round, deal: current };
  }

  /** A deal that entered its approval stage (event or scan) gets a round once per stay. */
  async function ensureApprovalRequested(dealId: number): Promise<boolean> {
    return state.withDealLock(dealId, async () => {
      const deal = await readDeal(dealId);
      if (!deal || !isOpen(deal) || stageOf(deal)?.role !== 'contract_approval') return false;
      const facts = factsOf(deal);
      const current = await state.approval(dealId);
      if (!facts || current?.stay === stageStayKey(facts)) return false;
      return (await sendRound(deal, SYSTEM_ACTOR)) !== null;
    });
  }

  /** Stale approval press: show what the round became instead of acting on it. */
  async function approvalStale(deal: Deal, round: number, locale: Locale): Promise<ActionOutcome> {
    const texts = dealsTexts[locale];
    const current = await state.approval(deal.id);
    if (current && current.round === round && current.status === 'approved') {
      return { toast: texts.alreadyDone, message: outcomeMessage(deal, locale, texts.approvedBy(current.by ?? '—', current.at ? when(new Date(current.at), locale) : '')) };
    }
    if (current && current.round === round && current.status === 'declined') {
      return { toast: texts.alreadyDone, message: outcomeMessage(deal, locale, texts.declinedBy(current.by ?? '—', current.at ? when(new Date(current.at), locale) : '', current.comment ?? '')) };
    }
    return refreshed(deal, locale);
  }

  async function approvalPreamble(dealId: number, round: number, locale: Locale):
    Promise<{ deal: Deal; stage: StageConfig; pipeline: PipelineConfig } | { outcome: ActionOutcome }> {
    const deal = await readDeal(dealId);
    if (!deal) return { outcome: { toast: dealsTexts[locale].staleRefreshed } };
    const current = await state.approval(dealId);
    const stage = stageOf(deal);
    const pipeline = pipelineOf(deal);
    const facts = factsOf(deal);
    if (!current || current.round !== round || current.status !== 'pending' || !stage || !pipeline || !facts
      || stage.role !== 'contract_approval' || !isOpen(deal) || current.stay !== stageStayKey(facts)) {
      return { outcome: await approvalStale(deal, round, locale) };
    }
    return { deal, stage, pipeline };
  }

  return { approvalSummary, approverOf, sendRound, ensureApprovalRequested, approvalStale, approvalPreamble };
}
