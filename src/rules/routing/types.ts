import type { RulesFile } from '../../config/rules-schema.js';

/** What routing needs to know about a new lead (built by the lead scan from crm.lead.get). */
export interface LeadFacts {
  id: number;
  title: string;
  comments: string;
  /** SOURCE_ID, e.g. "WEB", "CALL", "UC_ABC123". */
  sourceId: string | null;
  /** Values of the user fields named in `fields.direction` / `fields.requestType` / `fields.region`. */
  direction?: string | null;
  requestType?: string | null;
  region?: string | null;
  /** Address city, used where no region field is filled. */
  city?: string | null;
}

/** A Bitrix24 user as routing sees them right now. */
export interface ManagerFacts {
  id: number;
  /** The account is enabled (not fired or blocked). */
  active: boolean;
  departmentIds: number[];
  /** At work now: not absent, work day open (when timeman is used). */
  present: boolean;
  /** HR staff: the only people who receive HR requests, and never offered sales leads. */
  isHr: boolean;
  openLeads: number;
  openDeals: number;
}

/**
 * Round-robin memory, per pool key: the user id chosen last time. Storing the id (not an index) keeps the
 * rotation fair when people join or leave the pool.
 */
export type RoundRobinState = Record<string, number>;

export type RoutingConfig = RulesFile['routing'];

export interface RoutingInput {
  lead: LeadFacts;
  rules: RoutingConfig;
  accountManager: number;
  managers: ManagerFacts[];
  /** Members of a department including its sub-departments. */
  departmentMembers: (departmentId: number) => number[];
  roundRobin: RoundRobinState;
  /** Language of `reason` (it goes to the CRM timeline); Russian unless the portal speaks English. */
  locale?: 'ru' | 'en';
}

export interface RoutingCandidate {
  id: number;
  load: number;
  present: boolean;
}

/** Which conditions of the winning rule matched, with the lead's values (for the audit comment). */
export interface MatchedConditions {
  direction?: string;
  requestType?: string;
  source?: string;
  region?: string;
  keywords?: string[];
}

export type RoutingDecision =
  | {
    kind: 'assign';
    userId: number;
    /** The rule that chose the pool; the HR fallback pool is named "hr-department". */
    ruleName: string;
    candidates: RoutingCandidate[];
    matched: MatchedConditions;
    reason: string;
    /** Persist this for the next lead (it is the input state plus this pool's new position). */
    roundRobin: RoundRobinState;
  }
  | {
    kind: 'manual';
    to: number;
    /** An HR request: the account manager must hand it to HR staff only. */
    hr: boolean;
    /** The rule whose pool was empty of present people, if any rule matched. */
    ruleName?: string;
    /** Present first, then by load: the people to offer as buttons. */
    candidates: RoutingCandidate[];
    reason: string;
    roundRobin: RoundRobinState;
  };
