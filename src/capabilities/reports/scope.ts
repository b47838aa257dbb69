import { type OrgChart, subordinatesOf } from '../../identity/org.js';

/**
 * Whose rows a person may see. Always derived from the actor alone — never from command arguments or button
 * data — so a forged command or button cannot widen it.
 * - admin: everyone (`managers: 'all'`);
 * - supervisor (heads a department): themself and the whole chain below (`subordinatesOf`);
 * - manager: their own row.
 */
export type ReportScope =
  | { role: 'admin'; managers: 'all' }
  | { role: 'supervisor' | 'manager'; managers: number[] };

export function reportScope(org: OrgChart, admins: readonly number[], actorId: number): ReportScope | null {
  const actor = org.users.get(actorId);
  if (!actor?.active) return null;
  if (admins.includes(actorId)) return { role: 'admin', managers: 'all' };
  const below = subordinatesOf(org, actorId);
  if (below.length > 0) return { role: 'supervisor', managers: [actorId, ...below] };
  return { role: 'manager', managers: [actorId] };
}

/** Supervisors who receive the morning digest: active users heading a department with someone below them. */
export function digestRecipients(org: OrgChart): number[] {
  const heads = new Set<number>();
  for (const department of org.departments.values()) {
    if (department.headId !== null && org.users.get(department.headId)?.active) heads.add(department.headId);
  }
  return [...heads].filter((id) => subordinatesOf(org, id).length > 0).sort((a, b) => a - b);
}
