import { encodeCallback } from '../../chat/callback-codec.js';
import type { ChatMessage } from '../../chat/message.js';
import { actionButton, appButton, type Button, urlButton } from '../../chat/message.js';
import type { PipelineConfig, RulesFile, StageConfig, StageRole } from '../../config/rules-schema.js';
import { CrmNotFoundError, type Deal, formatPortalDateTime } from '../../crm/index.js';
import { createStageNames, type StageNames } from '../../crm/stage-names.js';
import { createCrmWrites } from '../../crm/writes.js';
import type { Locale } from '../../i18n/index.js';
import {
  type DealFacts, findStage, formatMoney, managerTransitions, parseMoneyField, roundMoney, stageStayKey,
} from '../../rules/deals/index.js';
import { daysElapsed } from '../../rules/time/index.js';
import type { CapabilityDeps } from '../capability.js';
import { createDealsState } from './state.js';
import { type DealsTexts, dealsTexts } from './texts.js';
import type { ActionOutcome } from './types.js';

/**
 * What every deal step shares (stuck nudges, moves, payments, approvals): the rules' lookups, the deal card and its
 * buttons, the press preamble (a fresh read; a changed deal gets its message refreshed) and the audit writes.
 */
export const SNOOZE_CHOICES = new Set([1, 3]);
export const EXPECT_OFFERS_DAYS = [1, 3, 7];
/** Sentinel second key of `deal.reason` while only the top-level status is chosen. */
export const NO_REASON = '_';
export const SYSTEM_ACTOR = 'DealPilot';

export type Texts = DealsTexts;

export function both<T>(build: (locale: Locale, texts: Texts) => T): Record<Locale, T> {
  return { ru: build('ru', dealsTexts.ru), en: build('en', dealsTexts.en) };
}

export type DealContext = ReturnType<typeof createDealContext>;

export function createDealContext(deps: CapabilityDeps) {
  const rules: RulesFile = deps.config.rules;
  const tz = rules.portal.timezone;
  const log = deps.log.child({ capability: 'deals' });
  const state = createDealsState(deps.redis, deps.prefix);
  const fields = rules.fields;

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
    const desk = deps.deskUrl?.();
    rows.push(desk ? [appButton(texts.btnCard, `${desk}?open=deal/${deal.id}`, deal.id), urlButton(texts.btnOpen, dealLink(deal.id))] : [urlButton(texts.btnOpen, dealLink(deal.id))]);
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
  const refused = (locale: Locale): ActionOutcome => ({ toast: dealsTexts[locale].notAllowedMove, alert: true });

  function cutoff(now: Date, minDays: number): string {
    // Calendar days count dates, not 24-hour spans: look one day further back and let the rule decide.
    return formatPortalDateTime(new Date(now.getTime() - Math.max(0, minDays - 1) * 86_400_000), tz);
  }

  const selectFields = (): string[] => ['ID', 'TITLE', 'STAGE_ID', 'CATEGORY_ID', 'STAGE_SEMANTIC_ID', 'CLOSED', 'ASSIGNED_BY_ID',
    'MOVED_TIME', 'OPPORTUNITY', 'CURRENCY_ID', 'CONTACT_ID', ...(fields.paidAmount ? [fields.paidAmount] : [])];

  return { deps, rules, tz, log, state, fields, pipelineOf, stageOf, stagesWithRole, stageNames, dealLink, isOpen, when, day, factsOf, daysInStage, personName, money, remainingOf, essentials, stageButtons, card, outcomeMessage, remember, readDeal, freshDeal, refreshed, writes, stayStep, timeline, refused, cutoff, selectFields };
}
