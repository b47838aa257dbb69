import type { Locale } from '../../i18n/index.js';

/** Texts of /report and the supervisors' digest (Russian default, English). */
export interface ReportTexts {
  periodButtons: { today: string; yesterday: string; week: string; month: string };
  digestTitle: (label: string) => string;
  digestNothing: (label: string) => string;
  noScope: string;
  badArgument: (argument: string) => string;
  badDate: (argument: string) => string;
  reversedRange: (argument: string) => string;
  rangeTooLong: (argument: string, days: number) => string;
  duplicateArgument: (argument: string) => string;
  unknownPipeline: (id: number) => string;
  usage: string;
  failed: string;
}

const usageRu = 'Формат: /report [today|yesterday|week|month|дд.мм.гггг-дд.мм.гггг] [номер воронки]';
const usageEn = 'Usage: /report [today|yesterday|week|month|dd.mm.yyyy-dd.mm.yyyy] [pipeline id]';

export const REPORT_TEXTS: Record<Locale, ReportTexts> = {
  ru: {
    periodButtons: { today: 'Сегодня', yesterday: 'Вчера', week: 'Неделя', month: 'Месяц' },
    digestTitle: (label) => `**Утренняя сводка по отделу за ${label}**`,
    digestNothing: (label) => `За ${label} в отделе не было движения по сделкам и лидам.`,
    noScope: 'Отчёт доступен только сотрудникам из справочника Битрикс24.',
    badArgument: (a) => `Не понимаю «${a}». ${usageRu}`,
    badDate: (a) => `Нет такой даты: «${a}». ${usageRu}`,
    reversedRange: (a) => `Начало периода позже конца: «${a}».`,
    rangeTooLong: (a, days) => `Период «${a}» длиннее ${days} дней.`,
    duplicateArgument: (a) => `Период или воронка указаны дважды: «${a}». ${usageRu}`,
    unknownPipeline: (id) => `Воронки #${id} нет.`,
    usage: usageRu,
    failed: 'Не удалось собрать отчёт: Битрикс24 не ответил. Попробуйте ещё раз через минуту.',
  },
  en: {
    periodButtons: { today: 'Today', yesterday: 'Yesterday', week: 'Week', month: 'Month' },
    digestTitle: (label) => `**Morning digest of your department for ${label}**`,
    digestNothing: (label) => `No deal or lead activity in your department for ${label}.`,
    noScope: 'Reports are available to people in the Bitrix24 directory only.',
    badArgument: (a) => `I don't understand "${a}". ${usageEn}`,
    badDate: (a) => `No such date: "${a}". ${usageEn}`,
    reversedRange: (a) => `The period starts after it ends: "${a}".`,
    rangeTooLong: (a, days) => `The period "${a}" is longer than ${days} days.`,
    duplicateArgument: (a) => `Period or pipeline given twice: "${a}". ${usageEn}`,
    unknownPipeline: (id) => `There is no pipeline #${id}.`,
    usage: usageEn,
    failed: 'Could not build the report: Bitrix24 did not answer. Please try again in a minute.',
  },
};
