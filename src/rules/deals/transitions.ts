import type { PipelineConfig, StageConfig } from '../../config/rules-schema.js';

export function findStage(pipeline: PipelineConfig, stageId: string): StageConfig | undefined {
  return pipeline.stages.find((s) => s.id === stageId);
}

/** Stages a manager may move a deal to from `fromStageId`, in the order of its `next` list. */
export function allowedTransitions(pipeline: PipelineConfig, fromStageId: string): StageConfig[] {
  const from = findStage(pipeline, fromStageId);
  if (!from) return [];
  return from.next.flatMap((id) => {
    const stage = findStage(pipeline, id);
    return stage ? [stage] : [];
  });
}

/**
 * Whether a CRM field value counts as filled. Bitrix24 reports empty user fields as "", null, false or [],
 * and an empty money field as "|RUB"; a number (0 included) and a non-empty string are values.
 */
export function isFilled(value: unknown): boolean {
  if (value === null || value === undefined || value === false) return false;
  if (Array.isArray(value)) return value.some(isFilled);
  if (typeof value === 'string') {
    const trimmed = value.trim();
    if (trimmed === '') return false;
    // A money field with a currency but no amount.
    return !/^\|[A-Za-z]{3}$/.test(trimmed);
  }
  return true;
}

/** Field codes required to enter `toStageId` that are empty in `dealFields` (in the configured order). */
export function requiredFieldsFor(pipeline: PipelineConfig, toStageId: string, dealFields: Record<string, unknown>): string[] {
  const stage = findStage(pipeline, toStageId);
  if (!stage) return [];
  return stage.requiredFields.filter((code) => !isFilled(dealFields[code]));
}

const BACKWARD_ROLES = new Set(['rework', 'lost', 'contract_approval']);

/**
 * A move that advances the deal past `fromStageId`: a later stage of the pipeline (rules-file order) that is not a
 * rework, loss or another approval stage. Out of a contract approval stage only the approval may do that.
 */
export function isForwardMove(pipeline: PipelineConfig, fromStageId: string, toStageId: string): boolean {
  const from = pipeline.stages.findIndex((s) => s.id === fromStageId);
  const to = pipeline.stages.findIndex((s) => s.id === toStageId);
  const target = pipeline.stages[to];
  return from >= 0 && target !== undefined && to > from && !BACKWARD_ROLES.has(target.role);
}

/**
 * The moves a manager's own buttons may make from `fromStageId`. From a contract approval stage the forward moves
 * are left out: those belong to the approver (see `approvalTarget`).
 */
export function managerTransitions(pipeline: PipelineConfig, fromStageId: string): StageConfig[] {
  const from = findStage(pipeline, fromStageId);
  const all = allowedTransitions(pipeline, fromStageId);
  if (from?.role !== 'contract_approval') return all;
  return all.filter((s) => !isForwardMove(pipeline, fromStageId, s.id));
}

/** Where an approved contract moves: the stage's `approvedTo`, else the first forward stage of its `next`. */
export function approvalTarget(pipeline: PipelineConfig, approvalStageId: string): StageConfig | undefined {
  const stage = findStage(pipeline, approvalStageId);
  if (stage?.role !== 'contract_approval') return undefined;
  if (stage.approvedTo !== undefined) return findStage(pipeline, stage.approvedTo);
  return allowedTransitions(pipeline, approvalStageId).find((s) => isForwardMove(pipeline, approvalStageId, s.id));
}

export interface RulesWarning {
  /** Key path in the rules file, as check-config prints problems. */
  path: string;
  message: string;
}

/**
 * Rules-file shapes that are valid but probably not meant: a contract approval stage whose `next` lists forward
 * stages (a manager cannot take them — only the approval can, so they act as the approver's target).
 */
export function transitionWarnings(pipelines: readonly PipelineConfig[]): RulesWarning[] {
  const warnings: RulesWarning[] = [];
  pipelines.forEach((pipeline, p) => {
    pipeline.stages.forEach((stage, s) => {
      if (stage.role !== 'contract_approval') return;
      stage.next.forEach((target, n) => {
        if (!isForwardMove(pipeline, stage.id, target)) return;
        const fix = stage.approvedTo === undefined ? `; write approvedTo: ${target} and drop it from next` : '; drop it from next';
        warnings.push({
          path: `pipelines[${p}].stages[${s}].next[${n}]`,
          message: `${target} is a forward move out of the contract approval stage ${stage.id}: managers are never offered it, `
            + `only an approval moves the deal there${fix}`,
        });
      });
    });
  });
  return warnings;
}
