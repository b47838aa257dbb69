import { tokenize } from './keywords.js';
import { stemRu } from './stem.js';

/**
 * A typed search, as the words' stems (three letters or more: "ко" would match half the portal). The longest stem
 * narrows on the portal (a substring filter); `matches` then requires every stem in some word of the text, so
 * "трансформаторами" finds "Поставка трансформаторов".
 */
export interface SearchTerms {
  narrowest: string;
  matches(text: string): boolean;
}

export function searchTerms(query: string): SearchTerms | null {
  const stems = tokenize(query).map(stemRu).filter((s) => s.length >= 3);
  if (stems.length === 0) return null;
  return {
    narrowest: [...stems].sort((a, b) => b.length - a.length)[0]!,
    matches(text) {
      const words = tokenize(text);
      return stems.every((stem) => words.some((w) => w.startsWith(stem) || stemRu(w) === stem));
    },
  };
}
