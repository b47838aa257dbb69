import { encodeCallback } from '../../chat/callback-codec.js';
import { actionButton, urlButton } from '../../chat/message.js';
import type { Locale } from '../../i18n/index.js';
import { approvalTarget, requiredFieldsFor, stageStayKey } from '../../rules/deals/index.js';
import type { ApprovalRounds } from '../approvals/rounds.js';
import type { DealContext } from '../deals/context.js';
import { both } from '../deals/context.js';
import { dealsTexts } from '../deals/texts.js';
import type { DealsCapability } from '../deals/types.js';

/** Send for approval (the manager), approve or decline (the supervisor or an admin). */
export function createApprovalActions(ctx: DealContext, rounds: ApprovalRounds):
  Pick<DealsCapability, 'sendForApproval' | 'approve' | 'decline'> {
  const { deps, rules, state, stageOf, stageNames, dealLink, when, factsOf, outcomeMessage, freshDeal, refreshed,
    timeline, refused } = ctx;
  const { approvalSummary, sendRound, approvalPreamble } = rounds;
  return {
    async sendForApproval(dealId, actor, locale) {
      const texts = dealsTexts[locale];
      return state.withDealLock(dealId, async () => {
        const fresh = await freshDeal(dealId, locale);
        if ('outcome' in fresh) return fresh.outcome;
        const deal = fresh.deal;
        const role = stageOf(deal)?.role;
        if (role !== 'contract_approval' && role !== 'rework') return refreshed(deal, locale);
        const facts = factsOf(deal);
        const current = await state.approval(dealId);
        if (role === 'contract_approval' && facts && current?.stay === stageStayKey(facts) && current.status === 'pending') {
          return { toast: texts.alreadyDone, message: outcomeMessage(deal, locale, texts.approvalSentTitle(current.round)) };
        }
        const sent = await sendRound(deal, actor.name);
        if (!sent) return refused(locale);
        return { toast: texts.done, message: outcomeMessage(sent.deal, locale, texts.approvalSentTitle(sent.round)) };
      });
    },

    async approve(dealId, round, actor, locale) {
      const texts = dealsTexts[locale];
      return state.withDealLock(dealId, async () => {
        const pre = await approvalPreamble(dealId, round, locale);
        if ('outcome' in pre) return pre.outcome;
        const { deal, stage, pipeline } = pre;
        const now = deps.clock();
        const current = (await state.approval(dealId))!;
        await state.setApproval(dealId, { ...current, status: 'approved', by: actor.name, at: now.toISOString() });
        await timeline(dealId, `approval:${round}:${current.stay}:approved`, dealsTexts.ru.timelineApproved(round, actor.name));
        const target = approvalTarget(pipeline, stage.id);
        const missing = target ? requiredFieldsFor(pipeline, target.id, deal.fields) : [];
        if (target && missing.length === 0) {
          await deps.crm.updateDeal(dealId, { STAGE_ID: target.id });
          await state.setView(dealId, { stageId: target.id, assignedById: deal.assignedById! });
        }
        const names = await stageNames.load();
        const fieldNames = (locale: Locale) => missing.map((f) => rules.deals.fieldInputs[f]?.label?.[locale] ?? f).join(', ');
        await deps.outbox.enqueue({
          recipient: deal.assignedById!, kind: 'deal.approval.result', entity: { type: 'deal', id: dealId },
          key: `deal:${dealId}:approval:${round}:approved`,
          message: both((l, t) => outcomeMessage(deal, l,
            [t.approvedManager(actor.name, round), ...(missing.length > 0 ? [t.approvedButFields(fieldNames(l))] : [])].join('\n'),
            target && missing.length > 0 ? [[actionButton(`➡️ ${names.deal(target.id)}`, encodeCallback('deal.move', dealId, target.id))]] : [])),
        });
        const summary = await approvalSummary(deal, round, locale);
        return { toast: texts.done, message: { text: `${summary}\n\n${texts.approvedBy(actor.name, when(now, locale))}`, buttons: [[urlButton(texts.btnOpen, dealLink(dealId))]] } };
      });
    },

    async decline(dealId, round, _actor, locale, conversation, pressed) {
      const texts = dealsTexts[locale];
      return state.withDealLock(dealId, async () => {
        const pre = await approvalPreamble(dealId, round, locale);
        if ('outcome' in pre) return pre.outcome;
        await state.setAwaiting(conversation, { type: 'decline', dealId, round, message: pressed });
        const summary = await approvalSummary(pre.deal, round, locale);
        return { toast: texts.askDeclineComment, message: { text: `${summary}\n\n${texts.askDeclineComment}` } };
      });
    },
  };
}
