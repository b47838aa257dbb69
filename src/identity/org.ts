/**
 * The org chart as plain data, and the role questions every escalation and authorization asks of it.
 * `supervisorOf` and `chainAbove` are the single source for "who is above this manager".
 */
export interface OrgDepartment {
  id: number;
  parentId: number | null;
  headId: number | null;
}

export interface OrgUser {
  id: number;
  active: boolean;
  departmentIds: number[];
}

export interface OrgChart {
  departments: ReadonlyMap<number, OrgDepartment>;
  users: ReadonlyMap<number, OrgUser>;
}

export function buildOrgChart(departments: OrgDepartment[], users: OrgUser[]): OrgChart {
  return {
    departments: new Map(departments.map((d) => [d.id, d])),
    users: new Map(users.map((u) => [u.id, u])),
  };
}

/** Departments from `departmentId` up to the root (cycle-safe). */
export function departmentPath(org: OrgChart, departmentId: number): OrgDepartment[] {
  const path: OrgDepartment[] = [];
  const seen = new Set<number>();
  let current = org.departments.get(departmentId);
  while (current && !seen.has(current.id)) {
    path.push(current);
    seen.add(current.id);
    current = current.parentId === null ? undefined : org.departments.get(current.parentId);
  }
  return path;
}

function activeHead(org: OrgChart, department: OrgDepartment): number | null {
  if (department.headId === null) return null;
  return org.users.get(department.headId)?.active ? department.headId : null;
}

/**
 * Heads above a user, nearest first: the head of each department on the way up from the user's first
 * department, skipping departments without an (active) head and the user themself.
 */
export function chainAbove(org: OrgChart, userId: number): number[] {
  const user = org.users.get(userId);
  const chain: number[] = [];
  const primary = user?.departmentIds[0];
  if (primary === undefined) return chain;
  for (const department of departmentPath(org, primary)) {
    const head = activeHead(org, department);
    if (head !== null && head !== userId && !chain.includes(head)) chain.push(head);
  }
  return chain;
}

export function supervisorOf(org: OrgChart, userId: number): number | null {
  return chainAbove(org, userId)[0] ?? null;
}

/** True when `supervisorId` heads any department on the way up from any of the user's departments. */
export function isAbove(org: OrgChart, supervisorId: number, userId: number): boolean {
  if (supervisorId === userId) return false;
  const user = org.users.get(userId);
  if (!user) return false;
  return user.departmentIds.some((d) => departmentPath(org, d).some((dep) => activeHead(org, dep) === supervisorId));
}

/** Users in a department and every department below it. */
export function membersBelow(org: OrgChart, departmentId: number): number[] {
  const members: number[] = [];
  for (const user of org.users.values()) {
    if (user.departmentIds.some((d) => departmentPath(org, d).some((dep) => dep.id === departmentId))) members.push(user.id);
  }
  return members;
}

/** Everyone a supervisor sees: members of the departments they head, with sub-departments. */
export function subordinatesOf(org: OrgChart, supervisorId: number): number[] {
  const result = new Set<number>();
  for (const department of org.departments.values()) {
    if (department.headId === supervisorId) for (const id of membersBelow(org, department.id)) result.add(id);
  }
  result.delete(supervisorId);
  return [...result];
}

export type ActorRole = 'owner' | 'supervisor' | 'admin';

/**
 * May `actorId` act on an entity whose responsible manager is `ownerId`? Its manager, a supervisor in the
 * chain above that manager, or an admin — and only while the actor is an active user.
 */
export function roleOnEntity(org: OrgChart, admins: readonly number[], actorId: number, ownerId: number): ActorRole | null {
  const actor = org.users.get(actorId);
  if (!actor?.active) return null;
  if (actorId === ownerId) return 'owner';
  if (isAbove(org, actorId, ownerId)) return 'supervisor';
  if (admins.includes(actorId)) return 'admin';
  return null;
}

/**
 * Whose entities a person may look up: everyone for admins, their own plus those of the departments they head
 * (with sub-departments) for heads, their own for everyone else; nobody for an inactive or unknown user.
 */
export type VisibleOwners = 'all' | readonly number[];

export function visibleOwners(org: OrgChart, admins: readonly number[], viewerId: number): VisibleOwners {
  if (!org.users.get(viewerId)?.active) return [];
  if (admins.includes(viewerId)) return 'all';
  return [viewerId, ...subordinatesOf(org, viewerId)];
}
