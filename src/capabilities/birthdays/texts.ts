/**
 * Texts of the birthdays capability: Russian (default) and English, checked by tsc against one shape.
 * Dates arrive already formatted for the language (see `formatDay`).
 */
import type { Locale } from '../../i18n/index.js';
import type { ManualCheckReason } from '../../rules/birthday/index.js';
import type { CalendarDate } from '../../rules/time/calendar-date.js';

/** Reasons offered under "Not relevant" on a party reminder (ids fit the callback codec's `key`). */
export const NOT_RELEVANT_REASONS = ['no_child', 'not_interested', 'already_booked', 'wrong_date', 'other'] as const;
export type NotRelevantReason = (typeof NOT_RELEVANT_REASONS)[number];

export interface BirthdayTexts {
  checkTitle: (who: string) => string;
  partyDealTitle: (who: string, day: string) => string;
  partyDealComment: (day: string, age: number | undefined) => string;
  checkMessage: (p: { who: string; reason: ManualCheckReason; dateField: string | null; text: string }) => string;
  checkReason: Record<ManualCheckReason, string>;
  keep: (day: string) => string;
  use: (day: string) => string;
  typeDate: string;
  open: string;
  typePrompt: (who: string) => string;
  typedInvalid: string;
  typedNeedsYear: string;
  resolved: (who: string, day: string) => string;
  alreadyResolved: string;
  changedSinceSent: string;
  gone: string;
  auditResolved: (day: string, actor: string) => string;
  reminder: (p: { who: string; day: string; age: number | undefined; leadDays: number; dealTitle: string }) => string;
  reminderDigest: (who: string, day: string) => string;
  takeInWork: string;
  notRelevant: string;
  pickReason: (dealTitle: string) => string;
  reasons: Record<NotRelevantReason, string>;
  taken: (dealTitle: string, actor: string) => string;
  dismissed: (dealTitle: string, reason: string, actor: string) => string;
  partyClosed: string;
  auditTaken: (actor: string) => string;
  auditDismissed: (reason: string, actor: string) => string;
}

const RU_MONTHS = ['января', 'февраля', 'марта', 'апреля', 'мая', 'июня', 'июля', 'августа', 'сентября', 'октября', 'ноября', 'декабря'];
const EN_MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];

/** "5 января 2027" / "5 January 2027"; the year is left out when unknown. */
export function formatDay(date: { year?: number; month: number; day: number }, locale: Locale): string {
  const month = (locale === 'ru' ? RU_MONTHS : EN_MONTHS)[date.month - 1] ?? String(date.month);
  return date.year === undefined ? `${date.day} ${month}` : `${date.day} ${month} ${date.year}`;
}

/** Russian plural of "год": 1 год, 2 года, 5 лет, 11 лет, 21 год. */
function ruYears(n: number): string {
  const mod10 = n % 10;
  const mod100 = n % 100;
  if (mod10 === 1 && mod100 !== 11) return `${n} год`;
  if (mod10 >= 2 && mod10 <= 4 && (mod100 < 12 || mod100 > 14)) return `${n} года`;
  return `${n} лет`;
}

function ruDays(n: number): string {
  const mod10 = n % 10;
  const mod100 = n % 100;
  if (mod10 === 1 && mod100 !== 11) return `${n} день`;
  if (mod10 >= 2 && mod10 <= 4 && (mod100 < 12 || mod100 > 14)) return `${n} дня`;
  return `${n} дней`;
}

export const birthdayTexts: Record<Locale, BirthdayTexts> = {
  ru: {
    checkTitle: (who) => `Проверка дня рождения: ${who}`,
    partyDealTitle: (who, day) => `День рождения ребёнка: ${who}, ${day}`,
    partyDealComment: (day, age) => `День рождения ребёнка ${day}${age !== undefined ? `, исполнится ${ruYears(age)}` : ''}.`,
    checkMessage: ({ who, reason, dateField, text }) => [
      `**Проверьте день рождения ребёнка** — ${who}`,
      `Причина: ${birthdayTexts.ru.checkReason[reason]}`,
      `Поле даты: ${dateField ?? '—'}`,
      `Текст: «${text}»`,
    ].join('\n'),
    checkReason: {
      unparseable: 'текст не похож на дату',
      impossible: 'такой даты не бывает',
      future: 'дата в будущем',
      too_old: 'слишком давняя дата для ребёнка',
      ambiguous: 'в тексте несколько разных дат',
      mismatch: 'текст не совпадает с полем даты',
      no_year: 'в тексте нет года',
    },
    keep: (day) => `Оставить ${day}`,
    use: (day) => `Взять ${day}`,
    typeDate: 'Ввести дату',
    open: 'Открыть в Битрикс24',
    typePrompt: (who) => `Введите дату рождения ребёнка (${who}) в виде ДД.ММ.ГГГГ, например 14.05.2019.`,
    typedInvalid: 'Не получилось прочитать дату. Напишите её в виде ДД.ММ.ГГГГ, например 14.05.2019.',
    typedNeedsYear: 'Нужна дата с годом, например 14.05.2019.',
    resolved: (who, day) => `✅ День рождения (${who}) записан: ${day}.`,
    alreadyResolved: 'Эта проверка уже закрыта.',
    changedSinceSent: 'Поля дня рождения изменились после отправки сообщения — ничего не записано, проверьте карточку.',
    gone: 'Запись больше не найдена в Битрикс24.',
    auditResolved: (day, actor) => `DealPilot: день рождения ребёнка подтверждён — ${day} (${actor}).`,
    reminder: ({ who, day, age, leadDays, dealTitle }) => [
      `🎂 **Через ${ruDays(leadDays)} день рождения ребёнка** — ${who}`,
      `Дата: ${day}${age !== undefined ? `, исполнится ${ruYears(age)}` : ''}`,
      `Создана сделка «${dealTitle}».`,
    ].join('\n'),
    reminderDigest: (who, day) => `🎂 ${who}: день рождения ребёнка ${day}`,
    takeInWork: 'Взять в работу',
    notRelevant: 'Неактуально',
    pickReason: (dealTitle) => `Почему «${dealTitle}» неактуальна?`,
    reasons: {
      no_child: 'Нет ребёнка / ошибка в данных',
      not_interested: 'Клиенту неинтересно',
      already_booked: 'Уже договорились',
      wrong_date: 'Неверная дата',
      other: 'Другое',
    },
    taken: (dealTitle, actor) => `✅ «${dealTitle}» — в работе (${actor}).`,
    dismissed: (dealTitle, reason, actor) => `❌ «${dealTitle}» — неактуально: ${reason} (${actor}).`,
    partyClosed: 'Сделка уже закрыта или перенесена.',
    auditTaken: (actor) => `DealPilot: сделка взята в работу (${actor}).`,
    auditDismissed: (reason, actor) => `DealPilot: сделка неактуальна — ${reason} (${actor}).`,
  },
  en: {
    checkTitle: (who) => `Birthday check: ${who}`,
    partyDealTitle: (who, day) => `Child's birthday: ${who}, ${day}`,
    partyDealComment: (day, age) => `Child's birthday on ${day}${age !== undefined ? `, turning ${age}` : ''}.`,
    checkMessage: ({ who, reason, dateField, text }) => [
      `**Check the child's birthday** — ${who}`,
      `Reason: ${birthdayTexts.en.checkReason[reason]}`,
      `Date field: ${dateField ?? '—'}`,
      `Text: "${text}"`,
    ].join('\n'),
    checkReason: {
      unparseable: 'the text is not a date',
      impossible: 'no such date',
      future: 'the date is in the future',
      too_old: 'too long ago for a child',
      ambiguous: 'the text holds several different dates',
      mismatch: 'the text disagrees with the date field',
      no_year: 'the text has no year',
    },
    keep: (day) => `Keep ${day}`,
    use: (day) => `Use ${day}`,
    typeDate: 'Type the date',
    open: 'Open in Bitrix24',
    typePrompt: (who) => `Type the child's date of birth (${who}) as DD.MM.YYYY, e.g. 14.05.2019.`,
    typedInvalid: 'I could not read that date. Write it as DD.MM.YYYY, e.g. 14.05.2019.',
    typedNeedsYear: 'I need a date with a year, e.g. 14.05.2019.',
    resolved: (who, day) => `✅ Birthday saved (${who}): ${day}.`,
    alreadyResolved: 'This check is already closed.',
    changedSinceSent: 'The birthday fields changed after this message was sent — nothing was written; check the record.',
    gone: 'The record no longer exists in Bitrix24.',
    auditResolved: (day, actor) => `DealPilot: child's birthday confirmed — ${day} (${actor}).`,
    reminder: ({ who, day, age, leadDays, dealTitle }) => [
      `🎂 **Child's birthday in ${leadDays} days** — ${who}`,
      `Date: ${day}${age !== undefined ? `, turning ${age}` : ''}`,
      `Deal created: "${dealTitle}".`,
    ].join('\n'),
    reminderDigest: (who, day) => `🎂 ${who}: child's birthday ${day}`,
    takeInWork: 'Take in work',
    notRelevant: 'Not relevant',
    pickReason: (dealTitle) => `Why is "${dealTitle}" not relevant?`,
    reasons: {
      no_child: 'No child / wrong data',
      not_interested: 'Client not interested',
      already_booked: 'Already arranged',
      wrong_date: 'Wrong date',
      other: 'Other',
    },
    taken: (dealTitle, actor) => `✅ "${dealTitle}" — in work (${actor}).`,
    dismissed: (dealTitle, reason, actor) => `❌ "${dealTitle}" — not relevant: ${reason} (${actor}).`,
    partyClosed: 'The deal is already closed or moved.',
    auditTaken: (actor) => `DealPilot: deal taken in work (${actor}).`,
    auditDismissed: (reason, actor) => `DealPilot: deal not relevant — ${reason} (${actor}).`,
  },
};

/** Both languages of one text, for outbox intents. */
export function bothLocales<T>(render: (texts: BirthdayTexts, locale: Locale) => T): Record<Locale, T> {
  return { ru: render(birthdayTexts.ru, 'ru'), en: render(birthdayTexts.en, 'en') };
}

export function isoCompact(date: CalendarDate): string {
  return `${date.year}${String(date.month).padStart(2, '0')}${String(date.day).padStart(2, '0')}`;
}
