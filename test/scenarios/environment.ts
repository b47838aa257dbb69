import { DEMO } from '@dealpilot/sandbox/bitrix/demo-ids';
import { type SandboxEnvironment, startSandboxEnvironment } from '../../src/demo/environment.js';
import { BITRIX_CHAT_QUEUE } from '../../src/messengers/bitrix24/channel.js';
import { testRedisUrl, uniquePrefix } from '../support/redis.js';
import { driverFor, type MessengerDriver, type MessengerName } from './messengers.js';

export { addDeal, DAY, settle } from '../deals/helpers.js';

export const MANAGER = DEMO.users.moscowManagers[0]; // 10, salesMoscow (head 3, above: 2)
export const OTHER_MANAGER = DEMO.users.moscowManagers[1];
export const MOSCOW_HEAD = DEMO.users.moscowHead;
export const DIRECTOR = DEMO.users.salesDirector;
export const ACCOUNT_MANAGER = DEMO.users.accountManager;

export interface Scenario {
  env: SandboxEnvironment;
  /** The messenger every enrolled person uses in this run. */
  chat: MessengerDriver;
}

/**
 * The whole app against the sandboxes with Bitrix24 chat on, the demo's open deals closed (a scan sees only
 * what a scenario creates), and `people` using the given messenger with no quiet hours.
 */
export async function startScenario(messenger: MessengerName, label: string, people: number[]): Promise<Scenario> {
  const env = await startSandboxEnvironment({
    redisUrl: testRedisUrl(), redisPrefix: uniquePrefix(`${label}-${messenger}`), telegramLimits: { perChatIntervalMs: 0 },
    bitrixRateLimit: { enabled: false }, extraEnv: { B24_RATE_PER_SECOND: '50', B24_RATE_BURST: '200' },
    bitrixChat: messenger === 'bitrix24-push' ? 'webhook' : 'fetch',
    // Scans run when a scenario says so: a cron tick (routing the demo's waiting leads every 2 minutes…) would
    // write to the portal behind its back and break its "nothing was written" checks. The chat poll keeps its
    // schedule. Not registered at all: removing them after the start raced a tick in a loaded CI run.
    scheduleQueues: (queue) => queue === BITRIX_CHAT_QUEUE,
  });
  const won: Record<number, string> = { 0: 'WON', 1: 'C1:WON', 2: 'C2:WON' };
  for (const deal of env.bitrix.store.listDeals()) {
    if (deal.STAGE_SEMANTIC_ID === 'P') env.bitrix.store.moveDealStage(Number(deal.ID), won[Number(deal.CATEGORY_ID)]!, { silent: true });
  }
  const chat = driverFor(messenger, env);
  for (const person of people) await chat.enrol(person);
  return { env, chat };
}

