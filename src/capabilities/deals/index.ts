import { encodeCallback } from '../../chat/callback-codec.js';
import type { ChatMessage, MessageRef } from '../../chat/message.js';
import { actionButton, type Button, urlButton } from '../../chat/message.js';
import type { PipelineConfig, RulesFile, StageConfig, StageRole } from '../../config/rules-schema.js';
import { CrmNotFoundError, type Deal, formatPortalDateTime } from '../../crm/index.js';
import { createStageNames, type StageNames } from '../../crm/stage-names.js';
import { createCrmWrites } from '../../crm/writes.js';
import type { Locale } from '../../i18n/index.js';
import { chainAbove, supervisorOf } from '../../identity/org.js';
import type { NotificationIntent } from '../../outbox/index.js';
import {
  allowedTransitions, approvalTarget, type DealFacts, evaluatePaymentFollowUp, evaluateStuckDeal, findStage,
  formatMoney, managerTransitions, parseMoneyField, requiredFieldsFor, roundMoney, stageStayKey,
} from '../../rules/deals/index.js';
import { calendarDate, calendarDateAt, daysElapsed, instantAt } from '../../rules/time/index.js';
import type { Capability, CapabilityDeps } from '../capability.js';
import type { Actor } from '../chat.js';
import { overdueNudgesKey } from '../reports/index.js';
import { createDealsState, type DealsState } from './state.js';
import { type DealsTexts, dealsTexts } from './texts.js';

const QUEUE = 'deals';
const SNOOZE_CHOICES = new Set([1, 3]);
const EXPECT_OFFERS_DAYS = [1, 3, 7];
/** Sentinel second key of `deal.reason` while only the top-level status is chosen. */
const NO_REASON = '_';
const SYSTEM_ACTOR = 'DealPilot';

/** Who presses: a linked Bitrix24 user. */
/** What a press produces, in the actor's language: a short answer and, when it changed, the new message. */
export interface ActionOutcome {
  toast: string;
  alert?: boolean;
  /** Replaces the pressed message; absent = leave it as it is. */
  message?: ChatMessage;
}

/** The answer to a free-text message: null when the chat was not waiting for one (let others handle it). */
export type TextOutcome = { reply: ChatMessage } | null;

export interface ScanSummary {
  nudges: number;
  escalations: number;
  payments: number;
  unpaidResults: number;
  approvalsSent: number;
}

export interface DealsCapability extends Capability {
  /** One pass of every deal trigger (stuck, payment, unpaid results, contract approval). */
  scan(options?: { now?: Date }): Promise<ScanSummary>;
  move(dealId: number, target: string, actor: Actor, locale: Locale, conversation: string): Promise<ActionOutcome>;
  chooseField(dealId: number, target: string, optionId: string, actor: Actor, locale: Locale, conversation: string): Promise<ActionOutcome>;
  reject(dealId: number, actor: Actor, locale: Locale): Promise<ActionOutcome>;
  reason(dealId: number, statusId: string, reasonId: string, actor: Actor, locale: Locale): Promise<ActionOutcome>;
  snooze(dealId: number, days: number, actor: Actor, locale: Locale): Promise<ActionOutcome>;
  expect(dealId: number, date: string, actor: Actor, locale: Locale): Promise<ActionOutcome>;
  paid(dealId: number, actor: Actor, locale: Locale, conversation: string): Promise<ActionOutcome>;
  sendForApproval(dealId: number, actor: Actor, locale: Locale): Promise<ActionOutcome>;
  approve(dealId: number, round: number, actor: Actor, locale: Locale): Promise<ActionOutcome>;
  /** `pressed`: the approval message, edited once the comment arrives. */
  decline(dealId: number, round: number, actor: Actor, locale: Locale, conversation: string, pressed: MessageRef | null): Promise<ActionOutcome>;
  /** A free-text message in a chat: a decline comment or a required field value, when one is awaited. */
  answerText(conversation: string, actor: Actor, text: string, locale: Locale): Promise<TextOutcome>;
  readonly state: DealsState;
}

type Texts = DealsTexts;

function both<T>(build: (locale: Locale, texts: Texts) => T): Record<Locale, T> {
  return { ru: build('ru', dealsTexts.ru), en: build('en', dealsTexts.en) };
}

export function createDealsCapability(deps: CapabilityDeps): DealsCapability {
  const rules: RulesFile = deps.config.rules;
  const tz = rules.portal.timezone;
  const log = deps.log.child({ capability: 'deals' });
  const state = createDealsState(deps.redis, deps.prefix);
  const fields = rules.fields;

  // ---------- lookups ----------

  const pipelineOf = (deal: Pick<Deal, 'categoryId'>): PipelineConfig | undefined =>
    rules.pipelines.find((p) => p.id === (deal.categoryId ?? 0));
  const stageOf = (deal: Deal): StageConfig | undefined => {
    const pipeline = pipelineOf(deal);
    return pipeline && deal.stageId ? findStage(pipeline, deal.stageId) : undefined;
  };
  const stagesWithRole = (role: StageRole) => rules.pipelines.flatMap((p) => p.stages.filter((s) => s.role === role));
  const stageNames = createStageNames({ crm: deps.crm, rules, log });
  const dealLink = (id: number) => `${deps.portalUrl}/crm/deal/details/${id}/`;
  const isOpen = (deal: Deal) => deal.stageSemantic === 'process' && deal.closed !== true;

  function when(date: Date, locale: Locale): string {
    return new Intl.DateTimeFormat(locale === 'ru' ? 'ru-RU' : 'en-GB', {
      timeZone: tz, day: '2-digit', month: '2-digit', year: 'numeric', hour: '2-digit', minute: '2-digit',
    }).format(date);
  }
  function day(date: Date, locale: Locale): string {
    return new Intl.DateTimeFormat(locale === 'ru' ? 'ru-RU' : 'en-GB', { timeZone: tz, day: '2-digit', month: '2-digit', year: 'numeric' }).format(date);
  }

  function factsOf(deal: Deal): DealFacts | null {
    if (!deal.stageId || !deal.assignedById || !deal.movedAt) return null;
    return {
      id: deal.id, stageId: deal.stageId, categoryId: deal.categoryId ?? 0, assignedById: deal.assignedById,
      movedTime: deal.movedAt, opportunity: deal.opportunity ?? 0, currency: deal.currencyId || 'RUB',
    };
  }

  function daysInStage(movedAt: Date, now: Date): number {
    return daysElapsed(movedAt, now, rules.thresholds.dayCounting,
      { timezone: tz, days: rules.workingHours.days, holidays: rules.workingHours.holidays });
  }

  async function personName(id: number | null | undefined): Promise<string> {
    if (!id) return '—';
    return (await deps.directory.user(id))?.name ?? `#${id}`;
  }

  function money(deal: Deal, amount: number, locale: Locale): string {
    return formatMoney(amount, deal.currencyId || 'RUB', locale);
  }

  function remainingOf(deal: Deal): { remaining: number; paid: number } {
    const parsed = fields.paidAmount ? parseMoneyField(deal.fields[fields.paidAmount]) : null;
    const sameCurrency = !parsed?.currency || parsed.currency === (deal.currencyId || 'RUB').toUpperCase();
    const paid = parsed && sameCurrency ? roundMoney(parsed.amount) : 0;
    return { paid, remaining: Math.max(0, roundMoney((deal.opportunity ?? 0) - paid)) };
  }

  // ---------- message parts ----------

  function essentials(names: StageNames, deal: Deal, locale: Locale, texts: Texts, manager: string): string[] {
    return [
      `**${texts.deal} #${deal.id}**: ${deal.title ?? ''}`.trimEnd(),
      `${texts.stage}: ${deal.stageId ? names.deal(deal.stageId) : '—'}${isOpen(deal) ? '' : ` (${texts.closed})`}`,
      `${texts.amount}: ${money(deal, deal.opportunity ?? 0, locale)}`,
      `${texts.manager}: ${manager}`,
    ];
  }

  /** The buttons a deal offers in its current stage: allowed moves, approval, reject, snooze, open. */
  function stageButtons(names: StageNames, deal: Deal, texts: Texts, options: { snooze?: boolean } = {}): Button[][] {
    const pipeline = pipelineOf(deal);
    const stage = stageOf(deal);
    const rows: Button[][] = [];
    if (pipeline && stage && isOpen(deal)) {
      // Out of a contract approval stage the forward moves are the approver's, never the manager's own buttons.
      const moves = managerTransitions(pipeline, stage.id).filter((s) => s.role !== 'lost');
      for (const target of moves) rows.push([actionButton(`➡️ ${names.deal(target.id)}`, encodeCallback('deal.move', deal.id, target.id))]);
      if (stage.role === 'contract_approval' || stage.role === 'rework') {
        rows.push([actionButton(texts.btnSendApproval, encodeCallback('deal.send_approval', deal.id))]);
      }
      rows.push([actionButton(texts.btnReject, encodeCallback('deal.reject', deal.id))]);
      if (options.snooze) {
        rows.push([...SNOOZE_CHOICES].map((d) => actionButton(texts.btnSnooze(d), encodeCallback('deal.snooze', deal.id, d))));
      }
    }
    rows.push([urlButton(texts.btnOpen, dealLink(deal.id))]);
    return rows;
  }

  async function card(deal: Deal, locale: Locale, note?: string): Promise<ChatMessage> {
    const texts = dealsTexts[locale];
    const manager = await personName(deal.assignedById);
    const names = await stageNames.load();
    const lines = [...(note ? [note, ''] : []), texts.cardTitle, ...essentials(names, deal, locale, texts, manager)];
    return { text: lines.join('\n'), buttons: stageButtons(names, deal, texts, { snooze: true }) };
  }

  function outcomeMessage(deal: Deal, locale: Locale, outcome: string, buttons: Button[][] = []): ChatMessage {
    const texts = dealsTexts[locale];
    return {
      text: [`**${texts.deal} #${deal.id}**: ${deal.title ?? ''}`.trimEnd(), outcome].join('\n'),
      buttons: [...buttons, [urlButton(texts.btnOpen, dealLink(deal.id))]],
    };
  }

  async function remember(deal: Deal): Promise<void> {
    if (deal.stageId && deal.assignedById) await state.setView(deal.id, { stageId: deal.stageId, assignedById: deal.assignedById });
  }

  // ---------- press preamble ----------

  async function readDeal(id: number): Promise<Deal | null> {
    try {
      return await deps.crm.getDeal(id);
    } catch (error) {
      if (error instanceof CrmNotFoundError) return null;
      throw error;
    }
  }

  /**
   * Every press starts here: a fresh read, then "did the deal change since the message was built" (another
   * stage, another manager, closed). A changed deal gets its message refreshed and nothing is written.
   */
  async function freshDeal(id: number, locale: Locale, requireOpen = true): Promise<{ deal: Deal } | { outcome: ActionOutcome }> {
    const texts = dealsTexts[locale];
    const deal = await readDeal(id);
    if (!deal) return { outcome: { toast: dealsTexts[locale].staleRefreshed, message: { text: `${texts.deal} #${id}: —` } } };
    const view = await state.view(id);
    const changed = view !== null && (view.stageId !== deal.stageId || view.assignedById !== deal.assignedById);
    if (changed || (requireOpen && !isOpen(deal))) return { outcome: await refreshed(deal, locale) };
    return { deal };
  }

  async function refreshed(deal: Deal, locale: Locale): Promise<ActionOutcome> {
    await remember(deal);
    const texts = dealsTexts[locale];
    return { toast: texts.staleRefreshed, message: await card(deal, locale, texts.staleRefreshed) };
  }

  const writes = deps.writes ?? createCrmWrites(deps);
  /** The deal's current stay in its stage, as a step name: moves and rejections happen once per stay. */
  const stayStep = (deal: Deal) => stageStayKey({ id: deal.id, stageId: deal.stageId ?? '', movedTime: deal.movedAt ?? new Date(0) });
  /** An audit comment, once per `step` of the deal (the stay or round it belongs to): a retry never repeats it. */
  async function timeline(dealId: number, step: string, comment: string): Promise<void> {
    await writes.timelineComment(`deal:${dealId}:${step}`, { entityType: 'deal', entityId: dealId, comment });
  }

  // ---------- stage moves with required fields ----------

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

  const refused = (locale: Locale): ActionOutcome => ({ toast: dealsTexts[locale].notAllowedMove, alert: true });

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

  // ---------- rejection ----------

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

  // ---------- contract approval ----------

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

  // ---------- scans ----------

  function cutoff(now: Date, minDays: number): string {
    // Calendar days count dates, not 24-hour spans: look one day further back and let the rule decide.
    return formatPortalDateTime(new Date(now.getTime() - Math.max(0, minDays - 1) * 86_400_000), tz);
  }

  const selectFields = (): string[] => ['ID', 'TITLE', 'STAGE_ID', 'CATEGORY_ID', 'STAGE_SEMANTIC_ID', 'CLOSED', 'ASSIGNED_BY_ID',
    'MOVED_TIME', 'OPPORTUNITY', 'CURRENCY_ID', 'CONTACT_ID', ...(fields.paidAmount ? [fields.paidAmount] : [])];

  async function scanStuck(now: Date, summary: ScanSummary): Promise<void> {
    const stages = rules.pipelines.flatMap((p) => p.stages.filter((s) => s.stuckDays !== undefined && s.role !== 'won' && s.role !== 'lost'));
    if (stages.length === 0) return;
    const ladderMin = Math.min(...rules.pipelines.map((p) => Math.min(...(p.escalationDays ?? rules.thresholds.escalationDays))));
    const minDays = Math.min(ladderMin, ...stages.map((s) => s.stuckDays!));
    const { items } = await deps.crm.listDeals({
      filter: { STAGE_SEMANTIC_ID: 'P', '@STAGE_ID': stages.map((s) => s.id), '<MOVED_TIME': cutoff(now, minDays) },
      select: selectFields(),
    });
    const names = await stageNames.load();
    const org = await deps.directory.org();
    const intents: NotificationIntent[] = [];
    // Deals past their stage's threshold, per manager, snoozed or not: the "overdue nudges" column of /report.
    const overdue = new Map<number, number>();
    for (const deal of items) {
      const facts = factsOf(deal);
      const pipeline = pipelineOf(deal);
      const stage = stageOf(deal);
      if (!facts || !pipeline || !stage) continue;
      const days = daysInStage(facts.movedTime, now);
      if (facts.assignedById && stage.stuckDays !== undefined && days >= stage.stuckDays) {
        overdue.set(facts.assignedById, (overdue.get(facts.assignedById) ?? 0) + 1);
      }
      const decisions = evaluateStuckDeal({
        deal: facts, stage, pipeline, escalationDays: rules.thresholds.escalationDays, daysInStage: days, now,
        snoozedUntil: await state.snoozedUntil(deal.id),
      });
      if (decisions.length === 0) continue;
      const manager = await personName(facts.assignedById);
      for (const decision of decisions) {
        if (decision.kind === 'nudge') {
          summary.nudges += 1;
          intents.push({
            recipient: decision.recipient, kind: 'deal.stuck', entity: { type: 'deal', id: deal.id }, key: decision.dedupeKey,
            message: both((locale, texts) => ({
              text: [texts.stuckTitle(days, decision.thresholdDays), ...essentials(names, deal, locale, texts, manager)].join('\n'),
              buttons: stageButtons(names, deal, texts, { snooze: true }),
            })),
            digestLine: both((_locale, texts) => `#${deal.id} ${deal.title ?? ''} — ${texts.daysInStage(days)}`),
          });
        } else {
          const chain = chainAbove(org, decision.managerId);
          const recipients = decision.recipients === 'supervisor' ? chain.slice(0, 1) : chain.slice(0, 2);
          if (recipients.length === 0) log.warn({ dealId: deal.id, manager: decision.managerId }, 'escalation: nobody above the manager');
          for (const recipient of recipients) {
            summary.escalations += 1;
            intents.push({
              recipient, kind: 'escalation', entity: { type: 'deal', id: deal.id }, key: decision.dedupeKey,
              message: both((locale, texts) => ({
                text: [texts.escalationTitle(decision.level, manager, days), ...essentials(names, deal, locale, texts, manager)].join('\n'),
                buttons: [[urlButton(texts.btnOpen, dealLink(deal.id))]],
              })),
            });
          }
        }
      }
      await remember(deal);
    }
    const overdueKey = overdueNudgesKey(deps.prefix);
    const replace = deps.redis.multi().del(overdueKey);
    if (overdue.size > 0) replace.hset(overdueKey, Object.fromEntries([...overdue].map(([user, count]) => [String(user), String(count)])));
    await replace.exec();
    for (const intent of intents) await deps.outbox.enqueue(intent);
  }

  function paymentButtons(deal: Deal, locale: Locale, texts: Texts, now: Date): Button[][] {
    const today = calendarDateAt(now, tz);
    const offers = EXPECT_OFFERS_DAYS.map((d) => {
      const at = instantAt(today, 12 * 60, tz);
      const date = new Date(at.getTime() + d * 86_400_000);
      const c = calendarDateAt(date, tz);
      const wire = `${c.year}${String(c.month).padStart(2, '0')}${String(c.day).padStart(2, '0')}`;
      return actionButton(texts.btnExpect(day(date, locale)), encodeCallback('deal.expect', deal.id, wire));
    });
    return [
      [actionButton(texts.btnPaid, encodeCallback('deal.paid', deal.id))],
      offers,
      [actionButton(texts.btnClientRefuses, encodeCallback('deal.reject', deal.id))],
      [urlButton(texts.btnOpen, dealLink(deal.id))],
    ];
  }

  async function scanPayments(now: Date, summary: ScanSummary): Promise<void> {
    const stages = stagesWithRole('awaiting_payment');
    if (stages.length === 0) return;
    const { items } = await deps.crm.listDeals({
      filter: { STAGE_SEMANTIC_ID: 'P', '@STAGE_ID': stages.map((s) => s.id), '<MOVED_TIME': cutoff(now, rules.thresholds.paymentWaitDays) },
      select: selectFields(),
    });
    const names = await stageNames.load();
    for (const deal of items) {
      const facts = factsOf(deal);
      if (!facts) continue;
      const followUp = evaluatePaymentFollowUp({
        deal: facts, paidAmount: fields.paidAmount ? deal.fields[fields.paidAmount] : undefined,
        daysInStage: daysInStage(facts.movedTime, now), waitDays: rules.thresholds.paymentWaitDays,
        repeatDays: rules.thresholds.paymentRepeatDays, now, snoozedUntil: await state.snoozedUntil(deal.id),
      });
      if (!followUp) continue;
      const manager = await personName(facts.assignedById);
      summary.payments += 1;
      await remember(deal);
      await deps.outbox.enqueue({
        recipient: followUp.recipient, kind: 'deal.payment', entity: { type: 'deal', id: deal.id }, key: followUp.dedupeKey,
        message: both((locale, texts) => ({
          text: [texts.paymentTitle, texts.paymentBody(formatMoney(followUp.remaining, followUp.currency, locale), formatMoney(followUp.paid, followUp.currency, locale)),
            ...essentials(names, deal, locale, texts, manager)].join('\n'),
          buttons: paymentButtons(deal, locale, texts, now),
        })),
        digestLine: both((locale) => `#${deal.id} ${deal.title ?? ''} — ${formatMoney(followUp.remaining, followUp.currency, locale)}`),
      });
    }
  }

  async function scanUnpaidResults(summary: ScanSummary): Promise<void> {
    const stages = stagesWithRole('results_sent');
    if (stages.length === 0 || !fields.paidAmount) return;
    const { items } = await deps.crm.listDeals({
      filter: { STAGE_SEMANTIC_ID: 'P', '@STAGE_ID': stages.map((s) => s.id) }, select: selectFields(),
    });
    const names = await stageNames.load();
    for (const deal of items) {
      const facts = factsOf(deal);
      if (!facts) continue;
      const { remaining } = remainingOf(deal);
      if (remaining <= 0) continue;
      const stay = stageStayKey(facts);
      const manager = await personName(facts.assignedById);
      // One chase task per stay, however often the scan passes or the portal fails.
      await writes.task(`deal:${deal.id}:${stay}:unpaid-task`, {
        title: dealsTexts.ru.unpaidResultsTask(deal.title ?? `#${deal.id}`), responsibleId: facts.assignedById,
        description: dealsTexts.ru.unpaidResultsTaskBody(money(deal, remaining, 'ru')), crmBindings: [`D_${deal.id}`],
      });
      summary.unpaidResults += 1;
      await remember(deal);
      await deps.outbox.enqueue({
        recipient: facts.assignedById, kind: 'deal.unpaid', entity: { type: 'deal', id: deal.id }, key: `${stay}:unpaid`,
        message: both((locale, texts) => ({
          text: [texts.unpaidResultsTitle, texts.paymentBody(money(deal, remaining, locale), money(deal, remainingOf(deal).paid, locale)),
            ...essentials(names, deal, locale, texts, manager)].join('\n'),
          buttons: stageButtons(names, deal, texts),
        })),
      });
    }
  }

  async function scanApprovals(summary: ScanSummary): Promise<void> {
    const stages = stagesWithRole('contract_approval');
    if (stages.length === 0) return;
    const { items } = await deps.crm.listDeals({
      filter: { STAGE_SEMANTIC_ID: 'P', '@STAGE_ID': stages.map((s) => s.id) }, select: ['ID', 'STAGE_ID', 'MOVED_TIME', 'ASSIGNED_BY_ID', 'CATEGORY_ID'],
    });
    for (const deal of items) {
      const facts = factsOf(deal);
      const current = await state.approval(deal.id);
      if (facts && current?.stay === stageStayKey(facts)) continue; // cheap check before the locked one
      if (await ensureApprovalRequested(deal.id)) summary.approvalsSent += 1;
    }
  }

  async function scan(options: { now?: Date } = {}): Promise<ScanSummary> {
    const now = options.now ?? deps.clock();
    const summary: ScanSummary = { nudges: 0, escalations: 0, payments: 0, unpaidResults: 0, approvalsSent: 0 };
    await scanStuck(now, summary);
    await scanPayments(now, summary);
    await scanUnpaidResults(summary);
    await scanApprovals(summary);
    log.info({ ...summary }, 'deal scan done');
    return summary;
  }

  // ---------- the capability ----------

  return {
    name: 'deals',
    state,
    jobs: [
      { queue: QUEUE, name: 'scan', schedule: rules.schedules.dealScan, process: () => scan() },
      {
        queue: QUEUE, name: 'approval-check',
        process: async (job) => ensureApprovalRequested(Number((job.data as { dealId?: unknown }).dealId)),
        options: { attempts: 5, backoff: { type: 'exponential', delay: 2000 } },
      },
    ],
    async onBitrixEvent(event) {
      if (event.event !== 'ONCRMDEALUPDATE' && event.event !== 'ONCRMDEALADD') return;
      // Only the id is trusted; the job re-reads the deal.
      await deps.enqueue(QUEUE, 'approval-check', { dealId: event.entityId });
    },
    scan,

    async move(dealId, target, actor, locale, conversation) {
      return state.withDealLock(dealId, async () => {
        const fresh = await freshDeal(dealId, locale);
        if ('outcome' in fresh) return fresh.outcome;
        // A second press of the same move (double tap) finds the deal already there.
        if (fresh.deal.stageId === target) return { toast: dealsTexts[locale].alreadyDone, message: await card(fresh.deal, locale) };
        const allowed = await moveTarget(fresh.deal, target);
        if ('refusal' in allowed) {
          log.warn({ dealId, target, actor: actor.b24UserId, from: fresh.deal.stageId, reason: allowed.refusal }, 'refused: transition not allowed');
          return refusedMove(fresh.deal, allowed.refusal, locale);
        }
        if (allowed.stage.role === 'lost') return statusPicker(fresh.deal, locale);
        return continueMove(fresh.deal, allowed.stage, actor, locale, conversation, dealsTexts[locale].movedOutcome);
      });
    },

    async chooseField(dealId, target, optionId, actor, locale, conversation) {
      return state.withDealLock(dealId, async () => {
        const fresh = await freshDeal(dealId, locale);
        if ('outcome' in fresh) return fresh.outcome;
        const allowed = await moveTarget(fresh.deal, target);
        if ('refusal' in allowed) return refusedMove(fresh.deal, allowed.refusal, locale);
        const stage = allowed.stage;
        const field = requiredFieldsFor(pipelineOf(fresh.deal)!, stage.id, fresh.deal.fields)[0];
        const input = field ? rules.deals.fieldInputs[field] : undefined;
        const option = input?.type === 'choice' ? input.options.find((o) => o.id === optionId) : undefined;
        if (field === undefined) return continueMove(fresh.deal, stage, actor, locale, conversation, dealsTexts[locale].movedOutcome);
        if (!option) return refused(locale);
        await deps.crm.updateDeal(dealId, { [field]: option.value });
        const deal = { ...fresh.deal, fields: { ...fresh.deal.fields, [field]: option.value } };
        return continueMove(deal, stage, actor, locale, conversation, dealsTexts[locale].movedOutcome);
      });
    },

    async reject(dealId, _actor, locale) {
      const fresh = await freshDeal(dealId, locale);
      if ('outcome' in fresh) return fresh.outcome;
      return statusPicker(fresh.deal, locale);
    },

    async reason(dealId, statusId, reasonId, actor, locale) {
      const texts = dealsTexts[locale];
      const status = rules.rejectionReasons.find((s) => s.id === statusId);
      if (!status) return refused(locale);
      if (reasonId === NO_REASON) {
        const fresh = await freshDeal(dealId, locale);
        if ('outcome' in fresh) return fresh.outcome;
        return {
          toast: texts.chooseReason(status.label[locale]),
          message: {
            text: `**${texts.deal} #${dealId}**: ${fresh.deal.title ?? ''}\n${texts.chooseReason(status.label[locale])}`,
            buttons: status.reasons.map((r) => [actionButton(r.label[locale], encodeCallback('deal.reason', dealId, status.id, r.id))]),
          },
        };
      }
      const reason = status.reasons.find((r) => r.id === reasonId);
      if (!reason) return refused(locale);
      return state.withDealLock(dealId, async () => {
        const fresh = await freshDeal(dealId, locale);
        if ('outcome' in fresh) return fresh.outcome;
        const lost = pipelineOf(fresh.deal)?.stages.find((s) => s.role === 'lost');
        if (!lost) return refused(locale);
        const update: Record<string, unknown> = { STAGE_ID: lost.id };
        if (fields.rejectionStatus) update[fields.rejectionStatus] = status.id;
        if (fields.rejectionReason) update[fields.rejectionReason] = reason.id;
        await deps.crm.updateDeal(dealId, update);
        await timeline(dealId, `${stayStep(fresh.deal)}:rejected`, dealsTexts.ru.timelineRejected(status.label.ru, reason.label.ru, actor.name));
        await state.setView(dealId, { stageId: lost.id, assignedById: fresh.deal.assignedById! });
        return {
          toast: texts.done,
          message: outcomeMessage(fresh.deal, locale, texts.rejectedOutcome(actor.name, when(deps.clock(), locale), status.label[locale], reason.label[locale])),
        };
      });
    },

    async snooze(dealId, days, _actor, locale) {
      if (!SNOOZE_CHOICES.has(days)) return refused(locale);
      const fresh = await freshDeal(dealId, locale);
      if ('outcome' in fresh) return fresh.outcome;
      const until = new Date(deps.clock().getTime() + days * 86_400_000);
      await state.snooze(dealId, until);
      const texts = dealsTexts[locale];
      return { toast: texts.done, message: outcomeMessage(fresh.deal, locale, texts.snoozedOutcome(when(until, locale))) };
    },

    async expect(dealId, date, _actor, locale) {
      const texts = dealsTexts[locale];
      const fresh = await freshDeal(dealId, locale);
      if ('outcome' in fresh) return fresh.outcome;
      if (stageOf(fresh.deal)?.role !== 'awaiting_payment') return refreshed(fresh.deal, locale);
      let until: Date;
      try {
        until = instantAt(calendarDate(Number(date.slice(0, 4)), Number(date.slice(4, 6)), Number(date.slice(6, 8))), 0, tz);
      } catch {
        return refused(locale);
      }
      const now = deps.clock();
      // Only dates the bot could have offered: in the future, within two months.
      if (until.getTime() <= now.getTime() - 86_400_000 || until.getTime() > now.getTime() + 62 * 86_400_000) return refused(locale);
      await state.snooze(dealId, until);
      return { toast: texts.done, message: outcomeMessage(fresh.deal, locale, texts.expectOutcome(day(until, locale))) };
    },

    async paid(dealId, actor, locale, conversation) {
      return state.withDealLock(dealId, async () => {
        const fresh = await freshDeal(dealId, locale);
        if ('outcome' in fresh) return fresh.outcome;
        const deal = fresh.deal;
        const stage = stageOf(deal);
        if (stage?.role !== 'awaiting_payment') return refreshed(deal, locale);
        const targets = allowedTransitions(pipelineOf(deal)!, stage.id);
        const target = targets.find((s) => s.role === 'paid') ?? targets.find((s) => s.role !== 'lost' && s.role !== 'rework');
        if (!target) return refused(locale);
        let current = deal;
        if (fields.paidAmount) {
          const full = `${deal.opportunity ?? 0}|${deal.currencyId || 'RUB'}`;
          await deps.crm.updateDeal(dealId, { [fields.paidAmount]: full });
          current = { ...deal, fields: { ...deal.fields, [fields.paidAmount]: full } };
        }
        return continueMove(current, target, actor, locale, conversation, dealsTexts[locale].paidOutcome);
      });
    },

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

    async answerText(conversation, actor, text, locale) {
      const awaiting = await state.awaiting(conversation);
      if (!awaiting) return null;
      const texts = dealsTexts[locale];
      if (awaiting.type === 'decline') {
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
      const input = rules.deals.fieldInputs[awaiting.field];
      const type = input && input.type !== 'choice' ? input.type : 'text';
      const value = validateFieldText(type, text);
      const format = type === 'date' ? texts.formatDate : type === 'number' ? texts.formatNumber : texts.formatText;
      if (value === null) return { reply: { text: texts.invalidValue(format) } };
      return state.withDealLock(awaiting.dealId, async (): Promise<TextOutcome> => {
        await state.clearAwaiting(conversation);
        const fresh = await freshDeal(awaiting.dealId, locale);
        if ('outcome' in fresh) return { reply: fresh.outcome.message ?? { text: fresh.outcome.toast } };
        const allowed = await moveTarget(fresh.deal, awaiting.target);
        if ('refusal' in allowed) {
          const refusal = refusedMove(fresh.deal, allowed.refusal, locale);
          return { reply: refusal.message ?? { text: refusal.toast } };
        }
        await deps.crm.updateDeal(awaiting.dealId, { [awaiting.field]: value });
        const deal = { ...fresh.deal, fields: { ...fresh.deal.fields, [awaiting.field]: value } };
        const outcome = await continueMove(deal, allowed.stage, actor, locale, conversation, texts.movedOutcome);
        const label = input?.label?.[locale] ?? awaiting.field;
        const message = outcome.message ?? { text: outcome.toast };
        return { reply: { ...message, text: `${texts.fieldSaved(label)}\n${message.text}` } };
      });
    },
  };
}
