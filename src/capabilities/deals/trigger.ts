import { urlButton } from '../../chat/message.js';
import { chainAbove } from '../../identity/org.js';
import type { NotificationIntent } from '../../outbox/index.js';
import { evaluateStuckDeal, stageStayKey } from '../../rules/deals/index.js';
import { overdueNudgesKey } from '../reports/index.js';
import type { DealContext } from './context.js';
import { both } from './context.js';
import { dealsTexts } from './texts.js';
import type { ScanSummary } from './types.js';

/**
 * The deal scans: deals stuck in a stage past its threshold nudge their manager and, up the escalation ladder,
 * the people above; results sent but unpaid get one chase task and a message per stay.
 */
export function createDealTrigger(ctx: DealContext) {
  const { deps, rules, log, state, fields, pipelineOf, stageOf, stagesWithRole, stageNames, dealLink, factsOf,
    daysInStage, personName, money, remainingOf, essentials, stageButtons, remember, writes, cutoff, selectFields } = ctx;
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

  return { scanStuck, scanUnpaidResults };
}
