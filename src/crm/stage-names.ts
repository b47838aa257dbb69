import type { RulesFile } from '../config/rules-schema.js';
import type { Logger } from '../infra/log.js';
import type { CrmGateway } from './index.js';

/** Names of deal stages and lead statuses as managers see them in the portal. */
export interface StageNames {
  deal(stageId: string): string;
  lead(statusId: string): string;
}

/** A stage the portal did not list makes the next load re-read the directory, but not more often than this. */
const MISS_REFRESH_MS = 60_000;

/**
 * Stage and status names for messages and buttons: the rules file's optional `name` overrides, else the portal's
 * own name (`crm.status.list`, cached by the gateway with the other directories, so a rename shows within its
 * TTL), else the raw id — only for a stage the portal does not know, which also triggers an early re-read.
 * When the portal cannot be read the overrides and ids are used, so a message is never lost for a name.
 */
export function createStageNames(deps: { crm: Pick<CrmGateway, 'getStatuses'>; rules: RulesFile; log: Logger; clock?: () => number }) {
  const clock = deps.clock ?? Date.now;
  const overrides = new Map<string, string>();
  for (const pipeline of deps.rules.pipelines) {
    for (const stage of pipeline.stages) if (stage.name) overrides.set(stage.id, stage.name);
  }
  let missedAt: number | null = null;
  let lastRefresh = 0;

  async function load(): Promise<StageNames> {
    const deal = new Map<string, string>();
    const lead = new Map<string, string>();
    try {
      const refresh = missedAt !== null && clock() - lastRefresh >= MISS_REFRESH_MS;
      if (refresh) {
        lastRefresh = clock();
        missedAt = null;
      }
      for (const status of await deps.crm.getStatuses({ refresh })) {
        if (status.entityId === 'STATUS') lead.set(status.statusId, status.name);
        else if (status.entityId.startsWith('DEAL_STAGE')) deal.set(status.statusId, status.name);
      }
    } catch (error) {
      deps.log.warn({ err: error }, 'stage names: could not read the portal directory; showing the rules file names');
    }
    const lookup = (names: Map<string, string>, id: string): string => {
      const name = names.get(id);
      if (name !== undefined) return name;
      missedAt ??= clock();
      return id;
    };
    return {
      deal: (stageId) => overrides.get(stageId) ?? lookup(deal, stageId),
      lead: (statusId) => lookup(lead, statusId),
    };
  }

  return { load };
}

export type StageNameBook = ReturnType<typeof createStageNames>;
