import { encodeCallback } from '../../chat/callback-codec.js';
import type { MessageRef } from '../../chat/message.js';
import { actionButton, urlButton } from '../../chat/message.js';
import type { Locale } from '../../i18n/index.js';
import { allowedTransitions } from '../../rules/deals/index.js';
import type { ApprovalRounds } from '../approvals/rounds.js';
import type { Actor } from '../chat.js';
import type { DealContext } from '../deals/context.js';
import { both } from '../deals/context.js';
import { dealsTexts } from '../deals/texts.js';
import type { TextOutcome } from '../deals/types.js';

export type ApprovalAnswers = ReturnType<typeof createApprovalAnswers>;

/** The decline comment the supervisor types after pressing "Decline": the deal goes to rework, the manager hears why. */
export function createApprovalAnswers(ctx: DealContext, rounds: ApprovalRounds) {
  const { deps, log, state, dealLink, when, outcomeMessage, timeline } = ctx;
  const { approvalSummary, approvalPreamble } = rounds;

  async function answerDecline(conversation: string, actor: Actor, text: string, locale: Locale,
    awaiting: { dealId: number; round: number; message: MessageRef | null }): Promise<TextOutcome> {
    const texts = dealsTexts[locale];
    const comment = text.trim().slice(0, 2000);
    if (comment === '') return { reply: { text: texts.commentEmpty } };
    return state.withDealLock(awaiting.dealId, async (): Promise<TextOutcome> => {
      await state.clearAwaiting(conversation);
      const pre = await approvalPreamble(awaiting.dealId, awaiting.round, locale);
      if ('outcome' in pre) return { reply: pre.outcome.message ?? { text: pre.outcome.toast } };
      const { deal, stage, pipeline } = pre;
      const rework = allowedTransitions(pipeline, stage.id).find((s) => s.role === 'rework')
        ?? pipeline.stages.find((s) => s.role === 'rework');
      const now = deps.clock();
      const current = (await state.approval(deal.id))!;
      if (rework) {
        await deps.crm.updateDeal(deal.id, { STAGE_ID: rework.id });
        await state.setView(deal.id, { stageId: rework.id, assignedById: deal.assignedById! });
      }
      await state.setApproval(deal.id, { ...current, status: 'declined', by: actor.name, at: now.toISOString(), comment });
      await timeline(deal.id, `approval:${awaiting.round}:${current.stay}:declined`, dealsTexts.ru.timelineDeclined(awaiting.round, actor.name, comment));
      await deps.outbox.enqueue({
        recipient: deal.assignedById!, kind: 'deal.approval.result', entity: { type: 'deal', id: deal.id },
        key: `deal:${deal.id}:approval:${awaiting.round}:declined`,
        message: both((l, t) => outcomeMessage(deal, l, t.declinedManager(actor.name, awaiting.round, comment),
          [[actionButton(t.btnSendApproval, encodeCallback('deal.send_approval', deal.id))]])),
      });
      const summary = await approvalSummary(deal, awaiting.round, locale);
      if (awaiting.message) {
        await deps.outbox.edit(awaiting.message, {
          text: `${summary}\n\n${texts.declinedBy(actor.name, when(now, locale), comment)}`,
          buttons: [[urlButton(texts.btnOpen, dealLink(deal.id))]],
        }).catch((error: unknown) => log.warn({ err: error, dealId: deal.id }, 'could not edit the approval message'));
      }
      return { reply: { text: texts.declineCommentSaved } };
    });
  }

  return { answerDecline };
}
