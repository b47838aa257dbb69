import type { Locale } from '../../i18n/index.js';

/** Every text the lead capability shows or writes; tsc checks both languages have the same keys. */
interface LeadTexts {
  assignedTitle: (id: number, title: string) => string;
  contact: string;
  source: string;
  comment: string;
  deadline: string;
  noValue: string;
  take: string;
  reject: string;
  reassign: string;
  open: string;
  manualTitle: (id: number, title: string) => string;
  manualHrHint: string;
  pickManager: string;
  candidateButton: (name: string, load: number, present: boolean) => string;
  taskTitle: (title: string) => string;
  taskDescription: (url: string) => string;
  auditAssigned: (name: string, reason: string) => string;
  auditManual: (name: string, reason: string) => string;
  auditByHand: (actor: string, name: string) => string;
  auditTaken: (actor: string) => string;
  auditRejected: (actor: string, status: string, reason: string) => string;
  takenOutcome: (id: number, title: string, actor: string) => string;
  rejectedOutcome: (id: number, title: string, status: string, reason: string) => string;
  assignedOutcome: (id: number, title: string, name: string) => string;
  alreadyHandled: (id: number, title: string) => string;
  pickRejectStatus: (id: number, title: string) => string;
  pickRejectReason: (id: number, title: string, status: string) => string;
  back: string;
  notAllowed: string;
  unknownManager: string;
  stuck: (id: number, title: string, manager: string, days: number, status: string) => string;
  stuckDigest: (id: number, title: string, days: number) => string;
  digestAssigned: (id: number, title: string) => string;
}

export const LEAD_TEXTS: Record<Locale, LeadTexts> = {
  ru: {
    assignedTitle: (id, title) => `🆕 **Новый лид #${id}**: ${title}`,
    contact: 'Контакт',
    source: 'Источник',
    comment: 'Комментарий',
    deadline: 'Взять в работу до',
    noValue: '—',
    take: '✅ Взять в работу',
    reject: '❌ Отказ',
    reassign: '🔁 Переназначить',
    open: '🔗 Открыть в Битрикс24',
    manualTitle: (id, title) => `📥 **Лид #${id} ждёт ручного назначения**: ${title}`,
    manualHrHint: 'Это HR-запрос: назначьте его только сотруднику отдела кадров.',
    pickManager: 'Выберите менеджера (сначала те, кто на месте; в скобках — нагрузка):',
    candidateButton: (name, load, present) => `${present ? '🟢' : '⚪'} ${name} (${load})`,
    taskTitle: (title) => `Обработать лид: ${title}`,
    taskDescription: (url) => `Новый лид назначен вам. Возьмите его в работу: ${url}`,
    auditAssigned: (name, reason) => `DealPilot: лид назначен на ${name}. ${reason}`,
    auditManual: (name, reason) => `DealPilot: лид передан аккаунт-менеджеру ${name}. ${reason}`,
    auditByHand: (actor, name) => `DealPilot: ${actor} назначил(а) лид на ${name} вручную.`,
    auditTaken: (actor) => `DealPilot: ${actor} взял(а) лид в работу.`,
    auditRejected: (actor, status, reason) => `DealPilot: ${actor} отклонил(а) лид. Причина: ${status} — ${reason}.`,
    takenOutcome: (id, title, actor) => `✅ Лид #${id} «${title}» в работе (${actor}).`,
    rejectedOutcome: (id, title, status, reason) => `❌ Лид #${id} «${title}» закрыт: ${status} — ${reason}.`,
    assignedOutcome: (id, title, name) => `👤 Лид #${id} «${title}» назначен на ${name}.`,
    alreadyHandled: (id, title) => `ℹ️ Лид #${id} «${title}» уже обработан — кнопки устарели.`,
    pickRejectStatus: (id, title) => `Лид #${id} «${title}»: выберите причину отказа.`,
    pickRejectReason: (id, title, status) => `Лид #${id} «${title}», отказ «${status}»: уточните причину.`,
    back: '⬅️ Назад',
    notAllowed: 'Переназначать лиды могут только руководитель и аккаунт-менеджер.',
    unknownManager: 'Этот сотрудник не может принять лид.',
    stuck: (id, title, manager, days, status) =>
      `⏳ **Лид #${id} завис**: ${title}\nМенеджер: ${manager}\nВ статусе «${status}» уже ${days} дн., задача не закрыта.`,
    stuckDigest: (id, title, days) => `Лид #${id} «${title}» — ${days} дн. в одном статусе`,
    digestAssigned: (id, title) => `Новый лид #${id} «${title}»`,
  },
  en: {
    assignedTitle: (id, title) => `🆕 **New lead #${id}**: ${title}`,
    contact: 'Contact',
    source: 'Source',
    comment: 'Comment',
    deadline: 'Take it in work by',
    noValue: '—',
    take: '✅ Take in work',
    reject: '❌ Reject',
    reassign: '🔁 Reassign',
    open: '🔗 Open in Bitrix24',
    manualTitle: (id, title) => `📥 **Lead #${id} needs assigning by hand**: ${title}`,
    manualHrHint: 'This is an HR request: assign it to HR staff only.',
    pickManager: 'Pick a manager (those at work first; load in brackets):',
    candidateButton: (name, load, present) => `${present ? '🟢' : '⚪'} ${name} (${load})`,
    taskTitle: (title) => `Process the lead: ${title}`,
    taskDescription: (url) => `A new lead was assigned to you. Take it in work: ${url}`,
    auditAssigned: (name, reason) => `DealPilot: lead assigned to ${name}. ${reason}`,
    auditManual: (name, reason) => `DealPilot: lead handed to the account manager ${name}. ${reason}`,
    auditByHand: (actor, name) => `DealPilot: ${actor} assigned the lead to ${name} by hand.`,
    auditTaken: (actor) => `DealPilot: ${actor} took the lead in work.`,
    auditRejected: (actor, status, reason) => `DealPilot: ${actor} rejected the lead. Reason: ${status} — ${reason}.`,
    takenOutcome: (id, title, actor) => `✅ Lead #${id} "${title}" is in work (${actor}).`,
    rejectedOutcome: (id, title, status, reason) => `❌ Lead #${id} "${title}" closed: ${status} — ${reason}.`,
    assignedOutcome: (id, title, name) => `👤 Lead #${id} "${title}" assigned to ${name}.`,
    alreadyHandled: (id, title) => `ℹ️ Lead #${id} "${title}" was already handled — these buttons are outdated.`,
    pickRejectStatus: (id, title) => `Lead #${id} "${title}": pick the reason for rejecting it.`,
    pickRejectReason: (id, title, status) => `Lead #${id} "${title}", rejected as "${status}": pick the concrete reason.`,
    back: '⬅️ Back',
    notAllowed: 'Only a supervisor or the account manager may reassign leads.',
    unknownManager: 'This person cannot take the lead.',
    stuck: (id, title, manager, days, status) =>
      `⏳ **Lead #${id} is stuck**: ${title}\nManager: ${manager}\nIn status "${status}" for ${days} days, the task is still open.`,
    stuckDigest: (id, title, days) => `Lead #${id} "${title}" — ${days} days in one status`,
    digestAssigned: (id, title) => `New lead #${id} "${title}"`,
  },
};
