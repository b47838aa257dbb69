export type {
  LeadFacts, ManagerFacts, RoundRobinState, RoutingConfig, RoutingInput, RoutingCandidate, MatchedConditions,
  RoutingDecision,
} from './types.js';
export { routeLead, matchRule, isHrRequest, HR_DEPARTMENT_POOL } from './route-lead.js';
