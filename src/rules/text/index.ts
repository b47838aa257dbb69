export { matchesKeywords, tokenize } from './keywords.js';
export { type SearchTerms, searchTerms } from './search.js';
export { normalizeWord, stemRu } from './stem.js';
