import type { RulesFile } from '../../config/rules-schema.js';
import type { BatchCommand, CrmGateway, Lead } from '../../crm/index.js';
import { MAX_BATCH } from '../../crm/index.js';
import { membersBelow, type OrgChart } from '../../identity/org.js';
import type { LeadFacts, ManagerFacts } from '../../rules/routing/index.js';

/** Everyone routing may choose from: the members of every rule's pool and of the HR department. */
export function routablePeople(rules: RulesFile, org: OrgChart): number[] {
  const ids = new Set<number>();
  for (const rule of rules.routing.rules) {
    const members = 'users' in rule.pool ? rule.pool.users : membersBelow(org, rule.pool.department);
    for (const id of members) ids.add(id);
  }
  if (rules.routing.hrDepartment !== undefined) for (const id of membersBelow(org, rules.routing.hrDepartment)) ids.add(id);
  if (rules.intakeUser !== undefined) ids.delete(rules.intakeUser);
  return [...ids].sort((a, b) => a - b);
}

/** Runs commands in as few batch requests as the portal allows (50 per batch). */
export async function batchAll(crm: CrmGateway, commands: Record<string, BatchCommand>) {
  const keys = Object.keys(commands);
  const out: Awaited<ReturnType<CrmGateway['batch']>> = {};
  for (let i = 0; i < keys.length; i += MAX_BATCH) {
    const chunk = Object.fromEntries(keys.slice(i, i + MAX_BATCH).map((k) => [k, commands[k]!]));
    Object.assign(out, await crm.batch(chunk));
  }
  return out;
}

/**
 * Presence and load of the given people, read in bulk: one `im.user.list.get`, one batch of `timeman.status`
 * (skipped when the portal does not use work-time tracking) and one batch counting open leads and open deals
 * per person (`total` of a filtered list, so no rows are transferred).
 */
export async function readManagerFacts(crm: CrmGateway, rules: RulesFile, org: OrgChart, ids: number[]): Promise<ManagerFacts[]> {
  if (ids.length === 0) return [];
  const activeUsers = new Set((await crm.getUsers()).filter((u) => u.active !== false).map((u) => u.id));
  const hr = new Set(rules.routing.hrDepartment === undefined ? [] : membersBelow(org, rules.routing.hrDepartment));
  const absences = await crm.getAbsences(ids);
  const commands: Record<string, BatchCommand> = {};
  for (const id of ids) {
    if (rules.routing.useTimeman) commands[`t${id}`] = ['timeman.status', { USER_ID: id }];
    commands[`l${id}`] = ['crm.lead.list', { filter: { ASSIGNED_BY_ID: id, STATUS_SEMANTIC_ID: 'P' }, select: ['ID'] }];
    commands[`d${id}`] = ['crm.deal.list', { filter: { ASSIGNED_BY_ID: id, CLOSED: 'N' }, select: ['ID'] }];
  }
  const answers = await batchAll(crm, commands);
  const total = (key: string): number => {
    const entry = answers[key];
    if (!entry?.ok) throw entry?.error ?? new Error(`no answer for ${key}`);
    return entry.total;
  };
  return ids.map((id) => {
    let atWork = true;
    if (rules.routing.useTimeman) {
      const entry = answers[`t${id}`];
      // Fail closed: a person whose work day cannot be read is not offered work automatically.
      const status = entry?.ok ? (entry.result as { STATUS?: unknown } | null)?.STATUS : undefined;
      atWork = status === 'OPENED';
    }
    const absentUntil = absences.get(id);
    const absent = !absences.has(id) || absentUntil !== null;
    return {
      id,
      active: activeUsers.has(id) && org.users.get(id)?.active !== false,
      departmentIds: org.users.get(id)?.departmentIds ?? [],
      present: atWork && !absent,
      isHr: hr.has(id),
      openLeads: total(`l${id}`),
      openDeals: total(`d${id}`),
    };
  });
}

/** Routing facts of a lead; the city is read from the address only when the region field is empty. */
export async function readLeadFacts(crm: CrmGateway, rules: RulesFile, lead: Lead): Promise<LeadFacts> {
  const text = (code: string | undefined): string | null => {
    if (!code) return null;
    const value = lead.fields[code];
    if (Array.isArray(value)) return value.map(String).join(', ') || null;
    return value === null || value === undefined || value === '' ? null : String(value);
  };
  const region = text(rules.fields.region);
  let city: string | null = null;
  if (!region) {
    const raw = await crm.call<Record<string, unknown> | null>('crm.lead.get', { id: lead.id });
    city = typeof raw?.ADDRESS_CITY === 'string' && raw.ADDRESS_CITY.trim() !== '' ? raw.ADDRESS_CITY : null;
  }
  return {
    id: lead.id,
    title: lead.title ?? '',
    comments: lead.comments ?? '',
    sourceId: lead.sourceId ?? null,
    direction: text(rules.fields.direction),
    requestType: text(rules.fields.requestType),
    region,
    city,
  };
}
