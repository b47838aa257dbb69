export { type DealFacts, stageStayKey } from './types.js';
export { type StuckDecision, type StuckDealInput, evaluateStuckDeal } from './stuck.js';
export { type PaymentFollowUp, type PaymentFollowUpInput, evaluatePaymentFollowUp } from './payment.js';
export { type ParsedMoney, parseMoneyField, roundMoney, formatMoney } from './money.js';
export {
  allowedTransitions, requiredFieldsFor, isFilled, findStage, isForwardMove, managerTransitions, approvalTarget,
  transitionWarnings, type RulesWarning,
} from './transitions.js';
