import type { CapabilityDeps } from '../capability.js';
import { createReportActions } from './actions.js';
import { createReportBuilder } from './build.js';
import { createReportDesk } from './desk.js';
import { createReportTrigger } from './trigger.js';
import { DIGEST_JOB, REPORTS_QUEUE, type ReportsCapability } from './types.js';

/**
 * Reports: /report and its period buttons (actions), the supervisors' morning digest (trigger), both built the same
 * way for a scope (build) from the deals gathered through the open-deals index.
 */
export { type GatheredReportData, type GatherOptions, gatherReportData } from './gather.js';
export { renderReportParts } from './messages.js';
export { digestRecipients, type ReportScope, reportScope } from './scope.js';
export * from './types.js';

export function createReportsCapability(deps: CapabilityDeps): ReportsCapability {
  const builder = createReportBuilder(deps);
  const { rules, openDealsIndex, buildFor } = builder;
  const { reportCommand, reportForKey } = createReportActions(builder);
  const { runDigest } = createReportTrigger(builder);
  const { deskReport } = createReportDesk(builder);

  return {
    name: 'reports',
    jobs: [{
      queue: REPORTS_QUEUE,
      name: DIGEST_JOB,
      schedule: rules.schedules.reportDigest,
      async process() {
        return runDigest();
      },
    }, {
      // Keeps the open-deals index current between reports (a report also refreshes it before reading).
      queue: REPORTS_QUEUE,
      name: 'open-deals-index',
      schedule: '*/5 * * * *',
      process: () => openDealsIndex.refresh(),
    }],
    openDealsIndex,
    reportCommand,
    reportForKey,
    buildFor,
    deskReport,
    runDigest,
  };
}
