import type { Locale } from '../../i18n/index.js';

/** Every user-facing text of the deals capability; both languages are checked against this shape. */
export interface DealsTexts {
  deal: string;
  stage: string;
  manager: string;
  amount: string;
  daysInStage(days: number): string;
  stuckTitle(days: number, threshold: number): string;
  escalationTitle(level: number, manager: string, days: number): string;
  paymentTitle: string;
  paymentBody(remaining: string, paid: string): string;
  unpaidResultsTitle: string;
  unpaidResultsTask(title: string): string;
  unpaidResultsTaskBody(remaining: string): string;
  approvalTitle(round: number): string;
  approvalSentTitle(round: number): string;
  client: string;
  products: string;
  noProducts: string;
  conditions: string;
  noConditions: string;
  approvedBy(who: string, when: string): string;
  approvedManager(who: string, round: number): string;
  approvedButFields(fields: string): string;
  declinedBy(who: string, when: string, comment: string): string;
  declinedManager(who: string, round: number, comment: string): string;
  askDeclineComment: string;
  declineCommentSaved: string;
  commentEmpty: string;
  timelineSent(round: number, who: string): string;
  timelineApproved(round: number, who: string): string;
  timelineDeclined(round: number, who: string, comment: string): string;
  timelineRejected(status: string, reason: string, who: string): string;
  timelineMoved(from: string, to: string, who: string): string;
  btnSnooze(days: number): string;
  btnReject: string;
  btnClientRefuses: string;
  btnPaid: string;
  btnExpect(date: string): string;
  btnOpen: string;
  btnCard: string;
  btnSendApproval: string;
  btnApprove: string;
  btnDecline: string;
  chooseStatus: string;
  chooseReason(status: string): string;
  rejectedOutcome(who: string, when: string, status: string, reason: string): string;
  movedOutcome(who: string, when: string, stage: string): string;
  paidOutcome(who: string, when: string, stage: string): string;
  snoozedOutcome(until: string): string;
  expectOutcome(date: string): string;
  askField(field: string): string;
  askFieldText(field: string, format: string): string;
  formatDate: string;
  formatNumber: string;
  formatText: string;
  invalidValue(format: string): string;
  fieldSaved(field: string): string;
  staleRefreshed: string;
  notAllowedMove: string;
  /** A forward move out of the contract approval stage pressed before the contract was approved. */
  approvalRequired: string;
  done: string;
  alreadyDone: string;
  cardTitle: string;
  closed: string;
}

const ru: DealsTexts = {
  deal: 'Сделка',
  stage: 'Стадия',
  manager: 'Менеджер',
  amount: 'Сумма',
  daysInStage: (d) => `Дней в стадии: ${d}`,
  stuckTitle: (d, t) => `⏳ **Сделка стоит на месте** ${d} дн. (порог ${t})`,
  escalationTitle: (level, manager, d) => `🚨 **Эскалация, уровень ${level}**: сделка менеджера ${manager} стоит ${d} дн.`,
  paymentTitle: '💰 **Позвоните клиенту по оплате**',
  paymentBody: (remaining, paid) => `Осталось оплатить: **${remaining}** (оплачено ${paid})`,
  unpaidResultsTitle: '📄 **Результаты отправлены, но сделка оплачена не полностью**',
  unpaidResultsTask: (title) => `Добиться оплаты: ${title}`,
  unpaidResultsTaskBody: (remaining) => `Результаты отправлены клиенту, остаток к оплате: ${remaining}.`,
  approvalTitle: (round) => `📝 **Согласование договора** (раунд ${round})`,
  approvalSentTitle: (round) => `📤 Договор отправлен на согласование (раунд ${round})`,
  client: 'Клиент',
  products: 'Товары',
  noProducts: 'нет товаров',
  conditions: 'Нестандартные условия',
  noConditions: 'нет',
  approvedBy: (who, when) => `✅ Согласовал ${who}, ${when}`,
  approvedManager: (who, round) => `✅ ${who} согласовал(а) договор (раунд ${round}).`,
  approvedButFields: (fields) => `Чтобы перевести сделку дальше, заполните: ${fields}`,
  declinedBy: (who, when, comment) => `❌ Отклонил ${who}, ${when}\nКомментарий: ${comment}`,
  declinedManager: (who, round, comment) => `❌ ${who} вернул(а) договор на доработку (раунд ${round}).\nКомментарий: ${comment}\nПосле доработки отправьте снова.`,
  askDeclineComment: '✍️ Напишите комментарий для менеджера ответным сообщением.',
  declineCommentSaved: 'Комментарий передан менеджеру, сделка возвращена на доработку.',
  commentEmpty: 'Комментарий не может быть пустым. Напишите его текстом.',
  timelineSent: (round, who) => `DealPilot: договор отправлен на согласование, раунд ${round} (${who}).`,
  timelineApproved: (round, who) => `DealPilot: договор согласован, раунд ${round} (${who}).`,
  timelineDeclined: (round, who, comment) => `DealPilot: договор отклонён, раунд ${round} (${who}). Комментарий: ${comment}`,
  timelineRejected: (status, reason, who) => `DealPilot: сделка закрыта как проигранная (${who}). Статус: ${status}. Причина: ${reason}.`,
  timelineMoved: (from, to, who) => `DealPilot: стадия «${from}» → «${to}» (${who}).`,
  btnSnooze: (d) => `⏰ Отложить на ${d} дн.`,
  btnReject: '❌ Отказ',
  btnClientRefuses: '❌ Клиент отказывается',
  btnPaid: '✅ Оплачено',
  btnExpect: (date) => `📅 Ожидается ${date}`,
  btnOpen: '🔗 Открыть в Битрикс24',
  btnCard: '📋 Открыть карточку',
  btnSendApproval: '📤 Отправить на согласование',
  btnApprove: '✅ Согласовать',
  btnDecline: '❌ Отклонить',
  chooseStatus: 'Выберите статус отказа:',
  chooseReason: (status) => `Статус: ${status}. Выберите причину:`,
  rejectedOutcome: (who, when, status, reason) => `❌ Закрыта как проигранная: ${status} / ${reason} — ${who}, ${when}`,
  movedOutcome: (who, when, stage) => `➡️ Переведена в «${stage}» — ${who}, ${when}`,
  paidOutcome: (who, when, stage) => `✅ Оплачено, переведена в «${stage}» — ${who}, ${when}`,
  snoozedOutcome: (until) => `⏰ Напомню после ${until}`,
  expectOutcome: (date) => `📅 Оплата ожидается ${date}, напомню после этой даты`,
  askField: (field) => `Перед переводом заполните поле «${field}»:`,
  askFieldText: (field, format) => `Перед переводом заполните поле «${field}». Ответьте сообщением (${format}).`,
  formatDate: 'дата ДД.ММ.ГГГГ',
  formatNumber: 'число',
  formatText: 'текст',
  invalidValue: (format) => `Не похоже на правильное значение. Нужно: ${format}.`,
  fieldSaved: (field) => `Поле «${field}» сохранено.`,
  staleRefreshed: 'Сделка изменилась, показываю актуальное состояние.',
  notAllowedMove: 'Этот переход не разрешён.',
  approvalRequired: 'Дальше сделка идёт только после согласования договора руководителем. Отправьте договор на согласование.',
  done: 'Готово',
  alreadyDone: 'Уже сделано.',
  cardTitle: '📌 **Сделка сейчас**',
  closed: 'закрыта',
};

const en: DealsTexts = {
  deal: 'Deal',
  stage: 'Stage',
  manager: 'Manager',
  amount: 'Amount',
  daysInStage: (d) => `Days in stage: ${d}`,
  stuckTitle: (d, t) => `⏳ **Deal is stuck** for ${d} days (threshold ${t})`,
  escalationTitle: (level, manager, d) => `🚨 **Escalation, level ${level}**: ${manager}'s deal has not moved for ${d} days`,
  paymentTitle: '💰 **Call the client about the payment**',
  paymentBody: (remaining, paid) => `Remaining: **${remaining}** (paid ${paid})`,
  unpaidResultsTitle: '📄 **Results were sent but the deal is not fully paid**',
  unpaidResultsTask: (title) => `Chase the payment: ${title}`,
  unpaidResultsTaskBody: (remaining) => `Results were sent to the client; remaining to pay: ${remaining}.`,
  approvalTitle: (round) => `📝 **Contract approval** (round ${round})`,
  approvalSentTitle: (round) => `📤 Contract sent for approval (round ${round})`,
  client: 'Client',
  products: 'Products',
  noProducts: 'no products',
  conditions: 'Non-standard conditions',
  noConditions: 'none',
  approvedBy: (who, when) => `✅ Approved by ${who}, ${when}`,
  approvedManager: (who, round) => `✅ ${who} approved the contract (round ${round}).`,
  approvedButFields: (fields) => `To move the deal on, fill in: ${fields}`,
  declinedBy: (who, when, comment) => `❌ Declined by ${who}, ${when}\nComment: ${comment}`,
  declinedManager: (who, round, comment) => `❌ ${who} sent the contract back for rework (round ${round}).\nComment: ${comment}\nSend it again after the rework.`,
  askDeclineComment: '✍️ Reply with a comment for the manager.',
  declineCommentSaved: 'The comment went to the manager; the deal is back in rework.',
  commentEmpty: 'The comment cannot be empty. Please type it.',
  timelineSent: (round, who) => `DealPilot: contract sent for approval, round ${round} (${who}).`,
  timelineApproved: (round, who) => `DealPilot: contract approved, round ${round} (${who}).`,
  timelineDeclined: (round, who, comment) => `DealPilot: contract declined, round ${round} (${who}). Comment: ${comment}`,
  timelineRejected: (status, reason, who) => `DealPilot: deal closed as lost (${who}). Status: ${status}. Reason: ${reason}.`,
  timelineMoved: (from, to, who) => `DealPilot: stage "${from}" → "${to}" (${who}).`,
  btnSnooze: (d) => `⏰ Snooze ${d} d`,
  btnReject: '❌ Reject',
  btnClientRefuses: '❌ Client refuses',
  btnPaid: '✅ Paid',
  btnExpect: (date) => `📅 Expected on ${date}`,
  btnOpen: '🔗 Open in Bitrix24',
  btnCard: '📋 Open card',
  btnSendApproval: '📤 Send for approval',
  btnApprove: '✅ Approve',
  btnDecline: '❌ Decline',
  chooseStatus: 'Choose the rejection status:',
  chooseReason: (status) => `Status: ${status}. Choose the reason:`,
  rejectedOutcome: (who, when, status, reason) => `❌ Closed as lost: ${status} / ${reason} — ${who}, ${when}`,
  movedOutcome: (who, when, stage) => `➡️ Moved to "${stage}" — ${who}, ${when}`,
  paidOutcome: (who, when, stage) => `✅ Paid, moved to "${stage}" — ${who}, ${when}`,
  snoozedOutcome: (until) => `⏰ I will remind you after ${until}`,
  expectOutcome: (date) => `📅 Payment expected on ${date}; I will remind you after that`,
  askField: (field) => `Before the move, fill in "${field}":`,
  askFieldText: (field, format) => `Before the move, fill in "${field}". Reply with a message (${format}).`,
  formatDate: 'a date DD.MM.YYYY',
  formatNumber: 'a number',
  formatText: 'text',
  invalidValue: (format) => `That does not look right. Expected: ${format}.`,
  fieldSaved: (field) => `"${field}" saved.`,
  staleRefreshed: 'The deal has changed; showing its current state.',
  notAllowedMove: 'This transition is not allowed.',
  approvalRequired: 'The deal moves on only once the supervisor approves the contract. Send the contract for approval.',
  done: 'Done',
  alreadyDone: 'Already done.',
  cardTitle: '📌 **The deal now**',
  closed: 'closed',
};

export const dealsTexts: Record<Locale, DealsTexts> = { ru, en };
