import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isHrRequest, matchRule, routeLead } from '../../../src/rules/routing/route-lead.js';
import type { LeadFacts, ManagerFacts, RoutingConfig, RoutingInput } from '../../../src/rules/routing/types.js';

const ACCOUNT_MANAGER = 100;

// Staff of the example portal. Loads use weights leads 1, deals 0.5.
//   id  who              dept  present  load
//   1   Anna   sales      10    yes      3 + 2*0.5 = 4
//   2   Boris  sales      10    yes      1 + 4*0.5 = 3
//   3   Vera   sales      20    yes      5
//   4   Gleb   sales      20    NO       0   (lowest load, but away: must never be chosen)
//   5   Dasha  equipment  30    yes      2 + 2*0.5 = 3
//   6   Egor   equipment  30    NO       0
//   7   Zhanna HR         90    yes      6   (busier than Boris, so a leak to sales would show)
//   8   Ivan   HR         90    NO       0
//   9   Kirill fired      10    yes      0   (inactive: must never be chosen)
//   11  Lena   market     40    yes      4 + 2*0.5 = 5
//   12  Max    market     40    yes      5   (ties with Lena)
const staff: ManagerFacts[] = [
  { id: 1, active: true, departmentIds: [10], present: true, isHr: false, openLeads: 3, openDeals: 2 },
  { id: 2, active: true, departmentIds: [10], present: true, isHr: false, openLeads: 1, openDeals: 4 },
  { id: 3, active: true, departmentIds: [20], present: true, isHr: false, openLeads: 5, openDeals: 0 },
  { id: 4, active: true, departmentIds: [20], present: false, isHr: false, openLeads: 0, openDeals: 0 },
  { id: 5, active: true, departmentIds: [30], present: true, isHr: false, openLeads: 2, openDeals: 2 },
  { id: 6, active: true, departmentIds: [30], present: false, isHr: false, openLeads: 0, openDeals: 0 },
  { id: 7, active: true, departmentIds: [90], present: true, isHr: true, openLeads: 6, openDeals: 0 },
  { id: 8, active: true, departmentIds: [90], present: false, isHr: true, openLeads: 0, openDeals: 0 },
  { id: 9, active: false, departmentIds: [10], present: true, isHr: false, openLeads: 0, openDeals: 0 },
  { id: 11, active: true, departmentIds: [40], present: true, isHr: false, openLeads: 4, openDeals: 2 },
  { id: 12, active: true, departmentIds: [40], present: true, isHr: false, openLeads: 4, openDeals: 2 },
];

const departments: Record<number, number[]> = { 10: [1, 2, 9], 20: [3, 4], 30: [5, 6], 40: [11, 12], 90: [7, 8] };

const routing: RoutingConfig = {
  rules: [
    { name: 'Трансформаторы', when: { keywords: ['трансформатор', 'подстанция', 'transformer', 'кабел*'] }, pool: { department: 30 } },
    { name: 'Маркетплейс', when: { source: ['UC_MARKET', 'OZON'] }, pool: { users: [11, 12] } },
    { name: 'Москва', when: { region: ['Москва', 'Московская область'] }, pool: { department: 10 } },
    { name: 'Опт-регионы', when: { direction: ['Опт'], region: ['Казань', 'Екатеринбург', 'Орёл'] }, pool: { users: [3, 4] } },
    { name: 'Кадры', when: { requestType: ['hr', 'Кадры'], keywords: ['резюме', 'вакансия'] }, pool: { users: [7, 2] } },
    { name: 'Сервис', when: { direction: ['Сервис'] }, pool: { users: [4, 6] } },
    { name: 'Звонки', when: { source: ['CALL'] }, pool: { users: [1, 2, 3] } },
  ],
  hrRequestTypes: ['hr', 'Кадры'],
  hrDepartment: 90,
  useTimeman: true,
  loadWeights: { leads: 1, deals: 0.5 },
};

function input(lead: Partial<LeadFacts>, overrides: Partial<RoutingInput> = {}): RoutingInput {
  return {
    lead: { id: 1, title: '', comments: '', sourceId: null, ...lead },
    rules: routing,
    accountManager: ACCOUNT_MANAGER,
    managers: staff,
    departmentMembers: (id) => departments[id] ?? [],
    roundRobin: {},
    ...overrides,
  };
}

// Expected outcome, worked out by hand from the table above:
//   "5 Трансформаторы" = assign to user 5 by that rule; "manual" = to the account manager, no rule;
//   "manual Сервис" = rule matched but nobody present; "manual-hr" = HR lead nobody could take.
type Row = [title: string, comments: string, extra: Partial<LeadFacts>, expected: string];
const table: Row[] = [
  // Keywords in different word forms, title or comments (rule 1 → dept 30: Dasha present, Egor away).
  ['Нужен трансформатор', '', {}, '5 Трансформаторы'],
  ['Ремонт трансформатора ТМ-1000', '', {}, '5 Трансформаторы'],
  ['Поставка трансформаторов', '', {}, '5 Трансформаторы'],
  ['Интересуемся трансформаторами', '', {}, '5 Трансформаторы'],
  ['ТРАНСФОРМАТОР 630 кВА', '', {}, '5 Трансформаторы'],
  ['Запрос с сайта', 'Добрый день, нужен трансформатор на 1000 кВА', {}, '5 Трансформаторы'],
  ['Комплектная подстанция', '', {}, '5 Трансформаторы'],
  ['Проект подстанции', '', {}, '5 Трансформаторы'],
  ['Строим подстанцию', '', {}, '5 Трансформаторы'],
  ['Подстанциями занимаетесь?', '', {}, '5 Трансформаторы'],
  ['Transformers for a wind farm', '', {}, '5 Трансформаторы'],
  ['transformer quote', '', {}, '5 Трансформаторы'],
  ['Кабельная продукция', '', {}, '5 Трансформаторы'],
  ['Кабель ВВГ 3х2,5', '', {}, '5 Трансформаторы'],
  ['Нужно 100 м кабеля', '', {}, '5 Трансформаторы'],
  ['Трансформатор', '', { region: 'Москва' }, '5 Трансформаторы'],
  ['Трансформатор', '', { sourceId: 'OZON' }, '5 Трансформаторы'],
  ['Трансформатор', '', { direction: 'Сервис' }, '5 Трансформаторы'],
  ['Трансформатор', '', { sourceId: 'CALL' }, '5 Трансформаторы'],
  // Not the same word: an adjective and a compound.
  ['Трансформаторное масло', '', {}, 'manual'],
  ['Автотрансформатор', '', {}, 'manual'],
  ['Трансформаторное масло', '', { region: 'Москва' }, '2 Москва'],
  // Channel rule (Lena and Max tie at 5: with no round-robin history the lower id goes first).
  ['Заказ', '', { sourceId: 'OZON' }, '11 Маркетплейс'],
  ['Заказ', '', { sourceId: 'uc_market' }, '11 Маркетплейс'],
  ['Заказ', '', { sourceId: 'UC_MARKET', region: 'Москва' }, '11 Маркетплейс'],
  ['Заказ', '', { sourceId: 'WB' }, 'manual'],
  // Region rule, by region field or city (dept 10: Anna 4, Boris 3, Kirill fired).
  ['Заявка', '', { region: 'Москва' }, '2 Москва'],
  ['Заявка', '', { region: 'МОСКВА' }, '2 Москва'],
  ['Заявка', '', { region: '  москва ' }, '2 Москва'],
  ['Заявка', '', { region: 'Московская область' }, '2 Москва'],
  ['Заявка', '', { region: 'московская  область' }, '2 Москва'],
  ['Заявка', '', { city: 'Москва' }, '2 Москва'],
  ['Заявка', '', { region: null, city: 'москва' }, '2 Москва'],
  ['Заявка', '', { region: 'Тверь', city: 'Москва' }, '2 Москва'],
  ['Заявка', '', { region: 'Санкт-Петербург' }, 'manual'],
  ['Заявка', '', { city: 'Подольск' }, 'manual'],
  // Two conditions must both hold (Vera present 5, Gleb away 0).
  ['Опт', '', { direction: 'Опт', region: 'Казань' }, '3 Опт-регионы'],
  ['Опт', '', { direction: 'опт', city: 'Екатеринбург' }, '3 Опт-регионы'],
  ['Опт', '', { direction: 'Опт', region: 'Орел' }, '3 Опт-регионы'],
  ['Опт', '', { direction: 'Опт', region: 'Орёл' }, '3 Опт-регионы'],
  ['Опт', '', { direction: 'Опт', region: 'Казань', sourceId: 'CALL' }, '3 Опт-регионы'],
  ['Опт', '', { direction: 'Розница', region: 'Казань' }, 'manual'],
  ['Опт', '', { direction: 'Опт', region: 'Самара' }, 'manual'],
  ['Опт', '', { direction: 'Опт' }, 'manual'],
  ['Опт', '', { region: 'Казань' }, 'manual'],
  ['Опт', '', { direction: 'Розница', region: 'Казань', sourceId: 'CALL' }, '2 Звонки'],
  // A rule whose people are all away: manual, naming the rule.
  ['Ремонт', '', { direction: 'Сервис' }, 'manual Сервис'],
  ['Ремонт', '', { direction: 'СЕРВИС', sourceId: 'CALL' }, 'manual Сервис'],
  // Calls (Anna 4, Boris 3, Vera 5).
  ['Звонок', '', { sourceId: 'CALL' }, '2 Звонки'],
  ['Звонок', '', { sourceId: 'call' }, '2 Звонки'],
  // Nothing matches.
  ['Просто вопрос', '', {}, 'manual'],
  ['', '', {}, 'manual'],
  ['Ищу работу', 'Прошу рассмотреть моё резюме', {}, 'manual'],
  ['Вакансия менеджера', '', { requestType: 'Продажа' }, 'manual'],
  // HR requests: only Zhanna (HR, present) ever; never Boris, though he is in the "Кадры" pool and less busy.
  ['Отклик на вакансию', '', { requestType: 'hr' }, '7 Кадры'],
  ['Вакансии', '', { requestType: 'HR' }, '7 Кадры'],
  ['Вакансия инженера', '', { requestType: 'Кадры' }, '7 Кадры'],
  ['Резюме', '', { requestType: 'кадры' }, '7 Кадры'],
  ['Здравствуйте', 'Высылаю резюме на вакансию', { requestType: 'hr' }, '7 Кадры'],
  ['Резюме', '', { requestType: 'hr', sourceId: 'CALL' }, '7 Кадры'],
  // HR requests no HR rule takes go to the HR department, never to the sales pools that match.
  ['Справка 2-НДФЛ', '', { requestType: 'hr' }, '7 hr-department'],
  ['Трансформатор', 'хочу у вас работать', { requestType: 'hr' }, '7 hr-department'],
  ['Звонок', '', { requestType: 'hr', sourceId: 'CALL' }, '7 hr-department'],
  ['Стажировка', '', { requestType: 'Кадры', region: 'Москва' }, '7 hr-department'],
  ['Заказ', '', { requestType: 'hr', sourceId: 'OZON' }, '7 hr-department'],
  ['Ремонт', '', { requestType: 'hr', direction: 'Сервис' }, '7 hr-department'],
];

function summarize(decision: ReturnType<typeof routeLead>): string {
  if (decision.kind === 'assign') return `${decision.userId} ${decision.ruleName}`;
  if (decision.hr) return 'manual-hr';
  return decision.ruleName ? `manual ${decision.ruleName}` : 'manual';
}

describe('routeLead: expectation table', () => {
  it('has at least 60 hand-written rows', () => {
    expect(table.length).toBeGreaterThanOrEqual(60);
  });

  it.each(table.map((row, i) => [i + 1, ...row] as const))('#%i %s | %s | %o → %s', (_n, title, comments, extra, expected) => {
    const decision = routeLead(input({ title, comments, ...extra }));
    expect(summarize(decision)).toBe(expected);
    if (decision.kind === 'manual') expect(decision.to).toBe(ACCOUNT_MANAGER);
  });
});

describe('routeLead: presence and HR', () => {
  const nobodyPresent = staff.map((m) => ({ ...m, present: false }));

  it('never chooses an absent or inactive person, whatever the loads', () => {
    const manager = fc.record({
      present: fc.boolean(), active: fc.boolean(), isHr: fc.boolean(),
      openLeads: fc.nat(20), openDeals: fc.nat(20),
    });
    fc.assert(fc.property(fc.array(manager, { minLength: 1, maxLength: 12 }), fc.constantFrom('CALL', 'OZON', null),
      fc.boolean(), (people, sourceId, hrLead) => {
        const managers = people.map((p, i) => ({ ...p, id: i + 1, departmentIds: [1] }));
        const ids = managers.map((m) => m.id);
        const rules: RoutingConfig = {
          ...routing, hrDepartment: 1,
          rules: [{ name: 'all', when: {}, pool: { users: ids } }],
        };
        const decision = routeLead(input({ sourceId, requestType: hrLead ? 'hr' : null },
          { managers, rules, departmentMembers: () => ids }));
        if (decision.kind === 'assign') {
          const chosen = managers.find((m) => m.id === decision.userId);
          expect(chosen?.present).toBe(true);
          expect(chosen?.active).toBe(true);
          if (hrLead) expect(decision.ruleName === 'hr-department' || chosen?.isHr).toBe(true);
          else expect(chosen?.isHr).toBe(false);
          const lowest = Math.min(...decision.candidates.filter((c) => c.present).map((c) => c.load));
          expect(decision.candidates.find((c) => c.id === decision.userId)?.load).toBe(lowest);
        } else {
          expect(decision.to).toBe(ACCOUNT_MANAGER);
        }
      }));
  });

  it('sends a lead to the account manager when the whole portal is away, ranking candidates by load', () => {
    const decision = routeLead(input({ title: 'Трансформатор' }, { managers: nobodyPresent }));
    expect(decision.kind).toBe('manual');
    if (decision.kind !== 'manual') return;
    expect(decision.to).toBe(ACCOUNT_MANAGER);
    expect(decision.ruleName).toBe('Трансформаторы');
    expect(decision.hr).toBe(false);
    // Active sales people only (no HR, not the fired Kirill), lightest first, ties by id.
    expect(decision.candidates).toEqual([
      { id: 4, load: 0, present: false },
      { id: 6, load: 0, present: false },
      { id: 2, load: 3, present: false },
      { id: 5, load: 3, present: false },
      { id: 1, load: 4, present: false },
      { id: 3, load: 5, present: false },
      { id: 11, load: 5, present: false },
      { id: 12, load: 5, present: false },
    ]);
  });

  it('ranks present candidates before absent ones for manual assignment', () => {
    const decision = routeLead(input({ title: 'Ничего не подходит' }));
    expect(decision.kind).toBe('manual');
    if (decision.kind !== 'manual') return;
    expect(decision.candidates.map((c) => c.id)).toEqual([2, 5, 1, 3, 11, 12, 4, 6]);
    expect(decision.reason).toBe('Ни одно правило распределения не подошло; передано аккаунт-менеджеру для ручного назначения.');
  });

  it('routes an HR lead to the account manager flagged hr when no HR person is at work, offering only HR staff', () => {
    const managers = staff.map((m) => (m.id === 7 ? { ...m, present: false } : m));
    const decision = routeLead(input({ title: 'Отклик на вакансию', requestType: 'hr' }, { managers }));
    expect(decision.kind).toBe('manual');
    if (decision.kind !== 'manual') return;
    expect(decision.hr).toBe(true);
    expect(decision.to).toBe(ACCOUNT_MANAGER);
    expect(decision.ruleName).toBe('Кадры');
    expect(decision.candidates.map((c) => c.id).sort()).toEqual([7, 8]);
  });

  it('uses HR staff from rules when no HR department is configured, else hands over flagged hr', () => {
    const withoutDepartment: RoutingConfig = { ...routing, hrDepartment: undefined };
    const viaRule = routeLead(input({ title: 'Резюме', requestType: 'hr' }, { rules: withoutDepartment }));
    expect(summarize(viaRule)).toBe('7 Кадры');
    const noRule = routeLead(input({ title: 'Справка', requestType: 'hr' }, { rules: withoutDepartment }));
    expect(summarize(noRule)).toBe('manual-hr');
    if (noRule.kind === 'manual') {
      expect(noRule.candidates.map((c) => c.id)).toEqual([7, 8]);
      expect(noRule.reason).toContain('отдел кадров не задан');
    }
  });

  it('recognises HR requests by the configured request types only', () => {
    expect(isHrRequest({ id: 1, title: '', comments: '', sourceId: null, requestType: ' КАДРЫ ' }, routing.hrRequestTypes)).toBe(true);
    expect(isHrRequest({ id: 1, title: 'резюме', comments: '', sourceId: null, requestType: 'Продажа' }, routing.hrRequestTypes)).toBe(false);
    expect(isHrRequest({ id: 1, title: '', comments: '', sourceId: null }, routing.hrRequestTypes)).toBe(false);
  });
});

describe('routeLead: reasons', () => {
  it('explains an assignment with the rule, the matched values and the load, in Russian by default', () => {
    const decision = routeLead(input({ title: 'Поставка трансформаторов', region: 'Москва' }));
    expect(decision.reason).toBe('Правило «Трансформаторы» (ключевые слова: трансформатор): назначен сотрудник #5 — '
      + 'на месте, наименьшая нагрузка 3 среди 2 в пуле.');
    if (decision.kind === 'assign') expect(decision.matched).toEqual({ keywords: ['трансформатор'] });
  });

  it('explains in English on request, mentioning a round-robin tie', () => {
    const decision = routeLead(input({ title: 'x', sourceId: 'OZON' }, { locale: 'en' }));
    expect(decision.reason).toBe('Rule "Маркетплейс" (source: OZON): assigned to user #11 — at work, lowest load 5 '
      + 'of 2 in the pool (round-robin among 2 with equal load).');
  });

  it('names the rule whose pool is away', () => {
    const decision = routeLead(input({ title: 'x', direction: 'Сервис' }, { locale: 'en' }));
    expect(decision.reason).toBe('Rule "Сервис" (direction: Сервис): nobody from the pool is at work; '
      + 'sent to the account manager to assign by hand.');
  });
});

describe('routeLead: round-robin and load balance', () => {
  const equalFive: ManagerFacts[] = [21, 22, 23, 24, 25].map((id) => ({
    id, active: true, departmentIds: [50], present: true, isHr: false, openLeads: 0, openDeals: 0,
  }));
  const pool: RoutingConfig = { ...routing, rules: [{ name: 'all', when: {}, pool: { department: 50 } }] };

  it('rotates through equally loaded people and continues from the stored state', () => {
    const first = routeLead(input({}, { managers: equalFive, rules: pool, departmentMembers: () => [21, 22, 23, 24, 25] }));
    expect(first.kind === 'assign' && first.userId).toBe(21);
    expect(first.roundRobin).toEqual({ 'rule:all': 21 });
    const next = routeLead(input({}, {
      managers: equalFive, rules: pool, departmentMembers: () => [21, 22, 23, 24, 25], roundRobin: { 'rule:all': 23, other: 7 },
    }));
    expect(next.kind === 'assign' && next.userId).toBe(24);
    expect(next.roundRobin).toEqual({ 'rule:all': 24, other: 7 });
    const wrap = routeLead(input({}, {
      managers: equalFive, rules: pool, departmentMembers: () => [21, 22, 23, 24, 25], roundRobin: { 'rule:all': 25 },
    }));
    expect(wrap.kind === 'assign' && wrap.userId).toBe(21);
  });

  it('spreads 100 leads over 5 equal managers within ±1 of each other', () => {
    let managers = equalFive;
    let roundRobin: Record<string, number> = {};
    const order: number[] = [];
    for (let i = 0; i < 100; i++) {
      const decision = routeLead(input({ id: i }, {
        managers, rules: pool, roundRobin, departmentMembers: () => [21, 22, 23, 24, 25],
      }));
      if (decision.kind !== 'assign') throw new Error(`lead ${i} was not assigned`);
      order.push(decision.userId);
      roundRobin = decision.roundRobin;
      managers = managers.map((m) => (m.id === decision.userId ? { ...m, openLeads: m.openLeads + 1 } : m));
    }
    const loads = managers.map((m) => m.openLeads);
    expect(Math.max(...loads) - Math.min(...loads)).toBeLessThanOrEqual(1);
    expect(loads.reduce((a, b) => a + b, 0)).toBe(100);
    expect(order.slice(0, 6)).toEqual([21, 22, 23, 24, 25, 21]);
  });

  it('stays within ±1 when loads start unequal and deals count half', () => {
    let managers = equalFive.map((m, i) => ({ ...m, openDeals: [0, 2, 4, 0, 2][i] ?? 0 }));
    let roundRobin: Record<string, number> = {};
    for (let i = 0; i < 100; i++) {
      const decision = routeLead(input({ id: i }, {
        managers, rules: pool, roundRobin, departmentMembers: () => [21, 22, 23, 24, 25],
      }));
      if (decision.kind !== 'assign') throw new Error('not assigned');
      roundRobin = decision.roundRobin;
      managers = managers.map((m) => (m.id === decision.userId ? { ...m, openLeads: m.openLeads + 1 } : m));
    }
    const loads = managers.map((m) => m.openLeads + 0.5 * m.openDeals);
    expect(Math.max(...loads) - Math.min(...loads)).toBeLessThanOrEqual(1);
  });
});

describe('matchRule', () => {
  const lead: LeadFacts = { id: 1, title: 'Кабель', comments: '', sourceId: 'WEB', direction: 'Опт', city: 'Казань' };

  it('reports every matched condition with the lead value', () => {
    expect(matchRule({ source: ['web'], direction: ['ОПТ'], region: ['казань'], keywords: ['кабель', 'провод'] }, lead))
      .toEqual({ source: 'WEB', direction: 'Опт', region: 'Казань', keywords: ['кабель'] });
  });

  it('treats an empty condition set as a catch-all and a missing lead value as a failed condition', () => {
    expect(matchRule({}, lead)).toEqual({});
    expect(matchRule({ requestType: ['hr'] }, lead)).toBeNull();
  });
});
