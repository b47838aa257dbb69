import type { Capability, CapabilityDeps } from '../capability.js';

// Scaffolding: replaced by the birthdays capability (its jobs, event handling and the service its bot glue calls).
export type BirthdaysCapability = Capability;

export function createBirthdaysCapability(_deps: CapabilityDeps): BirthdaysCapability {
  return { name: 'birthdays', jobs: [] };
}
