/**
 * Month names as people type them: Russian in every case (мая, маю, мае, май, маем), with common
 * abbreviations (янв., сент.), and English full names and three-letter forms. Keys are lower case with
 * ё written as е, the way the parser normalises its input.
 */

export type MonthLanguage = 'ru' | 'en';

export interface MonthWord {
  month: number;
  language: MonthLanguage;
}

/** Russian stems by month and the endings each declension takes. */
const RU_STEMS: ReadonlyArray<readonly [stem: string, endings: readonly string[]]> = [
  ['январ', ['ь', 'я', 'ю', 'ем', 'е']],
  ['феврал', ['ь', 'я', 'ю', 'ем', 'е']],
  ['март', ['', 'а', 'у', 'ом', 'е']],
  ['апрел', ['ь', 'я', 'ю', 'ем', 'е']],
  ['ма', ['й', 'я', 'ю', 'ем', 'е']],
  ['июн', ['ь', 'я', 'ю', 'ем', 'е']],
  ['июл', ['ь', 'я', 'ю', 'ем', 'е']],
  ['август', ['', 'а', 'у', 'ом', 'е']],
  ['сентябр', ['ь', 'я', 'ю', 'ем', 'е']],
  ['октябр', ['ь', 'я', 'ю', 'ем', 'е']],
  ['ноябр', ['ь', 'я', 'ю', 'ем', 'е']],
  ['декабр', ['ь', 'я', 'ю', 'ем', 'е']],
];

const RU_ABBREVIATIONS: ReadonlyArray<readonly string[]> = [
  ['янв'], ['фев', 'февр'], ['мар'], ['апр'], [], ['июн'], ['июл'], ['авг'], ['сен', 'сент'], ['окт'],
  ['ноя', 'нояб'], ['дек'],
];

const EN_NAMES: ReadonlyArray<readonly string[]> = [
  ['january', 'jan'], ['february', 'feb'], ['march', 'mar'], ['april', 'apr'], ['may'], ['june', 'jun'],
  ['july', 'jul'], ['august', 'aug'], ['september', 'sep', 'sept'], ['october', 'oct'], ['november', 'nov'],
  ['december', 'dec'],
];

function buildDictionary(): ReadonlyMap<string, MonthWord> {
  const words = new Map<string, MonthWord>();
  RU_STEMS.forEach(([stem, endings], index) => {
    for (const ending of endings) words.set(stem + ending, { month: index + 1, language: 'ru' });
  });
  RU_ABBREVIATIONS.forEach((forms, index) => {
    for (const form of forms) words.set(form, { month: index + 1, language: 'ru' });
  });
  EN_NAMES.forEach((forms, index) => {
    for (const form of forms) words.set(form, { month: index + 1, language: 'en' });
  });
  return words;
}

export const MONTH_WORDS: ReadonlyMap<string, MonthWord> = buildDictionary();

/** A regex alternation of every month word, longest first so "марта" wins over "мар". */
export const MONTH_WORD_PATTERN: string = [...MONTH_WORDS.keys()]
  .sort((a, b) => b.length - a.length)
  .join('|');

/** Looks up a month word already lower-cased with ё → е; a trailing abbreviation dot is ignored. */
export function monthFromWord(word: string): MonthWord | null {
  return MONTH_WORDS.get(word.replace(/\.$/, '')) ?? null;
}

/** Genitive ("14 мая"), the form a Russian date takes after the day. */
export const RU_MONTHS_GENITIVE = [
  'января', 'февраля', 'марта', 'апреля', 'мая', 'июня', 'июля', 'августа', 'сентября', 'октября', 'ноября',
  'декабря',
] as const;

/** Nominative ("май 14"). */
export const RU_MONTHS_NOMINATIVE = [
  'январь', 'февраль', 'март', 'апрель', 'май', 'июнь', 'июль', 'август', 'сентябрь', 'октябрь', 'ноябрь',
  'декабрь',
] as const;

export const EN_MONTHS = [
  'January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November',
  'December',
] as const;
