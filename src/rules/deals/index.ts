export { formatMoney, type ParsedMoney, parseMoneyField, roundMoney } from './money.js';
export { evaluatePaymentFollowUp, type PaymentFollowUp, type PaymentFollowUpInput } from './payment.js';
export { evaluateStuckDeal, type StuckDealInput, type StuckDecision } from './stuck.js';
export {
  allowedTransitions, approvalTarget, findStage, isFilled, isForwardMove, managerTransitions, type RulesWarning,
  requiredFieldsFor, transitionWarnings,
} from './transitions.js';
export { type DealFacts, stageStayKey } from './types.js';
