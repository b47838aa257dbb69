import { fuzzCallbacks } from './callback-fuzz.js';

// Half of the 10,000-press property (random strings and bytes); the other half is in callback-fuzz-forged, so
// the two run side by side.
fuzzCallbacks('random', 5_000);
