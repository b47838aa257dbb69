import type { Capability, CapabilityDeps } from '../capability.js';

// Scaffolding: replaced by the reports capability (its jobs, event handling and the service its bot glue calls).
export type ReportsCapability = Capability;

export function createReportsCapability(_deps: CapabilityDeps): ReportsCapability {
  return { name: 'reports', jobs: [] };
}
