import type { CapabilityDeps } from './capability.js';
import { createCrmWrites, type CrmWrites } from '../crm/writes.js';
import { createBirthdaysCapability, type BirthdaysCapability } from './birthdays/index.js';
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
