import { describe, expect, it } from 'vitest';
import { buildOrgChart, visibleOwners } from '../../src/identity/org.js';
import { type DayCandidate, dayReason, rankDay } from '../../src/rules/desk/day.js';

const deal = (id: number, extra: Partial<DayCandidate> = {}): DayCandidate => ({
  entity: { type: 'deal', id }, title: `Deal ${id}`, ownerId: 10, daysInStage: 1, ...extra,
});

describe('my day ranking', () => {
  it('puts overdue first (most overdue on top), then approvals waiting on the viewer, payments, new leads, the rest', () => {
    const ranked = rankDay([
      deal(1),
      deal(2, { stageRole: 'awaiting_payment', daysInStage: 4 }),
      deal(3, { stuckDays: 2, daysInStage: 3 }),
      deal(4, { stuckDays: 2, daysInStage: 9 }),
      deal(5, { stageRole: 'contract_approval', ownerId: 11 }),
      { entity: { type: 'lead', id: 6 }, title: 'Lead', ownerId: 10, daysInStage: 0, untakenLead: true },
      deal(7, { daysInStage: 5 }),
    ], 10);
    expect(ranked.map((i) => `${i.reason}:${i.entity.id}`)).toEqual([
      'overdue:4', 'overdue:3', 'approval:5', 'payment:2', 'new_lead:6', 'open:7', 'open:1',
    ]);
    expect(ranked[0]!.overdueDays).toBe(7);
  });

  it('a contract in approval is the approver\'s item, not its own manager\'s', () => {
    expect(dayReason(deal(1, { stageRole: 'contract_approval', ownerId: 10 }), 10)).toBe('open');
    expect(dayReason(deal(1, { stageRole: 'contract_approval', ownerId: 10 }), 3)).toBe('approval');
  });

  it('overdue wins over every other reason, exactly at the threshold', () => {
    expect(dayReason(deal(1, { stageRole: 'awaiting_payment', stuckDays: 3, daysInStage: 3 }), 10)).toBe('overdue');
    expect(dayReason(deal(1, { stageRole: 'awaiting_payment', stuckDays: 3, daysInStage: 2 }), 10)).toBe('payment');
  });

  it('caps the list', () => {
    expect(rankDay(Array.from({ length: 300 }, (_, i) => deal(i + 1)), 10)).toHaveLength(200);
  });
});

describe('who sees whose entities', () => {
  const org = buildOrgChart(
    [{ id: 1, parentId: null, headId: 1 }, { id: 2, parentId: 1, headId: 2 }, { id: 3, parentId: 2, headId: 3 }],
    [
      { id: 1, active: true, departmentIds: [1] }, { id: 2, active: true, departmentIds: [2] }, { id: 3, active: true, departmentIds: [3] },
      { id: 10, active: true, departmentIds: [3] }, { id: 11, active: false, departmentIds: [3] }, { id: 15, active: true, departmentIds: [2] },
    ],
  );

  it('a manager sees their own; a head their departments with sub-departments; an admin everything; an inactive user nothing', () => {
    expect(visibleOwners(org, [], 10)).toEqual([10]);
    expect(new Set(visibleOwners(org, [], 3) as number[])).toEqual(new Set([3, 10, 11]));
    expect(new Set(visibleOwners(org, [], 2) as number[])).toEqual(new Set([2, 3, 10, 11, 15]));
    expect(visibleOwners(org, [10], 10)).toBe('all');
    expect(visibleOwners(org, [11], 11)).toEqual([]);
  });
});
