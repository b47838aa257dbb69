export { HR_DEPARTMENT_POOL, isHrRequest, matchRule, routeLead } from './route-lead.js';
export type {
  LeadFacts, ManagerFacts, MatchedConditions, RoundRobinState, RoutingCandidate, RoutingConfig, RoutingDecision,
  RoutingInput,
} from './types.js';
