import { describe, expect, it } from 'vitest';
import type { PipelineConfig } from '../../../src/config/rules-schema.js';
import { approvalTarget, isForwardMove, managerTransitions, transitionWarnings } from '../../../src/rules/deals/transitions.js';

const stage = (id: string, role: PipelineConfig['stages'][number]['role'], next: string[] = [], extra: { approvedTo?: string } = {}) =>
  ({ id, role, next, requiredFields: [], ...extra });

const pipeline = (approval: ReturnType<typeof stage>): PipelineConfig => ({
  id: 0, name: 'Продажи',
  stages: [
    stage('NEW', 'new', ['WORK']),
    stage('WORK', 'in_work', ['CONTRACT', 'LOSE']),
    approval,
    stage('REWORK', 'rework', ['CONTRACT', 'LOSE']),
    stage('INVOICE', 'awaiting_payment', ['WON', 'LOSE']),
    stage('WON', 'won'),
    stage('LOSE', 'lost'),
  ],
});

describe('moves out of a contract approval stage', () => {
  const listed = pipeline(stage('CONTRACT', 'contract_approval', ['INVOICE', 'REWORK', 'WORK', 'LOSE']));
  const explicit = pipeline(stage('CONTRACT', 'contract_approval', ['REWORK', 'LOSE'], { approvedTo: 'INVOICE' }));

  it('a later stage that is not rework, loss or approval is forward; earlier stages and rework are not', () => {
    expect(isForwardMove(listed, 'CONTRACT', 'INVOICE')).toBe(true);
    expect(isForwardMove(listed, 'CONTRACT', 'WON')).toBe(true);
    expect(isForwardMove(listed, 'CONTRACT', 'REWORK')).toBe(false);
    expect(isForwardMove(listed, 'CONTRACT', 'WORK')).toBe(false);
    expect(isForwardMove(listed, 'CONTRACT', 'LOSE')).toBe(false);
    expect(isForwardMove(listed, 'CONTRACT', 'NOWHERE')).toBe(false);
  });

  it('the manager is never offered a forward move out of approval, elsewhere every listed move', () => {
    expect(managerTransitions(listed, 'CONTRACT').map((s) => s.id)).toEqual(['REWORK', 'WORK', 'LOSE']);
    expect(managerTransitions(explicit, 'CONTRACT').map((s) => s.id)).toEqual(['REWORK', 'LOSE']);
    expect(managerTransitions(listed, 'WORK').map((s) => s.id)).toEqual(['CONTRACT', 'LOSE']);
    expect(managerTransitions(listed, 'INVOICE').map((s) => s.id)).toEqual(['WON', 'LOSE']);
  });

  it('the approval target is approvedTo, else the first forward stage of next', () => {
    expect(approvalTarget(explicit, 'CONTRACT')?.id).toBe('INVOICE');
    expect(approvalTarget(listed, 'CONTRACT')?.id).toBe('INVOICE');
    expect(approvalTarget(listed, 'WORK')).toBeUndefined();
    expect(approvalTarget(pipeline(stage('CONTRACT', 'contract_approval', ['REWORK'])), 'CONTRACT')).toBeUndefined();
  });

  it('warns about forward stages listed in next of an approval stage, with the key path', () => {
    expect(transitionWarnings([explicit])).toEqual([]);
    const warnings = transitionWarnings([listed]);
    expect(warnings.map((w) => w.path)).toEqual(['pipelines[0].stages[2].next[0]']);
    expect(warnings[0]!.message).toContain('approvedTo: INVOICE');
  });
});
