import type { ReportDealFacts, ReportInput, ReportLeadFacts, StageHistoryRow } from '../../../src/rules/report/types.js';

/** Moscow wall time (UTC+3, no DST) as an instant. */
export function msk(iso: string): Date {
  return new Date(`${iso}+03:00`);
}

export const ORDER: Record<number, string[]> = {
  0: ['NEW', 'QUAL', 'PROPOSAL', 'PAY', 'WON', 'LOSE', 'APOLOGY'],
  1: ['C1:NEW', 'C1:WORK', 'C1:WON', 'C1:LOSE'],
};

// Week of 03.11.2025 (Mon) to 09.11.2025 (Sun), Moscow time. Managers 5, 6, 7 are listed; 9 is not.
export const period = { from: msk('2025-11-03T00:00:00'), to: msk('2025-11-10T00:00:00') };

export const deals: ReportDealFacts[] = [
  { id: 1, assignedById: 5, categoryId: 0, stageId: 'PAY', semantic: 'P', opportunity: 100_000, currency: 'RUB' },
  { id: 2, assignedById: 5, categoryId: 0, stageId: 'PROPOSAL', semantic: 'P', opportunity: 50_000, currency: 'RUB' },
  { id: 3, assignedById: 5, categoryId: 0, stageId: 'LOSE', semantic: 'F', opportunity: 30_000, currency: 'RUB', rejectStatus: 'Too expensive' },
  { id: 4, assignedById: 6, categoryId: 0, stageId: 'QUAL', semantic: 'P', opportunity: 20_000, currency: 'USD' },
  { id: 5, assignedById: 6, categoryId: 1, stageId: 'C1:WON', semantic: 'S', opportunity: 70_000, currency: 'RUB' },
  { id: 6, assignedById: 6, categoryId: 0, stageId: 'APOLOGY', semantic: 'F', opportunity: 15_000, currency: 'RUB', rejectStatus: null },
  { id: 7, assignedById: 9, categoryId: 1, stageId: 'C1:WORK', semantic: 'P', opportunity: 40_000, currency: 'RUB' },
  { id: 8, assignedById: 7, categoryId: 0, stageId: 'LOSE', semantic: 'F', opportunity: 10_000, currency: 'RUB', rejectStatus: 'Too expensive' },
  { id: 9, assignedById: 7, categoryId: 0, stageId: 'WON', semantic: 'S', opportunity: 5_000, currency: 'RUB' },
  { id: 10, assignedById: 7, categoryId: 1, stageId: 'C1:NEW', semantic: 'P', opportunity: 25_000, currency: 'RUB' },
];

const row = (ownerId: number, categoryId: number, stageId: string, at: string, semantic: 'P' | 'S' | 'F' = 'P'): StageHistoryRow =>
  ({ ownerId, categoryId, stageId, createdTime: msk(at), semantic });

export const history: StageHistoryRow[] = [
  // Deal 1 goes back and forth: QUAL and PROPOSAL are passed twice each.
  row(1, 0, 'NEW', '2025-10-20T10:00:00'),
  row(1, 0, 'QUAL', '2025-11-04T10:00:00'),
  row(1, 0, 'PROPOSAL', '2025-11-05T10:00:00'),
  row(1, 0, 'QUAL', '2025-11-06T10:00:00'),
  row(1, 0, 'PROPOSAL', '2025-11-07T10:00:00'),
  row(1, 0, 'PAY', '2025-11-08T10:00:00'),
  // Deal 2 last moved in October.
  row(2, 0, 'NEW', '2025-10-01T10:00:00'),
  row(2, 0, 'QUAL', '2025-10-10T10:00:00'),
  row(2, 0, 'PROPOSAL', '2025-10-15T10:00:00'),
  // Deal 3: created in the period, moved forward, then lost.
  row(3, 0, 'NEW', '2025-11-03T10:00:00'),
  row(3, 0, 'QUAL', '2025-11-04T11:00:00'),
  row(3, 0, 'LOSE', '2025-11-06T12:00:00', 'F'),
  // Deal 4 moved backwards only. Listed out of time order on purpose.
  row(4, 0, 'QUAL', '2025-11-05T09:00:00'),
  row(4, 0, 'PROPOSAL', '2025-10-25T09:00:00'),
  // Deal 5: forward twice, the win just before the period ends.
  row(5, 1, 'C1:NEW', '2025-10-28T10:00:00'),
  row(5, 1, 'C1:WORK', '2025-11-03T09:00:00'),
  row(5, 1, 'C1:WON', '2025-11-09T23:30:00', 'S'),
  // Deal 6: lost with no rejection status.
  row(6, 0, 'QUAL', '2025-10-30T10:00:00'),
  row(6, 0, 'APOLOGY', '2025-11-07T10:00:00', 'F'),
  // Deal 7 (unlisted manager): both rows fall just outside the period.
  row(7, 1, 'C1:NEW', '2025-11-02T23:00:00'),
  row(7, 1, 'C1:WORK', '2025-11-10T00:30:00'),
  // Deal 8: its first known row is in the period (no previous stage), then lost.
  row(8, 0, 'PROPOSAL', '2025-11-03T10:00:00'),
  row(8, 0, 'LOSE', '2025-11-04T10:00:00', 'F'),
  // Deal 9: won in October, nothing since.
  row(9, 0, 'PAY', '2025-10-01T10:00:00'),
  row(9, 0, 'WON', '2025-10-02T10:00:00', 'S'),
  // Deal 10: forward in pipeline 0, then moved to pipeline 1 (a funnel change is not a forward move).
  row(10, 0, 'NEW', '2025-10-30T10:00:00'),
  row(10, 0, 'QUAL', '2025-11-03T12:00:00'),
  row(10, 1, 'C1:NEW', '2025-11-06T10:00:00'),
];

export const leads: ReportLeadFacts[] = [
  { id: 1, assignedById: 5, createdTime: msk('2025-11-03T10:00:00'), statusId: 'CONVERTED', converted: true },
  { id: 2, assignedById: 5, createdTime: msk('2025-11-05T10:00:00'), statusId: 'IN_PROCESS', converted: false },
  { id: 3, assignedById: 6, createdTime: msk('2025-11-09T22:00:00'), statusId: 'CONVERTED', converted: true },
  { id: 4, assignedById: 6, createdTime: msk('2025-10-31T10:00:00'), statusId: 'CONVERTED', converted: true },
  { id: 5, assignedById: 9, createdTime: msk('2025-11-04T10:00:00'), statusId: 'NEW', converted: false },
  { id: 6, assignedById: 7, createdTime: msk('2025-11-10T01:00:00'), statusId: 'NEW', converted: false },
  { id: 7, assignedById: 5, createdTime: msk('2025-11-02T23:59:00'), statusId: 'NEW', converted: false },
];

export const reportInput: ReportInput = {
  period, deals, history, leads,
  stageOrder: (categoryId) => ORDER[categoryId] ?? [],
  overdueNudges: { 5: 2, 7: 1, 9: 3 },
  managers: [5, 6, 7],
};
