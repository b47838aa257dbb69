/**
 * Helpers the lead, birthday and report scenarios share beyond test/scenarios/environment.ts.
 */

import { DEMO } from '@dealpilot/sandbox/bitrix/demo-ids';
import { imbotOf } from '@dealpilot/sandbox/bitrix/imbot';
import { isWriteMethod } from '@dealpilot/sandbox/bitrix/methods';
import type { SandboxEnvironment } from '../../src/demo/environment.js';
import { B24_EVENTS_PATH } from '../../src/http/b24-events.js';
import { DAY, settle } from './environment.js';
import type { MessengerName } from './messengers.js';

/** The portal posts its CRM events (ONCRMLEADADD, ONCRMCONTACTUPDATE…) to the app, as a configured portal does. */
export function sendPortalEvents(env: SandboxEnvironment): void {
  env.bitrix.setEventHandler(`http://127.0.0.1:${env.app.httpPort}${B24_EVENTS_PATH}`, env.config.env.B24_APPLICATION_TOKEN);
}

/** A new lead waiting in the intake, from a caller Oleg Orlov, with the fields the routing rules read. */
export function leadFields(lead: { title: string; source: string; type: string; comments?: string; region?: string }): Record<string, unknown> {
  return {
    TITLE: lead.title, COMMENTS: lead.comments ?? '', SOURCE_ID: lead.source, STATUS_ID: 'NEW', ASSIGNED_BY_ID: DEMO.users.intake,
    UF_CRM_REQUEST_TYPE: lead.type, UF_CRM_REGION: lead.region ?? '', NAME: 'Олег', LAST_NAME: 'Орлов',
    PHONE: [{ VALUE: '+7 916 000-00-01', VALUE_TYPE: 'WORK' }],
  };
}

/** Runs `act` with these people on vacation in the portal (so routing passes them over), then brings them back. */
export async function absentWhile<T>(env: SandboxEnvironment, people: number[], act: () => Promise<T>): Promise<T> {
  const until = env.bitrix.store.time.dateOf(env.bitrix.store.clock.nowMs() + 5 * DAY);
  for (const id of people) env.bitrix.store.setPresence(id, { absentUntil: until });
  try {
    return await act();
  } finally {
    for (const id of people) env.bitrix.store.setPresence(id, { absentUntil: null });
  }
}

/**
 * Writes to the CRM (crm.*, tasks.*) the portal has answered so far. `env.bitrix.writeCalls()` also counts the
 * Bitrix24 chat's own writes (imbot.v2 messages), which every answer in that messenger makes.
 */
export function crmWrites(env: SandboxEnvironment): number {
  return env.bitrix.callLog.filter((c) => isWriteMethod(c.method) && /^(crm|tasks)\./.test(c.method)).length;
}

/**
 * Writes a text the bot may leave unanswered, and resolves once the bot had the chance to handle it.
 * (`MessengerDriver.write` waits for an answer; Telegram answers nothing to a text it was not waiting for.)
 */
export async function writeUnanswered(env: SandboxEnvironment, messenger: MessengerName, b24UserId: number, text: string): Promise<void> {
  if (messenger === 'telegram') {
    env.telegram.sendText(env.telegramUserFor(b24UserId), text);
    // Long polling hands the update over within a poll; no answer marks the end, so give it time.
    await settle();
    return;
  }
  const imbot = imbotOf(env.bitrix.store);
  imbot.personWrites(b24UserId, text);
  // As the driver does: a pushed event is handled once posted and settled; a fetched one by a poll.
  const pushed = env.app.bitrixBotEvents;
  if (pushed) {
    await imbot.flushWebhooks();
    await pushed.settled();
  } else {
    await env.app.bitrixChat!.poll({ wait: true });
  }
}

interface NewPerson { ID: number; NAME: string; LAST_NAME: string }

/**
 * A department with its head and members, added to the running portal (users get a Telegram account too, so
 * either messenger can enrol them). The app's directory is refreshed, as after its periodic re-read.
 */
export async function addTeam(env: SandboxEnvironment, team: {
  department: { ID: number; NAME: string; PARENT: number }; head: NewPerson; members: NewPerson[];
}): Promise<void> {
  const store = env.bitrix.store;
  store.addDepartment({ ...team.department, UF_HEAD: team.head.ID });
  for (const person of [team.head, ...team.members]) {
    store.addUser({ ...person, ACTIVE: true, UF_DEPARTMENT: [team.department.ID] });
    env.telegram.addUser({ id: env.telegramUserFor(person.ID), firstName: person.NAME, lastName: person.LAST_NAME, languageCode: 'ru' });
  }
  env.app.directory.invalidate();
  await env.app.crm.getUsers({ refresh: true });
  await env.app.crm.getDepartments({ refresh: true });
}

/**
 * An entity's audit comments as people read them: each must end with its once-marker line (`dp:<12 hex>`, how
 * a retry finds it instead of writing it twice), which is stripped here.
 */
export function auditComments(env: SandboxEnvironment, entityType: 'lead' | 'deal' | 'contact', entityId: number): string[] {
  return env.bitrix.store.listTimelineComments({ entityType, entityId }).map((c) => {
    const match = /\ndp:[0-9a-f]{12}$/.exec(c.COMMENT);
    if (!match) throw new Error(`audit comment ${c.ID} has no once-marker: ${c.COMMENT}`);
    return c.COMMENT.slice(0, match.index);
  });
}
