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
