import { DEMO } from '@dealpilot/sandbox/bitrix/demo-ids';
import type { TranscriptEntry } from '@dealpilot/sandbox/telegram/transcript';
import { type SandboxEnvironment, startSandboxEnvironment } from '../../src/demo/environment.js';
import { testRedisUrl, uniquePrefix } from '../support/redis.js';

export const DAY = 86_400_000;
export const MANAGER = DEMO.users.moscowManagers[0]; // 10, department salesMoscow (head 3, above: 2)
export const MOSCOW_HEAD = DEMO.users.moscowHead;
export const DIRECTOR = DEMO.users.salesDirector;
export const CEO = DEMO.users.ceo;
export const REGION_MANAGER = DEMO.users.regionManagers[0]; // 15, salesRegions has no head → 2, then 1

const PEOPLE = [MANAGER, MOSCOW_HEAD, DIRECTOR, CEO, REGION_MANAGER];

/**
 * The whole app against the sandboxes, with the demo portal's seeded open deals closed (so a scan sees only
 * the deals a test creates) and the test's people linked, with no quiet hours (tests run at any hour).
 */
export async function startDealsEnvironment(label: string): Promise<SandboxEnvironment> {
  const env = await startSandboxEnvironment({
    redisUrl: testRedisUrl(), redisPrefix: uniquePrefix(label), telegramLimits: { perChatIntervalMs: 0 },
    bitrixRateLimit: { enabled: false }, extraEnv: { B24_RATE_PER_SECOND: '50', B24_RATE_BURST: '200' },
    // Scans run when a test says so: a cron tick routing the demo's waiting leads would write behind its back.
    // Never registered at all (removing them after the start raced a tick in a loaded CI run).
    scheduleQueues: () => false,
  });
  const won: Record<number, string> = { 0: 'WON', 1: 'C1:WON', 2: 'C2:WON' };
  for (const deal of env.bitrix.store.listDeals()) {
    if (deal.STAGE_SEMANTIC_ID === 'P') env.bitrix.store.moveDealStage(Number(deal.ID), won[Number(deal.CATEGORY_ID)]!, { silent: true });
  }
  for (const person of PEOPLE) {
    const tg = env.telegramUserFor(person);
    await env.app.store.link(person, tg, String(tg));
    await env.app.store.setPreferences(person, { quietStart: '00:00', quietEnd: '00:00', weekendsOff: false });
  }
  return env;
}

/** A deal that entered `stageId` `daysAgo` days ago (MOVED_TIME written as the portal's history would). */
export function addDeal(env: SandboxEnvironment, fields: {
  title: string; stageId: string; daysAgo: number; assignedTo?: number; opportunity?: number; extra?: Record<string, unknown>;
}): number {
  const moved = new Date(Date.now() - fields.daysAgo * DAY).toISOString();
  return env.bitrix.store.addDeal({
    TITLE: fields.title, CATEGORY_ID: 0, STAGE_ID: fields.stageId, ASSIGNED_BY_ID: fields.assignedTo ?? MANAGER,
    OPPORTUNITY: fields.opportunity ?? 100_000, CURRENCY_ID: 'RUB', MOVED_TIME: moved, ...fields.extra,
  }, { allowReadOnly: true, silent: true });
}

export const tgOf = (env: SandboxEnvironment, b24UserId: number) => env.telegramUserFor(b24UserId);

export function botMessages(env: SandboxEnvironment, b24UserId: number, textIncludes: string): TranscriptEntry[] {
  return env.telegram.transcript(tgOf(env, b24UserId)).filter((e) => e.direction === 'bot' && e.text.includes(textIncludes));
}

export function waitFor(env: SandboxEnvironment, b24UserId: number, predicate: (e: TranscriptEntry) => boolean, ms = 10_000) {
  return env.telegram.waitForMessage(tgOf(env, b24UserId), predicate, ms);
}

/** Presses a button of a bot message as the person would and waits for the bot to answer the press. */
export async function press(env: SandboxEnvironment, b24UserId: number, messageId: number, button: string) {
  // A person does not press faster than the bot's per-user flood limit (10 updates per 2 s).
  await new Promise((resolve) => setTimeout(resolve, 250));
  const queryId = env.telegram.pressButton(tgOf(env, b24UserId), messageId, button);
  return env.telegram.waitForCallbackAnswer(queryId, 10_000);
}

export function buttonsOf(entry: TranscriptEntry): Array<{ text: string; data?: string }> {
  const markup = entry.replyMarkup as { inline_keyboard?: Array<Array<{ text: string; callback_data?: string }>> } | undefined;
  // The payload as the bot built it: the bot signs each button for its chat (`~` + 8 characters).
  return (markup?.inline_keyboard ?? []).flat().map((b) => ({ text: b.text, ...(b.callback_data ? { data: b.callback_data.replace(/~[A-Za-z0-9_-]{8}$/, '') } : {}) }));
}

/** Lets the outbox worker deliver what a scan enqueued before asserting that nothing more arrived. */
export const settle = (ms = 700) => new Promise((resolve) => setTimeout(resolve, ms));
