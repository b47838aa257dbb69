import type { Capability, CapabilityDeps } from '../capability.js';

// Scaffolding: replaced by the leads capability (its jobs, event handling and the service its bot glue calls).
export type LeadsCapability = Capability;

export function createLeadsCapability(_deps: CapabilityDeps): LeadsCapability {
  return { name: 'leads', jobs: [] };
}
