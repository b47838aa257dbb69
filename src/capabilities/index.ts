import { type CrmWrites, createCrmWrites } from '../crm/writes.js';
import { type BirthdaysCapability, createBirthdaysCapability } from './birthdays/index.js';
import type { CapabilityDeps } from './capability.js';
import { createDealsCapability, type DealsCapability } from './deals/index.js';
import { createLeadsCapability, type LeadsCapability } from './leads/index.js';
import { createReportsCapability, type ReportsCapability } from './reports/index.js';

export interface Capabilities {
  leads: LeadsCapability;
  deals: DealsCapability;
  birthdays: BirthdaysCapability;
  reports: ReportsCapability;
  crmWrites: CrmWrites;
}

/** Every capability of the product, built from the same dependencies. */
export function createCapabilities(base: CapabilityDeps): Capabilities {
  const crmWrites = createCrmWrites(base);
  const deps = { ...base, writes: crmWrites };
  return {
    leads: createLeadsCapability(deps),
    deals: createDealsCapability(deps),
    birthdays: createBirthdaysCapability(deps),
    reports: createReportsCapability(deps),
    crmWrites,
  };
}
