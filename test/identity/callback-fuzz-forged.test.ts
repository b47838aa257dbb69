import { fuzzCallbacks } from './callback-fuzz.js';

// Well-formed payloads of every action aimed at other people's deals and leads (half of the 10,000 presses).
fuzzCallbacks('well-formed', 5_000);
