/**
 * Storm: the portal errs before acting on 30 % of calls and loses the answer after acting on 10 % (a proxy's 504),
 * while new leads are routed (owner, task, audit comment, message), managers move deals (stage, audit comment) and
 * birthday deals are opened. The scans and presses keep coming as they would in production (a scan every few
 * seconds here, a manager pressing again when a press failed). Then the faults stop.
 * Goal: every step done, no write made twice (counted at the sandbox portal per kind, by DealPilot's markers).
 */
import { DEMO } from '@dealpilot/sandbox/bitrix/demo-ids';
import { type SandboxEnvironment, startSandboxEnvironment } from '../../src/demo/environment.js';
import { percentile } from '../support/stats.js';

export interface PortalFaultsResult {
  triggers: number;
  done: number;
  duplicates: { comments: number; tasks: number; deals: number };
  /** From the faults stopping to each trigger's last step, ms. */
  completionP99Ms: number;
  completionMaxMs: number;
  faultedCalls: number;
  seconds: number;
}

const MANAGER = DEMO.users.moscowManagers[0]!;
const MARKER = /(?:^|\n)(dp:[0-9a-f]{12})\s*$/;

function duplicatesBy<T>(items: readonly T[], key: (item: T) => string | null): number {
  const seen = new Map<string, number>();
  for (const item of items) {
    const k = key(item);
    if (k) seen.set(k, (seen.get(k) ?? 0) + 1);
  }
  return [...seen.values()].reduce((sum, n) => sum + Math.max(0, n - 1), 0);
}

export async function runPortalFaults(options: { leads: number; handLeads?: number; moves: number; approvals?: number; birthdays: number; faultSeconds: number; redisUrl?: string; redisPrefix?: string }): Promise<PortalFaultsResult> {
  const env: SandboxEnvironment = await startSandboxEnvironment({
    ...(options.redisUrl ? { redisUrl: options.redisUrl } : {}), ...(options.redisPrefix ? { redisPrefix: options.redisPrefix } : {}),
    telegramLimits: { perChatIntervalMs: 0, globalPerSecond: 100_000 }, bitrixRateLimit: { enabled: false },
    extraEnv: { B24_RATE_PER_SECOND: '1000', B24_RATE_BURST: '1000', LOG_LEVEL: 'silent' }, logLevel: 'silent', scheduleQueues: () => false,
  });
  try {
    const store = env.bitrix.store;
    for (const d of store.listDeals()) if (d.STAGE_SEMANTIC_ID === 'P') store.moveDealStage(Number(d.ID), d.CATEGORY_ID === 0 ? 'WON' : `C${d.CATEGORY_ID}:WON`, { silent: true });
    for (const l of store.listLeads()) if (Number(l.ASSIGNED_BY_ID) === DEMO.users.intake) store.updateLead(Number(l.ID), { ASSIGNED_BY_ID: DEMO.users.salesDirector }, { silent: true });
    for (const c of store.listContacts()) store.updateContact(Number(c.ID), { UF_CRM_CHILD_BIRTHDAY: '', UF_CRM_CHILD_BIRTHDAY_TEXT: '' }, { silent: true });
    for (const user of env.telegram.users()) {
      const b24 = user.id - 100_000;
      await env.app.store.link(b24, user.id, String(user.id));
      await env.app.store.setPreferences(b24, { quietStart: '00:00', quietEnd: '00:00', weekendsOff: false });
    }
    const tg = env.telegramUserFor(MANAGER);
    const anchorOf = async (b24: number) => {
      const chat = env.telegramUserFor(b24);
      env.telegram.sendCommand(chat, '/help');
      return (await env.telegram.waitForMessage(chat, { textIncludes: '/help' }, 10_000)).messageId!;
    };
    const anchor = await anchorOf(MANAGER);
    const am = env.telegramUserFor(DEMO.users.accountManager);
    const amAnchor = await anchorOf(DEMO.users.accountManager);
    const head = env.telegramUserFor(DEMO.users.moscowHead);
    const headAnchor = await anchorOf(DEMO.users.moscowHead);

    const leads = Array.from({ length: options.leads }, (_, i) => store.addLead({
      TITLE: `Нужен кабель ВВГ, партия ${i}`, SOURCE_ID: 'WEB', STATUS_ID: 'NEW', ASSIGNED_BY_ID: DEMO.users.intake, NAME: 'Олег',
    }, { silent: true }));
    const deals = Array.from({ length: options.moves }, (_, i) => store.addDeal({
      TITLE: `Storm deal ${i}`, CATEGORY_ID: 0, STAGE_ID: 'NEW', ASSIGNED_BY_ID: MANAGER, OPPORTUNITY: 1000, CURRENCY_ID: 'RUB',
      MOVED_TIME: new Date(Date.now() - 86_400_000).toISOString(),
    }, { allowReadOnly: true, silent: true }));
    // No rule places these: the account manager assigns each by hand to a Moscow manager.
    const handLeads = Array.from({ length: options.handLeads ?? 0 }, (_, i) => store.addLead({
      TITLE: `Уточнить сроки ${i}`, SOURCE_ID: 'CALL', STATUS_ID: 'NEW', ASSIGNED_BY_ID: DEMO.users.intake, UF_CRM_REQUEST_TYPE: 'question', NAME: 'Ирина',
    }, { silent: true }));
    const HAND_TO = 11;
    // Contracts waiting for approval: the head approves each (the round is sent by the approval check).
    const contracts = Array.from({ length: options.approvals ?? 0 }, (_, i) => store.addDeal({
      TITLE: `Storm contract ${i}`, CATEGORY_ID: 0, STAGE_ID: 'UC_CONTRACT', ASSIGNED_BY_ID: MANAGER, OPPORTUNITY: 5000, CURRENCY_ID: 'RUB',
      UF_CRM_SERVICE_TYPE: 'Монтаж', MOVED_TIME: new Date(Date.now() - 3_600_000).toISOString(),
    }, { allowReadOnly: true, silent: true }));
    const due = store.time.dateOf(store.clock.nowMs() + 28 * 86_400_000);
    const contacts = Array.from({ length: options.birthdays }, (_, i) => store.addContact({
      NAME: `Ребёнок ${i}`, ASSIGNED_BY_ID: MANAGER, UF_CRM_CHILD_BIRTHDAY: `2019${due.slice(4)}`,
    }, { silent: true }));

    const caps = env.app.capabilities;
    const leadDone = (id: number) => {
      const lead = store.getLead(id)!;
      const owner = Number(lead.ASSIGNED_BY_ID);
      return owner !== DEMO.users.intake && store.listTasks().some((t) => t.ufCrmTask.includes(`L_${id}`))
        && store.listTimelineComments({ entityType: 'lead', entityId: id }).length > 0;
    };
    const dealDone = (id: number) => store.getDeal(id)!.STAGE_ID === 'PREPARATION'
      && store.listTimelineComments({ entityType: 'deal', entityId: id }).some((c) => c.COMMENT.includes('→'));
    const birthdayDone = (id: number) => store.listDeals().some((d) => Number(d.CONTACT_ID) === id && Number(d.CATEGORY_ID) === DEMO.pipelines.holidays);
    const handDone = (id: number) => Number(store.getLead(id)!.ASSIGNED_BY_ID) === HAND_TO
      && store.listTasks().some((t) => t.ufCrmTask.includes(`L_${id}`) && t.responsibleId === HAND_TO)
      && store.listTimelineComments({ entityType: 'lead', entityId: id }).some((c) => c.COMMENT.includes('вручную'));
    const approvedDone = (id: number) => store.getDeal(id)!.STAGE_ID === 'PREPAYMENT_INVOICE'
      && store.listTimelineComments({ entityType: 'deal', entityId: id }).length > 0;
    const triggers = [...leads.map((id) => () => leadDone(id)), ...handLeads.map((id) => () => handDone(id)), ...deals.map((id) => () => dealDone(id)),
      ...contracts.map((id) => () => approvedDone(id)), ...contacts.map((id) => () => birthdayDone(id))];

    // What production keeps doing: scans on their schedule, managers pressing again when nothing happened.
    const round = async () => {
      await caps.leads.scanWaiting().catch(() => undefined);
      await caps.leads.sweepFollowUps().catch(() => undefined);
      await caps.birthdays.runReminders().catch(() => undefined);
      await Promise.all(deals.filter((id) => store.getDeal(id)!.STAGE_ID === 'NEW').map((id) =>
        env.telegram.waitForCallbackAnswer(env.pressPayload(tg, anchor, `1|dm|${id}|PREPARATION`), 20_000).catch(() => undefined)));
      // The account manager assigns what waits for them (a lead the scan handed over), pressing again if nothing happened.
      await Promise.all(handLeads.filter((id) => Number(store.getLead(id)!.ASSIGNED_BY_ID) === DEMO.users.accountManager).map((id) =>
        env.telegram.waitForCallbackAnswer(env.pressPayload(am, amAnchor, `1|la|${id}|${HAND_TO}`), 20_000).catch(() => undefined)));
      // Approval rounds are requested by the check job (as a deal event would), then approved by the head.
      for (const id of contracts.filter((c) => store.getDeal(c)!.STAGE_ID === 'UC_CONTRACT')) {
        const approval = await caps.deals.state.approval(id);
        if (!approval) await env.app.jobs.add('deals', 'approval-check', { dealId: id });
        else if (approval.status === 'pending') {
          await env.telegram.waitForCallbackAnswer(env.pressPayload(head, headAnchor, `1|dy|${id}|${approval.round}`), 20_000).catch(() => undefined);
        }
      }
    };

    const started = performance.now();
    const callsBefore = env.bitrix.callLog.length;
    env.bitrix.faults.setFailureRates({ status500: 0.3, lostAnswer: 0.1, lostAnswerMode: '504' });
    while (performance.now() - started < options.faultSeconds * 1000) {
      await round();
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
    env.bitrix.faults.setFailureRates({});
    const faultedCalls = env.bitrix.callLog.slice(callsBefore).filter((c) => c.status !== 200).length;
    const stopped = performance.now();
    const doneAt = new Map<number, number>();
    while (doneAt.size < triggers.length && performance.now() - stopped < 180_000) {
      triggers.forEach((isDone, i) => { if (!doneAt.has(i) && isDone()) doneAt.set(i, performance.now() - stopped); });
      if (doneAt.size === triggers.length) break;
      await round();
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
    const times = [...doneAt.values()].sort((a, b) => a - b);
    const markerOf = (text: string) => MARKER.exec(text)?.[1] ?? null;
    const comments = ['lead', 'deal', 'contact'].flatMap((type) => store.listTimelineComments({ entityType: type }));
    return {
      triggers: triggers.length, done: doneAt.size,
      duplicates: {
        comments: duplicatesBy(comments, (c) => { const m = markerOf(c.COMMENT); return m ? `${c.ENTITY_TYPE}:${c.ENTITY_ID}:${m}` : null; }),
        tasks: duplicatesBy(store.listTasks(), (t) => markerOf(t.description)),
        deals: duplicatesBy(store.listDeals().filter((d) => d.ORIGINATOR_ID === 'dealpilot'), (d) => String(d.ORIGIN_ID ?? '') || null),
      },
      completionP99Ms: percentile(times, 99), completionMaxMs: times.at(-1) ?? 0,
      faultedCalls, seconds: (performance.now() - started) / 1000,
    };
  } finally {
    await env.stop();
  }
}
