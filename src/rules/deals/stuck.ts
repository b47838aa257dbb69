import type { PipelineConfig, StageConfig } from '../../config/rules-schema.js';
import { type DealFacts, stageStayKey } from './types.js';

export type StuckDecision =
  | {
    kind: 'nudge';
    level: 0;
    dealId: number;
    /** The deal's manager. */
    recipient: number;
    daysInStage: number;
    thresholdDays: number;
    dedupeKey: string;
  }
  | {
    kind: 'escalation';
    /** 1 = first step of the ladder. */
    level: number;
    dealId: number;
    /** Whose supervisors the identity code looks up: the deal's manager. */
    managerId: number;
    /** Level 1 goes to the manager's supervisor; later levels also to the supervisor's supervisor. */
    recipients: 'supervisor' | 'supervisor_and_next';
    daysInStage: number;
    thresholdDays: number;
    dedupeKey: string;
  };

export interface StuckDealInput {
  deal: DealFacts;
  stage: StageConfig;
  pipeline: PipelineConfig;
  /** Ladder from thresholds.escalationDays; the pipeline's own ladder wins when it has one. */
  escalationDays: readonly number[];
  /** Days in the current stage, counted by the caller (calendar or working days, see thresholds.dayCounting). */
  daysInStage: number;
  now: Date;
  /** Until when the manager snoozed reminders about this deal. */
  snoozedUntil?: Date;
}

const CLOSED_ROLES: ReadonlySet<StageConfig['role']> = new Set(['won', 'lost']);

/**
 * Decides the reminders for a deal sitting in one stage.
 *
 * - Nudge (to the manager) once `daysInStage ≥ stage.stuckDays`, unless snoozed right now. It fires once per
 *   stay; when a snooze has ended it fires once more, because the key then names the snooze's end.
 * - Escalation level i once `daysInStage ≥ ladder[i-1]`. Only the highest level reached is returned: a deal
 *   first seen at day 31 escalates at level 2 instead of sending levels 1 and 2 together. Each level's key is
 *   fixed per stay, so a level fires once per stay and a stage change starts over.
 * - A snooze silences nudges only: escalation is the supervisor's safety net and the manager cannot mute it.
 * - Stages without stuckDays (exempt from nudges) and won/lost stages are exempt from escalation too.
 */
export function evaluateStuckDeal(input: StuckDealInput): StuckDecision[] {
  const { deal, stage, daysInStage, now, snoozedUntil } = input;
  if (stage.id !== deal.stageId) {
    throw new Error(`evaluateStuckDeal: stage ${stage.id} is not the deal's stage ${deal.stageId}`);
  }
  if (stage.stuckDays === undefined || CLOSED_ROLES.has(stage.role)) return [];
  const stay = stageStayKey(deal);
  const decisions: StuckDecision[] = [];

  if (daysInStage >= stage.stuckDays) {
    // A snooze set before this stay began does not belong to it.
    const relevantSnooze = snoozedUntil !== undefined && snoozedUntil.getTime() > deal.movedTime.getTime() ? snoozedUntil : undefined;
    const snoozed = relevantSnooze !== undefined && relevantSnooze.getTime() > now.getTime();
    if (!snoozed) {
      decisions.push({
        kind: 'nudge', level: 0, dealId: deal.id, recipient: deal.assignedById, daysInStage,
        thresholdDays: stage.stuckDays,
        dedupeKey: relevantSnooze ? `${stay}:nudge:after:${relevantSnooze.toISOString()}` : `${stay}:nudge`,
      });
    }
  }

  const ladder = input.pipeline.escalationDays ?? input.escalationDays;
  let reached = 0;
  ladder.forEach((days, index) => {
    if (daysInStage >= days) reached = Math.max(reached, index + 1);
  });
  const threshold = ladder[reached - 1];
  if (reached > 0 && threshold !== undefined) {
    decisions.push({
      kind: 'escalation', level: reached, dealId: deal.id, managerId: deal.assignedById,
      recipients: reached === 1 ? 'supervisor' : 'supervisor_and_next', daysInStage, thresholdDays: threshold,
      dedupeKey: `${stay}:esc:${reached}`,
    });
  }
  return decisions;
}
