import { createInterface } from 'node:readline';
import { createLogger } from './log.js';
import { redisServerAvailable } from './infra/redis-server.js';
import { DEMO } from './sandbox/bitrix/index.js';
import { bbCodeToPlainText } from './chat/bitrix24-render.js';
import { imbotOf } from './sandbox/bitrix/imbot.js';
import { startSandboxEnvironment, type SandboxEnvironment } from './sandbox/environment.js';

const HELP = `
Type a message and press Enter to send it as the current person. Commands:
  :people                 who is in the demo (Bitrix24 id → Telegram id, name)
  :as <bitrixUserId>      act as another person (e.g. :as 3 for the head of Moscow sales)
  :b24 / :tg              use Bitrix24 chat / Telegram as the current person (also their delivery channel)
  :contact                share the current person's phone ("Share my phone", Telegram)
  :press <messageId> <button text or callback data>
  :show                   the current person's chat, with buttons
  :lead <title>           a new lead arrives in the portal (as from a web form)
  :help                   this text
  :quit                   stop the demo
`;

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

export async function runDemo(): Promise<void> {
  if (!process.env.REDIS_URL && !redisServerAvailable()) {
    process.stderr.write('The demo needs Redis: install redis-server (Debian/Ubuntu: sudo apt-get install redis-server), ' +
      'or start one with `docker compose up -d redis` and set REDIS_URL=redis://127.0.0.1:6379.\n');
    process.exitCode = 1;
    return;
  }
  // The demo is read by a person: readable lines unless LOG_FORMAT=json asks otherwise.
  const log = createLogger({ level: process.env.LOG_LEVEL ?? 'warn', format: process.env.LOG_FORMAT === 'json' ? 'json' : 'pretty' });
  const env = await startSandboxEnvironment({
    httpPort: Number(process.env.HTTP_PORT ?? 3000),
    ...(process.env.REDIS_URL ? { redisUrl: process.env.REDIS_URL } : {}),
    redisPrefix: process.env.REDIS_PREFIX ?? 'dpdemo',
    log,
    bitrixChat: true,
  });
  const write = (text: string) => process.stdout.write(text);
  write(banner(env));
  const stopFollowing = followTranscripts(env, write);
  env.bitrix.setEventHandler(`http://127.0.0.1:${env.app.httpPort}/b24/events`, env.config.env.B24_APPLICATION_TOKEN);

  let current: number = DEMO.users.moscowManagers[0]!;
  let inBitrix = false;
  const imbot = imbotOf(env.bitrix.store);
  let stopping = false;
  const stop = async () => {
    if (stopping) process.exit(130);
    stopping = true;
    stopFollowing();
    write('\nStopping the demo…\n');
    await env.stop();
    process.exit(0);
  };
  process.on('SIGINT', () => void stop());
  process.on('SIGTERM', () => void stop());

  if (!process.stdin.isTTY) {
    // Non-interactive (CI, a pipe): show the first steps by themselves, then keep running until stopped.
    const tg = env.telegramUserFor(current);
    env.telegram.sendCommand(tg, '/start');
    await env.telegram.waitForMessage(tg, { textIncludes: 'DealPilot' }, 10_000).catch(() => undefined);
  }
  const rl = createInterface({ input: process.stdin, terminal: false });
  rl.on('line', (raw) => {
    const line = raw.trim();
    if (!line) return;
    const tg = env.telegramUserFor(current);
    try {
      if (line === ':quit') return void stop();
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
        void env.app.store.setPreferences(current, { channel: inBitrix ? 'bitrix24' : 'telegram' });
        return void write(inBitrix
          ? 'Now in Bitrix24 chat: no linking needed. Try /help, /report, /settings.\n'
          : 'Now in Telegram.\n');
      }
      if (line === ':contact') return void env.telegram.sendContact(tg);
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
      if (line.startsWith(':lead ')) {
        const id = env.bitrix.store.addLead({ TITLE: line.slice(6), STATUS_ID: 'NEW', ASSIGNED_BY_ID: DEMO.users.intake, SOURCE_ID: 'WEB' });
        return void write(`Lead ${id} created in the portal.\n`);
      }
      if (line.startsWith(':')) return void write(`Unknown demo command. ${HELP}`);
      if (inBitrix) imbot.personWrites(current, line);
      else env.telegram.sendText(tg, line);
    } catch (error) {
      write(`⚠ ${error instanceof Error ? error.message : String(error)}\n`);
    }
  });
}
