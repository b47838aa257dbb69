/**
 * A light stemmer for keyword matching: the Snowball (Porter) Russian algorithm for Cyrillic words and an
 * "S-stemmer" (plural/possessive stripping) for Latin words. Stems are only compared with each other, never
 * shown, so over- or under-stemming matters only where two forms of one word must meet.
 */

const RU_VOWELS = new Set('аеиоуыэюя');

/** Lower case, ё → е: the forms a keyword and a text token are compared in. */
export function normalizeWord(word: string): string {
  return word.toLowerCase().replace(/ё/g, 'е');
}

// Endings by Snowball group. Group-1 endings are only removed after "а" or "я" (which stays).
const PERFECTIVE_GERUND_1 = ['в', 'вши', 'вшись'];
const PERFECTIVE_GERUND_2 = ['ив', 'ивши', 'ившись', 'ыв', 'ывши', 'ывшись'];
const ADJECTIVE = ['ее', 'ие', 'ые', 'ое', 'ими', 'ыми', 'ей', 'ий', 'ый', 'ой', 'ем', 'им', 'ым', 'ом', 'его', 'ого',
  'ему', 'ому', 'их', 'ых', 'ую', 'юю', 'ая', 'яя', 'ою', 'ею'];
const PARTICIPLE_1 = ['ем', 'нн', 'вш', 'ющ', 'щ'];
const PARTICIPLE_2 = ['ивш', 'ывш', 'ующ'];
const REFLEXIVE = ['ся', 'сь'];
const VERB_1 = ['ла', 'на', 'ете', 'йте', 'ли', 'й', 'л', 'ем', 'н', 'ло', 'но', 'ет', 'ют', 'ны', 'ть', 'ешь', 'нно'];
const VERB_2 = ['ила', 'ыла', 'ена', 'ейте', 'уйте', 'ите', 'или', 'ыли', 'ей', 'уй', 'ил', 'ыл', 'им', 'ым', 'ен',
  'ило', 'ыло', 'ено', 'ят', 'ует', 'уют', 'ит', 'ыт', 'ены', 'ить', 'ыть', 'ишь', 'ую', 'ю'];
const NOUN = ['а', 'ев', 'ов', 'ие', 'ье', 'е', 'иями', 'ями', 'ами', 'еи', 'ии', 'и', 'ией', 'ей', 'ой', 'ий', 'й',
  'иям', 'ям', 'ием', 'ем', 'ам', 'ом', 'о', 'у', 'ах', 'иях', 'ях', 'ы', 'ь', 'ию', 'ью', 'ю', 'ия', 'ья', 'я'];
const DERIVATIONAL = ['ост', 'ость'];

/**
 * The longest ending of `word` from the groups that lies inside the region starting at `limit`; group-1
 * endings additionally need "а"/"я" (also inside the region) in front. Snowball picks the longest matching
 * ending first and fails if its condition fails, without trying shorter ones.
 */
function findEnding(word: string, limit: number, group1: string[], group2: string[]): string | null {
  let best: { ending: string; needsAYa: boolean } | null = null;
  for (const [list, needsAYa] of [[group1, true], [group2, false]] as const) {
    for (const ending of list) {
      if (word.endsWith(ending) && word.length - ending.length >= limit && (!best || ending.length > best.ending.length)) {
        best = { ending, needsAYa };
      }
    }
  }
  if (!best) return null;
  if (best.needsAYa) {
    const before = word.length - best.ending.length - 1;
    if (before < limit) return null;
    const ch = word[before];
    if (ch !== 'а' && ch !== 'я') return null;
  }
  return best.ending;
}

function strip(word: string, ending: string | null): string {
  return ending === null ? word : word.slice(0, word.length - ending.length);
}

/** Snowball regions: RV after the first vowel, R2 after the second vowel–consonant pair. */
function regions(word: string): { rv: number; r2: number } {
  const n = word.length;
  const isVowel = (i: number): boolean => RU_VOWELS.has(word[i] ?? '');
  let i = 0;
  while (i < n && !isVowel(i)) i++;
  const rv = Math.min(i + 1, n);
  // R1: after the first non-vowel that follows a vowel; R2: the same again, starting from R1.
  const afterVowelConsonant = (start: number): number => {
    let j = start;
    while (j < n && !isVowel(j)) j++;
    while (j < n && isVowel(j)) j++;
    return j < n ? j + 1 : n;
  };
  const r1 = afterVowelConsonant(0);
  const r2 = afterVowelConsonant(r1);
  return { rv, r2 };
}

function stemCyrillic(input: string): string {
  let word = input;
  const { rv, r2 } = regions(word);
  if (rv >= word.length) return word;

  // Step 1.
  const gerund = findEnding(word, rv, PERFECTIVE_GERUND_1, PERFECTIVE_GERUND_2);
  if (gerund !== null) {
    word = strip(word, gerund);
  } else {
    word = strip(word, findEnding(word, rv, [], REFLEXIVE));
    const adjective = findEnding(word, rv, [], ADJECTIVE);
    if (adjective !== null) {
      word = strip(word, adjective);
      word = strip(word, findEnding(word, rv, PARTICIPLE_1, PARTICIPLE_2));
    } else {
      const verb = findEnding(word, rv, VERB_1, VERB_2);
      word = verb !== null ? strip(word, verb) : strip(word, findEnding(word, rv, [], NOUN));
    }
  }

  // Step 2.
  if (word.endsWith('и') && word.length - 1 >= rv) word = word.slice(0, -1);

  // Step 3: derivational endings count only inside R2.
  word = strip(word, findEnding(word, Math.max(r2, rv), [], DERIVATIONAL));

  // Step 4: superlative, double "н", soft sign.
  const tidy = findEnding(word, rv, [], ['ейш', 'ейше', 'н', 'ь']);
  if (tidy === 'ейш' || tidy === 'ейше') {
    word = strip(word, tidy);
    if (word.endsWith('нн') && word.length - 2 >= rv) word = word.slice(0, -1);
  } else if (tidy === 'н') {
    if (word.endsWith('нн') && word.length - 2 >= rv) word = word.slice(0, -1);
  } else if (tidy === 'ь') {
    word = word.slice(0, -1);
  }
  return word;
}

/** Plural and possessive stripping (Harman's S-stemmer plus "-xes/-ches/-shes/-sses/-zes"). */
function stemLatin(word: string): string {
  let w = word.replace(/'s$/, '');
  if (w.length <= 3) return w;
  if (/(?:x|ch|sh|ss|z)es$/.test(w)) return w.slice(0, -2);
  if (w.endsWith('ies') && !/[ae]ies$/.test(w)) return `${w.slice(0, -3)}y`;
  if (w.endsWith('es') && !/[aeo]es$/.test(w)) return w.slice(0, -1);
  if (w.endsWith('s') && !/[us]s$/.test(w)) w = w.slice(0, -1);
  return w;
}

/**
 * Stem of one word: lower-cased, ё → е, Russian endings stripped for Cyrillic words, plural endings for
 * Latin ones; other scripts are only lower-cased.
 */
export function stemRu(word: string): string {
  const w = normalizeWord(word.trim());
  if (/^[а-я]+$/.test(w)) return stemCyrillic(w);
  if (/^[a-z']+$/.test(w)) return stemLatin(w);
  return w;
}
