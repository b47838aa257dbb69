export { matchesKeywords, tokenize } from './keywords.js';
export { normalizeWord, stemRu } from './stem.js';
