import { encodeCallback } from '../../chat/callback-codec.js';
import { actionButton } from '../../chat/message.js';
import type { StageConfig } from '../../config/rules-schema.js';
import type { Deal } from '../../crm/index.js';
import type { Locale } from '../../i18n/index.js';
import { approvalTarget, managerTransitions, requiredFieldsFor, stageStayKey } from '../../rules/deals/index.js';
import { calendarDate } from '../../rules/time/index.js';
import type { Actor } from '../chat.js';
import type { DealContext } from '../deals/context.js';
import { NO_REASON } from '../deals/context.js';
import type { ActionOutcome } from '../deals/types.js';
import { dealsTexts } from './texts.js';

/** Stage moves with the fields a stage requires (buttons or a typed answer), refusals, and the rejection picker. */
export type DealMoves = ReturnType<typeof createDealMoves>;

export function createDealMoves(ctx: DealContext) {
  const { deps, rules, state, pipelineOf, stageOf, stageNames, when, factsOf, outcomeMessage, stayStep,
    timeline, refused } = ctx;

  /** Moves when nothing is missing, otherwise asks for the first missing field (buttons or a text reply). */
  async function continueMove(deal: Deal, target: StageConfig, actor: Actor, locale: Locale, conversation: string,
    outcomeText: (who: string, at: string, stage: string) => string): Promise<ActionOutcome> {
    const texts = dealsTexts[locale];
    const pipeline = pipelineOf(deal)!;
    const missing = requiredFieldsFor(pipeline, target.id, deal.fields);
    const field = missing[0];
    if (field !== undefined) {
      const input = rules.deals.fieldInputs[field];
      const label = input?.label?.[locale] ?? field;
      if (input?.type === 'choice') {
        return {
          toast: texts.askField(label),
          message: {
            text: `**${texts.deal} #${deal.id}**: ${deal.title ?? ''}\n${texts.askField(label)}`,
            buttons: input.options.map((o) => [actionButton(o.label[locale], encodeCallback('deal.field', deal.id, target.id, o.id))]),
          },
        };
      }
      await state.setAwaiting(conversation, { type: 'field', dealId: deal.id, target: target.id, field });
      const format = input?.type === 'date' ? texts.formatDate : input?.type === 'number' ? texts.formatNumber : texts.formatText;
      return { toast: texts.askField(label), message: { text: `**${texts.deal} #${deal.id}**: ${deal.title ?? ''}\n${texts.askFieldText(label, format)}` } };
    }
    const from = deal.stageId!;
    const names = await stageNames.load();
    await deps.crm.updateDeal(deal.id, { STAGE_ID: target.id });
    await timeline(deal.id, `${stayStep(deal)}:moved:${target.id}`, dealsTexts.ru.timelineMoved(names.deal(from), names.deal(target.id), actor.name));
    await state.setView(deal.id, { stageId: target.id, assignedById: deal.assignedById! });
    const now = deps.clock();
    return { toast: texts.done, message: outcomeMessage(deal, locale, outcomeText(actor.name, when(now, locale), names.deal(target.id))) };
  }

  /**
   * The stage a press may move the deal to, or why not. A manager's own moves come from the rules file's `next`;
   * out of a contract approval stage the forward move is taken only once this stay's round was approved (the
   * approver's press moves it, or leaves the move to the manager when required fields are still empty).
   */
  async function moveTarget(deal: Deal, targetId: string): Promise<{ stage: StageConfig } | { refusal: 'not_allowed' | 'needs_approval' }> {
    const pipeline = pipelineOf(deal);
    const current = stageOf(deal);
    if (!pipeline || !current) return { refusal: 'not_allowed' };
    const own = managerTransitions(pipeline, current.id).find((s) => s.id === targetId);
    if (own) return { stage: own };
    if (current.role !== 'contract_approval') return { refusal: 'not_allowed' };
    const approved = approvalTarget(pipeline, current.id);
    if (!approved || approved.id !== targetId) return { refusal: 'not_allowed' };
    const facts = factsOf(deal);
    const approval = await state.approval(deal.id);
    if (facts && approval?.status === 'approved' && approval.stay === stageStayKey(facts)) return { stage: approved };
    return { refusal: 'needs_approval' };
  }

  function refusedMove(deal: Deal, refusal: 'not_allowed' | 'needs_approval', locale: Locale): ActionOutcome {
    if (refusal === 'not_allowed') return refused(locale);
    const texts = dealsTexts[locale];
    return {
      toast: texts.approvalRequired, alert: true,
      message: outcomeMessage(deal, locale, texts.approvalRequired, [[actionButton(texts.btnSendApproval, encodeCallback('deal.send_approval', deal.id))]]),
    };
  }

  function validateFieldText(type: 'text' | 'date' | 'number' | undefined, raw: string): string | number | null {
    const text = raw.trim();
    if (text === '') return null;
    if (type === 'date') {
      const m = /^(\d{1,2})\.(\d{1,2})\.(\d{4})$/.exec(text);
      if (!m) return null;
      try {
        const date = calendarDate(Number(m[3]), Number(m[2]), Number(m[1]));
        return `${date.year}-${String(date.month).padStart(2, '0')}-${String(date.day).padStart(2, '0')}`;
      } catch {
        return null;
      }
    }
    if (type === 'number') {
      const n = Number(text.replace(/\s/g, '').replace(',', '.'));
      return Number.isFinite(n) ? n : null;
    }
    return text.slice(0, 1000);
  }

  function statusPicker(deal: Deal, locale: Locale): ActionOutcome {
    const texts = dealsTexts[locale];
    return {
      toast: texts.chooseStatus,
      message: {
        text: `**${texts.deal} #${deal.id}**: ${deal.title ?? ''}\n${texts.chooseStatus}`,
        buttons: rules.rejectionReasons.map((s) => [actionButton(s.label[locale], encodeCallback('deal.reason', deal.id, s.id, NO_REASON))]),
      },
    };
  }

  return { continueMove, moveTarget, refusedMove, validateFieldText, statusPicker };
}
