import type { JobsOptions } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Config } from '../config/load.js';
import type { Bitrix24Event } from '../crm/events.js';
import type { CrmGateway } from '../crm/index.js';
import type { CrmWrites } from '../crm/writes.js';
import type { Directory } from '../identity/directory.js';
import type { IdentityStore } from '../identity/store.js';
import type { TimezoneOf } from '../identity/timezone.js';
import type { Logger } from '../infra/log.js';
import type { JobDefinition } from '../jobs/runtime.js';
import type { Outbox } from '../outbox/index.js';

/** What every capability (leads, deals, birthdays, report) is built from. No grammY here: messenger glue lives in src/messengers. */
export interface CapabilityDeps {
  config: Config;
  log: Logger;
  /** Shared connection (maxRetriesPerRequest: null); keys under `prefix`. */
  redis: Redis;
  prefix: string;
  crm: CrmGateway;
  directory: Directory;
  store: IdentityStore;
  outbox: Outbox;
  /** Adds a job to a capability queue (bound to the process's job runtime). */
  enqueue(queue: string, name: string, data: Record<string, unknown>, options?: JobsOptions): Promise<void>;
  clock: () => Date;
  /** Base URL of the portal for "Open in Bitrix24" links, e.g. https://acme.bitrix24.ru */
  portalUrl: string;
  /** The deal desk's address (…/desk/), when one is configured: deal messages then offer "open card". */
  deskUrl?: () => string | null;
  /** A person's time zone (their /settings choice, profile, department, BOT_TIMEZONE); absent → the portal's for all. */
  timezoneOf?: TimezoneOf;
  /** Audit comments and tasks written exactly once (built by createCapabilities; a capability built alone makes its own). */
  writes?: CrmWrites;
}

export interface Capability {
  name: string;
  jobs: JobDefinition<any>[];
  /** A verified Bitrix24 outgoing event (only the entity id is trusted; re-read it). */
  onBitrixEvent?(event: Bitrix24Event): Promise<void>;
}
