import type { RoutingRuleConfig } from '../../config/rules-schema.js';
import { matchesKeywords } from '../text/keywords.js';
import { normalizeWord } from '../text/stem.js';
import type {
  LeadFacts, ManagerFacts, MatchedConditions, RoundRobinState, RoutingCandidate, RoutingDecision, RoutingInput,
} from './types.js';

/** Name given to the HR department fallback pool in decisions and round-robin keys. */
export const HR_DEPARTMENT_POOL = 'hr-department';

function normalizeValue(value: string): string {
  return normalizeWord(value.trim()).replace(/\s+/g, ' ');
}

function oneOf(value: string | null | undefined, allowed: readonly string[]): string | undefined {
  if (value === null || value === undefined || value.trim() === '') return undefined;
  const wanted = normalizeValue(value);
  return allowed.some((a) => normalizeValue(a) === wanted) ? value.trim() : undefined;
}

export function isHrRequest(lead: LeadFacts, hrRequestTypes: readonly string[]): boolean {
  return oneOf(lead.requestType, hrRequestTypes) !== undefined;
}

/**
 * The conditions of `when` that hold for the lead, or null when any given condition fails. An empty `when`
 * matches every lead (a catch-all rule).
 */
export function matchRule(when: RoutingRuleConfig['when'], lead: LeadFacts): MatchedConditions | null {
  const matched: MatchedConditions = {};
  if (when.direction) {
    const value = oneOf(lead.direction, when.direction);
    if (value === undefined) return null;
    matched.direction = value;
  }
  if (when.requestType) {
    const value = oneOf(lead.requestType, when.requestType);
    if (value === undefined) return null;
    matched.requestType = value;
  }
  if (when.source) {
    const value = oneOf(lead.sourceId, when.source);
    if (value === undefined) return null;
    matched.source = value;
  }
  if (when.region) {
    const value = oneOf(lead.region, when.region) ?? oneOf(lead.city, when.region);
    if (value === undefined) return null;
    matched.region = value;
  }
  if (when.keywords) {
    const found = matchesKeywords(`${lead.title}\n${lead.comments}`, when.keywords);
    if (found.length === 0) return null;
    matched.keywords = found;
  }
  return matched;
}

function loadOf(manager: ManagerFacts, weights: RoutingInput['rules']['loadWeights']): number {
  // Rounded so fractional weights do not turn equal loads into false "lower" ones.
  return Math.round((weights.leads * manager.openLeads + weights.deals * manager.openDeals) * 1e6) / 1e6;
}

function toCandidates(people: ManagerFacts[], weights: RoutingInput['rules']['loadWeights']): RoutingCandidate[] {
  return people
    .map((m) => ({ id: m.id, load: loadOf(m, weights), present: m.present }))
    .sort((a, b) => Number(b.present) - Number(a.present) || a.load - b.load || a.id - b.id);
}

function peopleById(input: RoutingInput, ids: Iterable<number>): ManagerFacts[] {
  const byId = new Map(input.managers.map((m) => [m.id, m]));
  const seen = new Set<number>();
  const out: ManagerFacts[] = [];
  for (const id of ids) {
    const person = byId.get(id);
    if (person?.active && !seen.has(id)) {
      seen.add(id);
      out.push(person);
    }
  }
  return out;
}

function poolPeople(input: RoutingInput, pool: RoutingRuleConfig['pool']): ManagerFacts[] {
  return peopleById(input, 'users' in pool ? pool.users : input.departmentMembers(pool.department));
}

interface Choice {
  userId: number;
  load: number;
  tiedCount: number;
  roundRobin: RoundRobinState;
}

/** Lowest load among present people; ties go round-robin by user id after the one chosen last time. */
function choose(present: RoutingCandidate[], poolKey: string, state: RoundRobinState): Choice {
  const minLoad = Math.min(...present.map((c) => c.load));
  const tied = present.filter((c) => c.load === minLoad).sort((a, b) => a.id - b.id);
  const last = state[poolKey];
  const next = (last === undefined ? undefined : tied.find((c) => c.id > last)) ?? tied[0];
  if (!next) throw new Error('choose() needs at least one present candidate');
  return { userId: next.id, load: next.load, tiedCount: tied.length, roundRobin: { ...state, [poolKey]: next.id } };
}

// ---- reasons (they end up in the CRM timeline, so they speak the portal's language) ----

type Locale = 'ru' | 'en';

function describeMatched(matched: MatchedConditions, locale: Locale): string {
  const ru = locale === 'ru';
  const parts: string[] = [];
  if (matched.requestType) parts.push(`${ru ? 'тип обращения' : 'request type'}: ${matched.requestType}`);
  if (matched.direction) parts.push(`${ru ? 'направление' : 'direction'}: ${matched.direction}`);
  if (matched.source) parts.push(`${ru ? 'источник' : 'source'}: ${matched.source}`);
  if (matched.region) parts.push(`${ru ? 'регион' : 'region'}: ${matched.region}`);
  if (matched.keywords) parts.push(`${ru ? 'ключевые слова' : 'keywords'}: ${matched.keywords.join(', ')}`);
  return parts.length > 0 ? ` (${parts.join('; ')})` : '';
}

function ruleLabel(ruleName: string, matched: MatchedConditions, locale: Locale): string {
  if (ruleName === HR_DEPARTMENT_POOL) {
    return locale === 'ru' ? 'HR-запрос, отдел кадров' : 'HR request, HR department';
  }
  return locale === 'ru'
    ? `Правило «${ruleName}»${describeMatched(matched, locale)}`
    : `Rule "${ruleName}"${describeMatched(matched, locale)}`;
}

function assignReason(ruleName: string, matched: MatchedConditions, choice: Choice, poolSize: number, locale: Locale): string {
  const label = ruleLabel(ruleName, matched, locale);
  if (locale === 'ru') {
    const tie = choice.tiedCount > 1 ? ` (по очереди среди ${choice.tiedCount} с равной нагрузкой)` : '';
    return `${label}: назначен сотрудник #${choice.userId} — на месте, наименьшая нагрузка ${choice.load} `
      + `среди ${poolSize} в пуле${tie}.`;
  }
  const tie = choice.tiedCount > 1 ? ` (round-robin among ${choice.tiedCount} with equal load)` : '';
  return `${label}: assigned to user #${choice.userId} — at work, lowest load ${choice.load} `
    + `of ${poolSize} in the pool${tie}.`;
}

// ---- the decision ----

/**
 * Decides who gets a new lead. Rules are tried in order; the first whose conditions all hold picks the pool.
 * Only active people at work are chosen, lowest weighted load first, ties round-robin. HR requests go only to
 * HR staff (a matching rule's HR members, else the HR department), sales leads never to HR staff. Anything
 * that cannot be placed goes to the account manager with a ranked list of candidates.
 */
export function routeLead(input: RoutingInput): RoutingDecision {
  const { lead, rules } = input;
  const locale: Locale = input.locale ?? 'ru';
  const weights = rules.loadWeights;
  const hr = isHrRequest(lead, rules.hrRequestTypes);
  const ru = locale === 'ru';

  const assign = (ruleName: string, matched: MatchedConditions, pool: ManagerFacts[], poolKey: string): RoutingDecision | null => {
    const candidates = toCandidates(pool, weights);
    const present = candidates.filter((c) => c.present);
    if (present.length === 0) return null;
    const choice = choose(present, poolKey, input.roundRobin);
    return {
      kind: 'assign', userId: choice.userId, ruleName, candidates, matched,
      reason: assignReason(ruleName, matched, choice, pool.length, locale), roundRobin: choice.roundRobin,
    };
  };
  const manual = (reason: string, candidates: ManagerFacts[], ruleName?: string): RoutingDecision => ({
    kind: 'manual', to: input.accountManager, hr, candidates: toCandidates(candidates, weights), reason,
    roundRobin: input.roundRobin, ...(ruleName !== undefined ? { ruleName } : {}),
  });

  let hrRuleWithoutPresent: string | undefined;
  for (const rule of rules.rules) {
    const matched = matchRule(rule.when, lead);
    if (!matched) continue;
    // HR and sales never share people: a rule whose pool has none of the lead's kind is not its pool.
    const pool = poolPeople(input, rule.pool).filter((m) => m.isHr === hr);
    if (pool.length === 0) continue;
    const decision = assign(rule.name, matched, pool, `rule:${rule.name}`);
    if (decision) return decision;
    if (hr) {
      hrRuleWithoutPresent ??= rule.name;
      break;
    }
    return manual(ru
      ? `${ruleLabel(rule.name, matched, locale)}: никого из пула нет на месте; передано аккаунт-менеджеру для ручного назначения.`
      : `${ruleLabel(rule.name, matched, locale)}: nobody from the pool is at work; sent to the account manager to assign by hand.`,
    // The pool's own people are all away, so offer every sales person, those at work first.
    input.managers.filter((m) => m.active && !m.isHr), rule.name);
  }

  if (hr) {
    const department = rules.hrDepartment;
    const departmentPool = department === undefined ? [] : peopleById(input, input.departmentMembers(department));
    if (department !== undefined) {
      const decision = assign(HR_DEPARTMENT_POOL, { requestType: lead.requestType?.trim() ?? '' }, departmentPool,
        `${HR_DEPARTMENT_POOL}:${department}`);
      if (decision) return decision;
    }
    const hrPeople = peopleById(input, [...departmentPool.map((m) => m.id), ...input.managers.filter((m) => m.isHr).map((m) => m.id)]);
    const why = hrRuleWithoutPresent !== undefined
      ? (ru ? `HR-запрос: по правилу «${hrRuleWithoutPresent}» никого нет на месте` : `HR request: nobody from rule "${hrRuleWithoutPresent}" is at work`)
      : (ru ? 'HR-запрос: ни одно правило с сотрудниками отдела кадров не подошло' : 'HR request: no rule with HR staff matched');
    const tail = department === undefined
      ? (ru ? ', отдел кадров не задан' : ', no HR department is configured')
      : (ru ? ', в отделе кадров никого нет на месте' : ', nobody in the HR department is at work');
    return manual(ru
      ? `${why}${tail}; передано аккаунт-менеджеру — назначить только сотруднику отдела кадров.`
      : `${why}${tail}; sent to the account manager — assign to HR staff only.`,
    hrPeople, hrRuleWithoutPresent);
  }

  return manual(ru
    ? 'Ни одно правило распределения не подошло; передано аккаунт-менеджеру для ручного назначения.'
    : 'No routing rule matched; sent to the account manager to assign by hand.',
  input.managers.filter((m) => m.active && !m.isHr));
}
