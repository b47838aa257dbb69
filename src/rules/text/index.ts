export { stemRu, normalizeWord } from './stem.js';
export { matchesKeywords, tokenize } from './keywords.js';
