/**
 * Storm: people who own no deals press forged buttons — mutations of a real button's data (other deal ids, other
 * actions, other lengths) and random bytes — a few times a second each, while a manager presses a genuine button.
 * Goal: the forged presses cost the portal nothing (refused at the signature, before any I/O), every press is
 * answered, and the honest press is answered in under a second.
 */
import { DEMO } from '@dealpilot/sandbox/bitrix/demo-ids';
import { createPrng } from '@dealpilot/sandbox/bitrix/prng';
import { type SandboxEnvironment, startSandboxEnvironment } from '../../src/demo/environment.js';

export interface ForgedPressesResult {
  people: number;
  presses: number;
  answered: number;
  /** Portal calls made while the storm ran that are not the honest presses' (about other deals, or anything else). */
  portalCalls: number;
  portalWrites: number;
  /** Press → answer of the manager's genuine presses during the storm (ms). */
  honestMs: number[];
  seconds: number;
}

const MANAGER = DEMO.users.moscowManagers[0]!;
/** Bitrix24 ids of the storm's people: new employees in a department of their own, owning nothing. */
const FIRST_OUTSIDER = 500;

function mutations(real: string, count: number, seed: number): string[] {
  const prng = createPrng(seed);
  const codes = ['dm', 'dr', 'dx', 'ds', 'dp', 'de', 'da', 'dy', 'dn', 'df', 'lt', 'lr', 'la', 'bk', 'bu', 'rp'];
  const out: string[] = [];
  const [version, , id, ...rest] = real.split('|');
  for (let i = 0; i < count; i++) {
    const kind = prng.int(0, 4);
    if (kind === 0) out.push([version, 'dm', String(prng.int(1, 400)), ...rest].join('|'));
    else if (kind === 1) out.push([version, prng.pick(codes), id, ...rest].join('|'));
    else if (kind === 2) out.push(`${real}${'x'.repeat(prng.int(0, 19))}`.slice(0, 64));
    else if (kind === 3) out.push(Buffer.from(Array.from({ length: prng.int(1, 60) }, () => prng.int(0, 255))).toString('latin1'));
    // A real-looking signature that is not the bot's.
    else out.push(`${real}~${Buffer.from(String(prng.next())).toString('base64url').slice(0, 8).padEnd(8, 'A')}`);
  }
  return out;
}

export async function runForgedPresses(options: {
  people: number;
  presses: number;
  /** Presses per second per person (the per-person flood limit is 10 per 2 s). */
  perPersonPerSecond?: number;
  redisUrl?: string;
  redisPrefix?: string;
}): Promise<ForgedPressesResult> {
  const env: SandboxEnvironment = await startSandboxEnvironment({
    ...(options.redisUrl ? { redisUrl: options.redisUrl } : {}), ...(options.redisPrefix ? { redisPrefix: options.redisPrefix } : {}),
    // The real portal budget (2 requests/s) and the real Telegram limits: forged presses must not spend the first.
    telegramLimits: { perChatIntervalMs: 0, globalPerSecond: 100_000 }, scheduleQueues: () => false, logLevel: 'error',
    extraEnv: { LOG_LEVEL: 'error' },
  });
  try {
    const store = env.bitrix.store;
    // Only the deal made here is open: the scan that nudges it then costs a few requests, not the demo company's.
    const won: Record<number, string> = { 0: 'WON', 1: 'C1:WON', 2: 'C2:WON' };
    for (const deal of store.listDeals()) {
      if (deal.STAGE_SEMANTIC_ID === 'P') store.moveDealStage(Number(deal.ID), won[Number(deal.CATEGORY_ID)]!, { silent: true });
    }
    // The manager's own stuck deal, nudged: the real button the forgers copy and the honest press.
    const own = store.addDeal({ TITLE: 'Honest deal', CATEGORY_ID: 0, STAGE_ID: 'NEW', ASSIGNED_BY_ID: MANAGER, OPPORTUNITY: 1, CURRENCY_ID: 'RUB',
      MOVED_TIME: new Date(Date.now() - 5 * 86_400_000).toISOString() }, { allowReadOnly: true, silent: true });
    const managerTg = env.telegramUserFor(MANAGER);
    await env.app.store.link(MANAGER, managerTg, String(managerTg));
    await env.app.store.setPreferences(MANAGER, { quietStart: '00:00', quietEnd: '00:00', weekendsOff: false });
    await env.app.capabilities.deals.scan();
    const nudge = await env.telegram.waitForMessage(managerTg, { textIncludes: 'Honest deal' }, 60_000);
    const keyboard = (nudge.replyMarkup as { inline_keyboard: Array<Array<{ callback_data?: string }>> }).inline_keyboard.flat();
    const realData = keyboard.map((b) => b.callback_data).find((d) => d?.startsWith(`1|dm|${own}|`))!.replace(/~[A-Za-z0-9_-]{8}$/, '');

    const people: number[] = [];
    for (let i = 0; i < options.people; i++) {
      const b24 = FIRST_OUTSIDER + i;
      store.addUser({ ID: b24, NAME: `Outsider ${i}`, UF_DEPARTMENT: [DEMO.departments.hr] });
      const tg = env.telegram.addUser({ id: 900_000 + i, firstName: `Outsider ${i}` }).id;
      await env.app.store.link(b24, tg, String(tg));
      env.telegram.sendCommand(tg, '/help');
      people.push(tg);
    }
    env.app.directory.invalidate();
    const anchors = await Promise.all(people.map((tg) => env.telegram.waitForMessage(tg, {}, 30_000)));
    // Let the start-up reads (org chart, stages) and the nudge's writes drain before counting.
    await new Promise((resolve) => setTimeout(resolve, 1_000));

    const perPerson = Math.ceil(options.presses / options.people);
    const gapMs = 1000 / (options.perPersonPerSecond ?? 3);
    const firstCall = env.bitrix.callLog.length;
    const started = performance.now();
    const answers: Array<Promise<unknown>> = [];
    const honestMs: number[] = [];
    const storm = people.map(async (tg, p) => {
      const payloads = mutations(realData, perPerson, 7 + p);
      for (const data of payloads) {
        answers.push(env.telegram.waitForCallbackAnswer(env.telegram.forgeCallback(tg, anchors[p]!.messageId!, data), 30_000));
        await new Promise((resolve) => setTimeout(resolve, gapMs));
      }
    });
    // The manager keeps working meanwhile: a genuine press (snooze, no write of a stage) every 2 s.
    const honest = (async () => {
      const until = started + (perPerson * gapMs);
      while (performance.now() < until) {
        const t0 = performance.now();
        await env.telegram.waitForCallbackAnswer(env.pressPayload(managerTg, nudge.messageId!, `1|ds|${own}|1`), 30_000);
        honestMs.push(performance.now() - t0);
        await new Promise((resolve) => setTimeout(resolve, 2_000));
      }
    })();
    await Promise.all(storm);
    const settled = await Promise.allSettled(answers);
    await honest;
    const seconds = (performance.now() - started) / 1000;
    // The honest presses read (and audit) their own deal; every other call during the storm was caused by a forger.
    const ownDeal = new RegExp(`(^|[^0-9])${own}([^0-9]|$)`);
    const others = env.bitrix.callLog.slice(firstCall).filter((c) => !ownDeal.test(JSON.stringify(c.params ?? {})));
    return {
      people: options.people, presses: answers.length, answered: settled.filter((s) => s.status === 'fulfilled').length,
      portalCalls: others.length, portalWrites: others.filter((c) => /\.(add|update|delete|set)$/.test(c.method)).length,
      honestMs, seconds,
    };
  } finally {
    await env.stop();
  }
}
