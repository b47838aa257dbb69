import type { Capability, CapabilityDeps } from '../capability.js';

// Scaffolding: replaced by the deals capability (its jobs, event handling and the service its bot glue calls).
export type DealsCapability = Capability;

export function createDealsCapability(_deps: CapabilityDeps): DealsCapability {
  return { name: 'deals', jobs: [] };
}
