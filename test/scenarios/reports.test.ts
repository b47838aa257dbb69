import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Scenario, startScenario } from './environment.js';
import { MESSENGERS, type SeenMessage } from './messengers.js';
import { addTeam, crmWrites } from './support-extra.js';

/*
 * A department of its own added to the demo portal ("Отдел сценариев", head HEAD, managers FIRST and SECOND),
 * so the figures below come only from what this file writes today:
 *   FIRST:  a 120 000 ₽ deal NEW → PREPARATION (forward); a 30 000 ₽ deal lost as "Цена";
 *   SECOND: a 450 000 ₽ deal NEW → UC_CONTRACT (forward); one new lead.
 */
const HEAD = 601;
const FIRST = 602;
const SECOND = 603;

// Bitrix24 chat runs twice: events pulled by the poll job, and pushed by the portal (push mode).
describe.each([...MESSENGERS, 'bitrix24-push'] as const)('/report in %s', (messenger) => {
  let s: Scenario;
  beforeAll(async () => {
    s = await startScenario(messenger, 'scr', []);
    await addTeam(s.env, {
      department: { ID: 61, NAME: 'Отдел сценариев', PARENT: 1 },
      head: { ID: HEAD, NAME: 'Нина', LAST_NAME: 'Старшая' },
      members: [{ ID: FIRST, NAME: 'Пётр', LAST_NAME: 'Первый' }, { ID: SECOND, NAME: 'Вера', LAST_NAME: 'Вторая' }],
    });
    for (const person of [HEAD, FIRST, SECOND]) await s.chat.enrol(person);

    const store = s.env.bitrix.store;
    const write = { allowReadOnly: true, silent: true };
    const deal = (assignedTo: number, stageId: string, opportunity: number) => store.addDeal({
      TITLE: `Сделка ${opportunity}`, CATEGORY_ID: 0, STAGE_ID: stageId, ASSIGNED_BY_ID: assignedTo, OPPORTUNITY: opportunity, CURRENCY_ID: 'RUB',
    }, { ...write, byUserId: assignedTo });
    store.moveDealStage(deal(FIRST, 'NEW', 120_000), 'PREPARATION', write);
    store.updateDeal(deal(FIRST, 'PREPARATION', 30_000), { STAGE_ID: 'LOSE', UF_CRM_REJECT_STATUS: 'price' }, write);
    store.moveDealStage(deal(SECOND, 'NEW', 450_000), 'UC_CONTRACT', write);
    store.addLead({ TITLE: 'Лид сценария', STATUS_ID: 'NEW', ASSIGNED_BY_ID: SECOND }, { ...write, byUserId: SECOND });
  });
  afterAll(() => s?.env.stop());

  /** The report's text from its first message after `afterId` on (a long report is split into several). */
  const reportAfter = async (person: number, afterId: number): Promise<string> => {
    const first = await s.chat.waitFor(person, (m) => m.messageId > afterId && m.text.startsWith('Отчёт за'));
    // The period buttons sit under the last part: once they are there, the whole report has arrived.
    await s.chat.waitFor(person, (m) => m.messageId >= first.messageId && m.buttons.includes('Неделя'));
    return s.chat.botMessages(person).filter((m) => m.messageId >= first.messageId).map((m) => m.text).join('\n');
  };
  const lastMessage = (person: number): SeenMessage => s.chat.botMessages(person).at(-1)!;

  it('a manager\'s /report shows their own row only; a period button shows another day; nothing is written to Bitrix24', async () => {
    const { env, chat } = s;
    const writes = crmWrites(env);
    await chat.write(FIRST, '/report');
    const today = await reportAfter(FIRST, 0);
    expect(today.split('\n')[0]).toBe(`Отчёт за ${dayLabel(0)}`);
    expect(block(today, 'Пётр Первый')).toEqual([
      'Пётр Первый', 'Вперёд 1 120 000 ₽', 'Без движения 0', 'Проиграны 1 30 000 ₽', '1 × Цена', 'Новые лиды 0', 'Конвертированы 0', 'Просрочки 0',
    ]);
    expect(today).not.toContain('Вера Вторая');
    expect(today).not.toContain('Нина Старшая');
    expect(today).not.toContain('450 000');
    expect(lastMessage(FIRST).buttons).toEqual(['Сегодня', 'Вчера', 'Неделя', 'Месяц']);

    const before = lastMessage(FIRST).messageId;
    await chat.press(FIRST, lastMessage(FIRST), 'Вчера');
    const yesterday = await reportAfter(FIRST, before);
    expect(yesterday.split('\n')[0]).toBe(`Отчёт за ${dayLabel(-1)}`);
    // Nothing moved yesterday (the deals were moved today).
    const row = block(yesterday, 'Пётр Первый');
    expect(row).toContain('Вперёд 0');
    expect(row).toContain('Проиграны 0');
    // The deals were created today: yesterday they did not exist, so they are not "without movement" then.
    expect(row).toContain('Без движения 0');
    expect(yesterday).not.toContain('Вера Вторая');
    expect(crmWrites(env)).toBe(writes);
  });

  it('a supervisor\'s /report shows every row of the department and its totals; the week button keeps the scope', async () => {
    const { chat } = s;
    await chat.write(HEAD, '/report');
    const today = await reportAfter(HEAD, 0);
    // The reader first, then by name.
    expect(names(today)).toEqual(['Нина Старшая', 'Вера Вторая', 'Пётр Первый', 'ИТОГО']);
    expect(block(today, 'Вера Вторая')).toEqual([
      'Вера Вторая', 'Вперёд 1 450 000 ₽', 'Без движения 0', 'Проиграны 0', 'Новые лиды 1', 'Конвертированы 0', 'Просрочки 0',
    ]);
    expect(block(today, 'Пётр Первый')).toContain('Вперёд 1 120 000 ₽');
    expect(block(today, 'ИТОГО')).toEqual([
      'ИТОГО', 'Вперёд 2 570 000 ₽', 'Без движения 0', 'Проиграны 1 30 000 ₽', '1 × Цена', 'Новые лиды 1', 'Конвертированы 0', 'Просрочки 0',
    ]);
    // No demo manager is in the supervisor's scope.
    expect(today).not.toContain('Сергей Петров');

    const before = lastMessage(HEAD).messageId;
    await chat.press(HEAD, lastMessage(HEAD), 'Неделя');
    const week = await reportAfter(HEAD, before);
    expect(week.split('\n')[0]).toBe(`Отчёт за ${weekLabel()}`);
    expect(names(week)).toEqual(['Нина Старшая', 'Вера Вторая', 'Пётр Первый', 'ИТОГО']);
    expect(block(week, 'ИТОГО')).toEqual(block(today, 'ИТОГО'));
  });
});

/** The lines of the report block that starts with `title` (up to the next blank line), spaces collapsed. */
function block(report: string, title: string): string[] {
  const lines = report.split('\n').map((l) => l.replace(/\s+/gu, ' ').trim());
  const start = lines.indexOf(title);
  if (start < 0) throw new Error(`no block "${title}" in:\n${report}`);
  const end = lines.indexOf('', start);
  return lines.slice(start, end < 0 ? undefined : end);
}

/** Titles of the manager blocks and the totals, in order (the line after each blank line, up to "ВОРОНКИ"). */
function names(report: string): string[] {
  const lines = report.split('\n').map((l) => l.trim());
  const managers = lines.slice(lines.indexOf('МЕНЕДЖЕРЫ') + 1, lines.indexOf('ВОРОНКИ'));
  return managers.filter((_line, i) => i === 0 || managers[i - 1] === '').filter((line) => line !== '');
}

const MOSCOW_DAY_MS = 86_400_000;
/** Today's calendar date in Moscow (the portal's zone) as a UTC midnight, plus `offsetDays`. */
function moscowDay(offsetDays: number): Date {
  const iso = new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/Moscow' }).format(new Date());
  return new Date(Date.parse(`${iso}T00:00:00Z`) + offsetDays * MOSCOW_DAY_MS);
}
const ddmmyyyy = (d: Date) => `${String(d.getUTCDate()).padStart(2, '0')}.${String(d.getUTCMonth() + 1).padStart(2, '0')}.${d.getUTCFullYear()}`;
const dayLabel = (offsetDays: number) => ddmmyyyy(moscowDay(offsetDays));
/** Monday to Sunday of the current week. */
function weekLabel(): string {
  const sinceMonday = (moscowDay(0).getUTCDay() + 6) % 7;
  return `${dayLabel(-sinceMonday)}–${dayLabel(6 - sinceMonday)}`;
}
