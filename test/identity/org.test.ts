import { describe, expect, it } from 'vitest';
import { buildOrgChart, chainAbove, isAbove, roleOnEntity, subordinatesOf, supervisorOf } from '../../src/identity/org.js';
import { normalizePhone } from '../../src/identity/phone.js';

// 1 Company (head 1) → 2 Sales (head 2) → 3 Moscow (head 3), 4 Regions (no head); 5 HR (head 20)
const org = buildOrgChart(
  [
    { id: 1, parentId: null, headId: 1 },
    { id: 2, parentId: 1, headId: 2 },
    { id: 3, parentId: 2, headId: 3 },
    { id: 4, parentId: 2, headId: null },
    { id: 5, parentId: 1, headId: 20 },
  ],
  [
    { id: 1, active: true, departmentIds: [1] },
    { id: 2, active: true, departmentIds: [2] },
    { id: 3, active: true, departmentIds: [3] },
    { id: 10, active: true, departmentIds: [3] },
    { id: 15, active: true, departmentIds: [4] },
    { id: 20, active: true, departmentIds: [5] },
    { id: 21, active: true, departmentIds: [5] },
    { id: 22, active: false, departmentIds: [3] },
  ],
);

describe('org chart roles', () => {
  it('follows the chain upward, skipping departments without a head and the user themself', () => {
    expect(chainAbove(org, 10)).toEqual([3, 2, 1]);
    expect(chainAbove(org, 15)).toEqual([2, 1]);
    expect(chainAbove(org, 3)).toEqual([2, 1]);
    expect(supervisorOf(org, 15)).toBe(2);
    expect(supervisorOf(org, 1)).toBeNull();
  });

  it('lets a supervisor act two levels down but not on another department', () => {
    expect(roleOnEntity(org, [], 2, 10)).toBe('supervisor');
    expect(roleOnEntity(org, [], 3, 15)).toBeNull();
    expect(roleOnEntity(org, [], 20, 10)).toBeNull();
    expect(roleOnEntity(org, [], 10, 10)).toBe('owner');
    expect(roleOnEntity(org, [21], 21, 10)).toBe('admin');
    expect(roleOnEntity(org, [22], 22, 22)).toBeNull();
    expect(isAbove(org, 1, 21)).toBe(true);
  });

  it('lists everyone below a supervisor', () => {
    expect(subordinatesOf(org, 2).sort((a, b) => a - b)).toEqual([3, 10, 15, 22]);
    expect(subordinatesOf(org, 10)).toEqual([]);
  });
});

describe('phone normalisation', () => {
  it.each([
    ['+7 (916) 123-45-67', '79161234567'],
    ['8 916 1234567', '79161234567'],
    ['79161234567', '79161234567'],
    ['9161234567', '79161234567'],
    ['+49 30 1234567', '49301234567'],
    ['', null],
    ['call me', null],
    ['123', null],
  ])('%s → %s', (raw, expected) => {
    expect(normalizePhone(raw)).toBe(expected);
  });
});
