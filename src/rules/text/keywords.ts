import { normalizeWord, stemRu } from './stem.js';

/** Words of a text: runs of letters (any script); digits, punctuation and markup are separators. */
export function tokenize(text: string): string[] {
  return normalizeWord(text).match(/\p{L}+/gu) ?? [];
}

interface KeywordPattern {
  /** One entry per word of the keyword. */
  parts: Array<{ kind: 'stem'; stem: string } | { kind: 'prefix'; prefix: string }>;
}

/**
 * A keyword is one or more words. Each word matches a text word with the same stem ("трансформатор" finds
 * "трансформаторами"). A word ending in "*" is a prefix instead: "кабел*" finds "кабель" and "кабельная",
 * while plain "кабель" does not find "кабельная" — an adjective is a different word, and silent prefix
 * matching would let short keywords hit unrelated words. Returns null for a keyword without letters.
 */
function compileKeyword(keyword: string): KeywordPattern | null {
  const parts: KeywordPattern['parts'] = [];
  for (const raw of keyword.trim().split(/\s+/)) {
    const isPrefix = raw.endsWith('*');
    const words = tokenize(isPrefix ? raw.slice(0, -1) : raw);
    words.forEach((word, index) => {
      const last = index === words.length - 1;
      parts.push(isPrefix && last ? { kind: 'prefix', prefix: word } : { kind: 'stem', stem: stemRu(word) });
    });
  }
  return parts.length > 0 ? { parts } : null;
}

function matchesAt(pattern: KeywordPattern, words: string[], stems: string[], start: number): boolean {
  return pattern.parts.every((part, offset) => {
    const index = start + offset;
    if (index >= words.length) return false;
    return part.kind === 'stem' ? stems[index] === part.stem : (words[index] ?? '').startsWith(part.prefix);
  });
}

/**
 * The keywords (as given) found in `text`, in the order of `keywords`, each once. Case-insensitive, ё = е,
 * word forms folded by stem; a multi-word keyword must appear as consecutive words.
 */
export function matchesKeywords(text: string, keywords: readonly string[]): string[] {
  const words = tokenize(text);
  const stems = words.map(stemRu);
  const found: string[] = [];
  for (const keyword of keywords) {
    if (found.includes(keyword)) continue;
    const pattern = compileKeyword(keyword);
    if (!pattern) continue;
    for (let start = 0; start < words.length; start++) {
      if (matchesAt(pattern, words, stems, start)) {
        found.push(keyword);
        break;
      }
    }
  }
  return found;
}
