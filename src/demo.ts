import { createInterface } from 'node:readline';
import { DEMO } from '@dealpilot/sandbox/bitrix';
import { imbotOf } from '@dealpilot/sandbox/bitrix/imbot';
import { readRulesFile } from './config/load.js';
import { type SandboxEnvironment, startSandboxEnvironment } from './demo/environment.js';
import { createLogger } from './infra/log.js';
import { redisServerAvailable } from './infra/redis-server.js';
import { bbCodeToPlainText } from './messengers/bitrix24/render.js';
import { addDays, calendarDate, calendarDateAt, instantAt, isWorkingDay, parseHhmm } from './rules/time/index.js';

const HELP = `
Type a message and press Enter to send it as the current person. Commands:
  :people                 who is in the demo (Bitrix24 id → Telegram id, name)
  :as <bitrixUserId>      act as another person (e.g. :as 3 for the head of Moscow sales)
  :b24 / :tg              use Bitrix24 chat / Telegram as the current person (also their delivery channel)
  :contact                share the current person's phone ("Share my phone", Telegram)
  :press <messageId> <button text or callback data>
  :show                   the current person's chat, with buttons
  :lead <title>           a new lead arrives in the portal and is routed: rule, manager, why others were skipped
  :clock +3d              move the portal's (and the bot's) clock forward (+30m, +2h, +3d), then run the scans
  :jobs                   run every scan now (stuck deals and leads, payments, approvals, birthdays, routing)
  :app                    a browser link that opens the deal desk (My day, cards, search) as the current person
  :help                   this text
  :quit                   stop the demo
`;

/**
 * A browser link that opens the deal desk as this person: as Telegram would open the Mini App (launch data signed
 * by the sandbox's bot token) once they are linked, else as the Bitrix24 chat's single-use link would.
 */
async function deskLink(env: SandboxEnvironment, b24UserId: number): Promise<string> {
  const desk = env.app.desk;
  const base = desk?.url();
  if (!desk || !base) return '(the deal desk is not served: no http role)';
  // Signed at the demo's time: the bot's clock is the demo clock, which may run days ahead of the real one.
  if (await env.app.store.byBitrixUser(b24UserId)) return env.telegram.openWebApp(env.telegramUserFor(b24UserId), { url: base }, { authDate: env.bitrix.clock.now() });
  return `${base}#link=${await desk.linkToken(b24UserId)}`;
}

function banner(env: SandboxEnvironment): string {
  const port = env.app.httpPort;
  return [
    '',
    'DealPilot demo is running against local sandboxes (no portal or token needed).',
    `  Bot HTTP:          http://127.0.0.1:${port}/healthz  ·  /readyz`,
    `  Telegram sandbox:  ${env.telegram.apiRoot}  (control API: POST ${env.telegram.apiRoot}/sandbox/<action>)`,
    `  Bitrix24 sandbox:  ${env.bitrix.origin}  (demo company: ${env.bitrix.store.listUsers().length} users)`,
    `  Redis:             ${env.redisUrl}`,
    '',
    `You are ${personName(env, DEMO.users.moscowManagers[0]!)} (a sales manager). Try: /start, then :contact, then /help.`,
    HELP,
  ].join('\n');
}

function personName(env: SandboxEnvironment, b24UserId: number): string {
  const user = env.bitrix.store.getUser(b24UserId);
  return user ? `${String(user.NAME ?? '')} ${String(user.LAST_NAME ?? '')}`.trim() : `#${b24UserId}`;
}

/** Prints every new bot message to the terminal as it arrives, for every sandbox person. */
function followTranscripts(env: SandboxEnvironment, write: (line: string) => void): () => void {
  const seen = new Map<string, string>();
  const timer = setInterval(() => {
    for (const user of env.telegram.users()) {
      for (const entry of env.telegram.transcript(user.id)) {
        if (entry.direction !== 'bot' || entry.messageId === undefined) continue;
        const key = `${user.id}:${entry.messageId}`;
        const state = `${entry.text}|${entry.edited ?? 0}|${JSON.stringify(entry.replyMarkup ?? null)}`;
        if (seen.get(key) === state) continue;
        const edited = seen.has(key);
        seen.set(key, state);
        const buttons = (entry.replyMarkup && 'inline_keyboard' in entry.replyMarkup ? entry.replyMarkup.inline_keyboard : [])
          .map((row) => row.map((b) => `[${b.text}]`).join(' ')).join('\n    ');
        write(`\n📨 to ${user.firstName} (tg ${user.id}), message ${entry.messageId}${edited ? ' (edited)' : ''}:\n  ${entry.text.replace(/\n/g, '\n  ')}${buttons ? `\n    ${buttons}` : ''}\n`);
      }
    }
    const imbot = imbotOf(env.bitrix.store);
    if (imbot.allBots().length !== 1) return;
    for (const user of env.bitrix.store.listUsers()) {
      for (const entry of imbot.transcript(user.ID)) {
        if (entry.from !== 'bot') continue;
        const key = `b24:${user.ID}:${entry.messageId}`;
        const state = `${entry.text}|${entry.edits}|${JSON.stringify(entry.buttons)}`;
        if (seen.get(key) === state) continue;
        const edited = seen.has(key);
        seen.set(key, state);
        const buttons = entry.buttons.map((row) => row.map((b) => `[${b.text}]`).join(' ')).join('\n    ');
        const text = bbCodeToPlainText(entry.text);
        write(`\n💬 Bitrix24 chat to ${personName(env, user.ID)} (${user.ID}), message ${entry.messageId}${edited ? ' (edited)' : ''}:\n  ${text.replace(/\n/g, '\n  ')}${buttons ? `\n    ${buttons}` : ''}\n`);
      }
    }
  }, 250);
  return () => clearInterval(timer);
}

/** Demo time: when the newcomer's clock says the company is closed, the demo starts on the next working morning. */
export function demoStartAt(now: Date, hours: { start: string; end: string; days: readonly number[]; holidays: readonly string[] }, timezone: string): Date {
  const startMin = parseHhmm(hours.start);
  const endMin = parseHhmm(hours.end);
  const today = calendarDateAt(now, timezone);
  const calendar = { days: hours.days, holidays: hours.holidays };
  // Inside working hours with at least an hour left: keep the real time.
  if (isWorkingDay(today, calendar) && now >= instantAt(today, startMin, timezone) && now.getTime() <= instantAt(today, endMin - 60, timezone).getTime()) {
    return now;
  }
  // Otherwise an hour after opening on the next working day (today, if it has not opened yet).
  let day = now < instantAt(today, startMin, timezone) ? today : addDays(today, 1);
  while (!isWorkingDay(day, calendar)) day = addDays(day, 1);
  return instantAt(day, startMin + 60, timezone);
}

/** "2026-12-07 10:00" (or "2026-12-07T10:00") in `timezone`. */
export function parseDemoAt(text: string, timezone: string): Date | null {
  const m = /^(\d{4})-(\d{2})-(\d{2})[ T](\d{1,2}):(\d{2})$/.exec(text.trim());
  if (!m) return null;
  try {
    return instantAt(calendarDate(Number(m[1]), Number(m[2]), Number(m[3])), Number(m[4]) * 60 + Number(m[5]), timezone);
  } catch {
    return null;
  }
}

/** "+3d", "+2h", "+30m" → milliseconds (forward only). */
export function parseClockStep(text: string): number | null {
  const m = /^\+(\d{1,3})([mhd])$/.exec(text.trim());
  if (!m) return null;
  return Number(m[1]) * { m: 60_000, h: 3_600_000, d: 86_400_000 }[m[2] as 'm' | 'h' | 'd'];
}

function formatAt(date: Date, timezone: string): string {
  return new Intl.DateTimeFormat('ru-RU', { timeZone: timezone, weekday: 'short', day: '2-digit', month: '2-digit', hour: '2-digit', minute: '2-digit' }).format(date);
}

export interface DemoOptions {
  /** The real time the demo starts at (tests); the demo clock starts at demoStartAt(now) unless `at` is given. */
  now?: Date;
  at?: Date;
  httpPort?: number;
  redisUrl?: string;
  redisPrefix?: string;
  write?: (text: string) => void;
}

export interface Demo {
  env: SandboxEnvironment;
  /** Handles one line as typed into the demo's terminal; resolves when its immediate effect is done. */
  handle(line: string): Promise<void>;
  stop(): Promise<void>;
}

export async function startDemo(options: DemoOptions = {}): Promise<Demo> {
  const write = options.write ?? ((text: string) => process.stdout.write(text));
  const log = createLogger({ level: process.env.LOG_LEVEL ?? 'warn', format: process.env.LOG_FORMAT === 'json' ? 'json' : 'pretty' });
  const { rules } = readRulesFile(process.env.BOT_CONFIG ?? 'config/rules.example.yaml');
  const timezone = process.env.BOT_TIMEZONE ?? 'Europe/Moscow';
  const startAt = options.at ?? (rules ? demoStartAt(options.now ?? new Date(), rules.workingHours, timezone) : new Date());
  let envRef: SandboxEnvironment | undefined;
  const env = await startSandboxEnvironment({
    httpPort: options.httpPort ?? 3000,
    ...(options.redisUrl ? { redisUrl: options.redisUrl } : {}),
    redisPrefix: options.redisPrefix ?? 'dpdemo',
    log,
    bitrixChat: true,
    // A demo portal ten times faster than a real one (20 requests/s instead of 2), so the whole demo company's
    // nudges and chat messages appear in seconds; the product's own pacing is unchanged.
    bitrixRateLimit: { drainPerSecond: 20, burst: 200 },
    extraEnv: { B24_RATE_PER_SECOND: '20', B24_RATE_BURST: '200' },
    shareClock: true,
    startAt,
    onHeld: (held) => write(`\n⏸  held: "${held.kind}" for ${envRef ? personName(envRef, held.recipient) : held.recipient} until ${formatAt(held.until, held.timezone)} `
      + `(${held.timezone}) — ${held.reason === 'quiet_hours' ? 'their quiet hours' : 'their day off'}; /settings changes that\n`),
  });
  envRef = env;
  write(banner(env));
  write(`Deal desk as ${personName(env, DEMO.users.moscowManagers[0]!)}: ${await deskLink(env, DEMO.users.moscowManagers[0]!)}\n  (open it in a browser; :app prints a fresh one for whoever you are)\n`);
  write(`Demo time: ${formatAt(env.bitrix.clock.now(), timezone)} (${timezone})${startAt.getTime() !== (options.now ?? new Date()).getTime() && !options.at ? ' — the company is closed right now, so the demo starts on the next working morning' : ''}.\n`);
  const stopFollowing = followTranscripts(env, write);
  env.bitrix.setEventHandler(`http://127.0.0.1:${env.app.httpPort}/b24/events`, env.config.env.B24_APPLICATION_TOKEN);
  const caps = env.app.capabilities;

  let current: number = DEMO.users.moscowManagers[0]!;
  let inBitrix = false;
  const imbot = imbotOf(env.bitrix.store);

  /** Every scan; `timeDriven` leaves out routing the leads that wait (it does not depend on the clock). */
  async function runJobs(options: { timeDriven?: boolean } = {}): Promise<void> {
    const routed = options.timeDriven ? [] : await caps.leads.scanWaiting();
    const stuckLeads = await caps.leads.checkStuckLeads();
    const deals = await caps.deals.scan();
    const normalised = await caps.birthdays.runNormalisationScan();
    const reminders = await caps.birthdays.runReminders();
    write(`Scans done: ${routed.length} leads routed, ${stuckLeads.length} stuck leads escalated, ${deals.nudges} deal nudges, `
      + `${deals.escalations} escalations, ${deals.payments} payment follow-ups, ${deals.approvalsSent} approvals sent, `
      + `${JSON.stringify(normalised)} birthday fields checked, ${reminders.created} birthday deals opened.\n`);
  }

  async function routeNewLead(title: string): Promise<void> {
    const id = env.bitrix.store.addLead({ TITLE: title, STATUS_ID: 'NEW', ASSIGNED_BY_ID: DEMO.users.intake, SOURCE_ID: 'WEB' }, { silent: true });
    const result = await caps.leads.routeLead(id);
    write(`Lead ${id} «${title}» created in the portal.\n`);
    if (result.status === 'assigned' || result.status === 'manual') {
      const d = result.decision;
      const who = (uid: number) => `${personName(env, uid)} (${uid})`;
      if (d.kind === 'assign') write(`  → rule "${d.ruleName}": ${who(d.userId)} — ${d.reason}\n`);
      else write(`  → no one could take it${d.ruleName ? ` (rule "${d.ruleName}")` : ' (no rule matched)'}: the account manager ${who(d.to)} assigns it by hand — ${d.reason}\n`);
      for (const c of d.candidates) {
        const chosen = d.kind === 'assign' && c.id === d.userId;
        write(`     ${chosen ? '✓' : '·'} ${who(c.id)}: load ${c.load}${c.present ? '' : ', not at work'}${chosen ? ' — chosen' : c.present ? ' — higher load or later in turn' : ' — skipped'}\n`);
      }
    } else {
      write(`  → ${result.status}\n`);
    }
  }

  async function handle(raw: string): Promise<void> {
    const line = raw.trim();
    if (!line) return;
    const tg = env.telegramUserFor(current);
    if (line === ':help') return void write(HELP);
    if (line === ':people') {
      for (const user of env.telegram.users()) write(`  ${user.id - 100_000} → tg ${user.id}  ${user.firstName} ${user.lastName ?? ''}\n`);
      return;
    }
    if (line.startsWith(':as ')) {
      const id = Number(line.slice(4));
      if (!env.telegram.users().some((u) => u.id === env.telegramUserFor(id))) return void write(`No demo person with Bitrix24 id ${id}; see :people\n`);
      current = id;
      return void write(`You are now ${personName(env, id)} (Bitrix24 ${id}).\n`);
    }
    if (line === ':b24' || line === ':tg') {
      inBitrix = line === ':b24';
      await env.app.store.setPreferences(current, { channel: inBitrix ? 'bitrix24' : 'telegram' });
      return void write(inBitrix ? 'Now in Bitrix24 chat: no linking needed. Try /help, /report, /settings.\n' : 'Now in Telegram.\n');
    }
    if (line === ':contact') {
      env.telegram.sendContact(tg);
      // Once linked, show what the bot has for this person right away (the scheduled scans run every few minutes).
      const deadline = Date.now() + 10_000;
      while (!(await env.app.store.byBitrixUser(current)) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
      if (await env.app.store.byBitrixUser(current)) {
        const deals = await caps.deals.scan();
        write(`Deal scan: ${deals.nudges} nudges, ${deals.escalations} escalations, ${deals.payments} payment follow-ups, `
          + `${deals.approvalsSent} approvals sent (for the whole demo company; yours arrive in Telegram).\n`);
      }
      return;
    }
    if (line === ':jobs') return runJobs();
    if (line === ':app') return void write(`Deal desk as ${personName(env, current)}: ${await deskLink(env, current)}\n`);
    if (line.startsWith(':clock')) {
      const step = parseClockStep(line.slice(6));
      if (step === null) return void write('Usage: :clock +30m | +2h | +3d\n');
      env.bitrix.clock.advance(step);
      write(`Demo time: ${formatAt(env.bitrix.clock.now(), timezone)} (${timezone}).\n`);
      // Held messages wait on BullMQ's real-time delays: look at them again now (the worker holds them once more
      // if the recipient's window is still closed at the new demo time).
      const delayed = await env.app.outbox.queue.getDelayed();
      await Promise.all(delayed.map((job) => job.promote().catch(() => undefined)));
      if (delayed.length > 0) write(`${delayed.length} waiting messages checked again at the new time.\n`);
      return runJobs({ timeDriven: true });
    }
    if (line === ':show') {
      if (!inBitrix) return void write(`${env.telegram.formatTranscript(tg)}\n`);
      for (const entry of imbot.transcript(current)) write(`${entry.from === 'bot' ? '🤖' : '🙂'} ${entry.messageId}: ${bbCodeToPlainText(entry.text)}\n`);
      return;
    }
    if (line.startsWith(':press ')) {
      const [, messageId, ...rest] = line.split(' ');
      if (inBitrix) imbot.pressButton(current, Number(messageId), rest.join(' '));
      else env.telegram.pressButton(tg, Number(messageId), rest.join(' '));
      return;
    }
    if (line.startsWith(':lead ')) return routeNewLead(line.slice(6));
    if (line.startsWith(':')) return void write(`Unknown demo command. ${HELP}`);
    if (inBitrix) imbot.personWrites(current, line);
    else if (line.startsWith('/')) env.telegram.sendCommand(tg, line);
    else env.telegram.sendText(tg, line);
  }

  return {
    env,
    handle: (line) => handle(line).catch((error: unknown) => write(`⚠ ${error instanceof Error ? error.message : String(error)}\n`)),
    async stop() {
      stopFollowing();
      await env.stop();
    },
  };
}

export async function runDemo(args: readonly string[] = []): Promise<void> {
  if (!process.env.REDIS_URL && !redisServerAvailable()) {
    process.stderr.write('The demo needs Redis: install redis-server (Debian/Ubuntu: sudo apt-get install redis-server), ' +
      'or start one with `docker compose up -d redis` and set REDIS_URL=redis://127.0.0.1:6379.\n');
    process.exitCode = 1;
    return;
  }
  const atIndex = args.indexOf('--at');
  let at: Date | undefined;
  if (atIndex >= 0) {
    const parsed = parseDemoAt(args[atIndex + 1] ?? '', process.env.BOT_TIMEZONE ?? 'Europe/Moscow');
    if (!parsed) {
      process.stderr.write('--at expects a local date and time, e.g. --at "2026-12-07 10:00"\n');
      process.exitCode = 2;
      return;
    }
    at = parsed;
  }
  const demo = await startDemo({
    httpPort: Number(process.env.HTTP_PORT ?? 3000),
    ...(process.env.REDIS_URL ? { redisUrl: process.env.REDIS_URL } : {}),
    ...(process.env.REDIS_PREFIX ? { redisPrefix: process.env.REDIS_PREFIX } : {}),
    ...(at ? { at } : {}),
  });
  let stopping = false;
  const stop = async () => {
    if (stopping) process.exit(130);
    stopping = true;
    process.stdout.write('\nStopping the demo…\n');
    await demo.stop();
    process.exit(0);
  };
  process.on('SIGINT', () => void stop());
  process.on('SIGTERM', () => void stop());
  if (!process.stdin.isTTY) {
    // Non-interactive (CI, a pipe): show the first steps by themselves, then keep running until stopped.
    await demo.handle('/start');
  }
  const rl = createInterface({ input: process.stdin, terminal: false });
  rl.on('line', (line) => {
    if (line.trim() === ':quit') return void stop();
    void demo.handle(line);
  });
}
