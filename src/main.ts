#!/usr/bin/env node
import type { Role } from './app.js';
import { ConfigError, formatProblems, loadConfig, parseEnv, readRulesFile } from './config/load.js';
import { createLogger, resolveLogFormat } from './infra/log.js';
import { maskSecrets } from './infra/secrets.js';
import { transitionWarnings } from './rules/deals/index.js';

const USAGE = `Usage: dealpilot <command>

Commands:
  start                 bot + workers + HTTP in one process (default)
  bot                   only the Telegram bot and HTTP endpoints
  worker                only background workers (run several on one Redis to scale out)
  demo                  run everything against local sandboxes (no portal or token needed)
  check-config [file]   validate the environment and the rules file, then exit
  b24-register          register the bot in Bitrix24 chat (imbot.v2); running it again finds the same bot
  link-code <bitrixUserId> [--notify]
                        print a single-use invitation link (15 min) that links a Telegram account to
                        that Bitrix24 user; --notify also sends it as a Bitrix24 notification
  help                  this text
`;

const ROLES: Record<string, Role[]> = {
  start: ['bot', 'worker', 'http'],
  bot: ['bot', 'http'],
  worker: ['worker', 'http'],
};

/**
 * The demo runs on the sandboxes (the @dealpilot/sandbox workspace package), which a production install — the
 * Docker image, `npm ci --omit=dev`, the published package — does not carry. The specifier is a variable so the
 * production build does not compile the demo in.
 */
async function loadDemo(): Promise<{ runDemo(argv: string[]): Promise<void> } | null> {
  const demoModule = './demo.js';
  try {
    return (await import(demoModule)) as { runDemo(argv: string[]): Promise<void> };
  } catch (error) {
    const code = (error as { code?: string }).code;
    if (code !== 'ERR_MODULE_NOT_FOUND') throw error;
    process.stderr.write('dealpilot demo needs the sandboxes, which a production install leaves out. From a checkout:\n'
      + '  git clone <this repository> && cd dealpilot && npm ci && npm run demo\n');
    return null;
  }
}

function checkConfig(file: string | undefined): number {
  const { problems: envProblems } = parseEnv(process.env);
  const path = file ?? process.env.BOT_CONFIG ?? 'config/rules.example.yaml';
  const { rules, problems: ruleProblems } = readRulesFile(path);
  const problems = [...envProblems, ...ruleProblems];
  if (problems.length > 0 || !rules) {
    process.stderr.write(`${formatProblems(problems)}\n`);
    return 1;
  }
  for (const warning of transitionWarnings(rules.pipelines)) process.stderr.write(`warning: ${path}:${warning.path}: ${warning.message}\n`);
  process.stdout.write(`${path}: OK (${rules.pipelines.length} pipelines, ${rules.routing.rules.length} routing rules)\n`);
  return 0;
}

async function runRoles(roles: Role[]): Promise<void> {
  const config = loadConfig(process.env);
  const log = createLogger({ level: config.env.LOG_LEVEL, format: resolveLogFormat(config.env.LOG_FORMAT) });
  // Loaded here, not at the top: check-config and help stay light (no BullMQ, grammY or express to load).
  const { startApp } = await import('./app.js');
  const app = await startApp({ config, log, roles: new Set(roles) });
  let signals = 0;
  const onSignal = (signal: NodeJS.Signals) => {
    signals += 1;
    if (signals > 1) {
      log.warn({ signal }, 'second signal: exiting now');
      process.exit(130);
    }
    log.info({ signal }, 'shutting down');
    app.stop().then(() => process.exit(0), (error: unknown) => {
      log.error({ err: error }, 'shutdown failed');
      process.exit(1);
    });
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
}

async function linkCode(args: string[]): Promise<number> {
  const id = Number(args.find((a) => !a.startsWith('--')));
  if (!Number.isInteger(id) || id <= 0) {
    process.stderr.write('Usage: dealpilot link-code <bitrixUserId> [--notify]\n');
    return 2;
  }
  const config = loadConfig(process.env);
  const { token, webhookUrl } = { token: config.env.TELEGRAM_BOT_TOKEN, webhookUrl: config.env.B24_WEBHOOK_URL };
  if (!token || !webhookUrl) {
    throw new ConfigError([
      ...(!token ? [{ path: 'env.TELEGRAM_BOT_TOKEN', message: 'required to build the link' }] : []),
      ...(!webhookUrl ? [{ path: 'env.B24_WEBHOOK_URL', message: 'required to check the user' }] : []),
    ]);
  }
  const log = createLogger({ level: config.env.LOG_LEVEL, format: resolveLogFormat(config.env.LOG_FORMAT) });
  const { Redis } = await import('ioredis');
  const { createCrmGateway } = await import('./crm/index.js');
  const { createTelegramApi } = await import('./messengers/telegram/adapter.js');
  const { createInvite, InviteError } = await import('./identity/invite.js');
  const redis = new Redis(config.env.REDIS_URL, { maxRetriesPerRequest: 3 });
  try {
    const crm = createCrmGateway({ webhookUrl, redis, log, timezone: config.rules.portal.timezone,
      rate: { perSecond: config.env.B24_RATE_PER_SECOND, burst: config.env.B24_RATE_BURST, keyPrefix: config.env.REDIS_PREFIX } });
    const invite = await createInvite({ redis, prefix: config.env.REDIS_PREFIX, crm, telegram: createTelegramApi(token, config.env.TELEGRAM_API_ROOT) },
      id, { notify: args.includes('--notify') });
    process.stdout.write(`${invite.url}\n(single use, valid ${invite.expiresInSeconds / 60} minutes${invite.notified ? '; sent to the user in Bitrix24' : ''})\n`);
    return 0;
  } catch (error) {
    if (error instanceof InviteError) {
      process.stderr.write(`${error.message}\n`);
      return 1;
    }
    throw error;
  } finally {
    redis.disconnect();
  }
}

async function b24Register(): Promise<number> {
  const config = loadConfig(process.env);
  const log = createLogger({ level: config.env.LOG_LEVEL, format: resolveLogFormat(config.env.LOG_FORMAT) });
  const { registerConfiguredBot } = await import('./messengers/bitrix24/channel.js');
  const bot = await registerConfiguredBot(config, log);
  process.stdout.write(`${bot.created ? 'registered' : 'already registered'}: bot ${bot.botId} (code ${bot.code})\n`);
  return 0;
}

async function main(argv: string[]): Promise<void> {
  const [command = 'start', ...rest] = argv;
  if (command === 'check-config') {
    process.exitCode = checkConfig(rest[0]);
    return;
  }
  if (command === 'help' || command === '--help' || command === '-h') {
    process.stdout.write(USAGE);
    return;
  }
  if (command === 'b24-register') {
    process.exitCode = await b24Register();
    return;
  }
  if (command === 'link-code') {
    process.exitCode = await linkCode(rest);
    return;
  }
  if (command === 'demo') {
    const demo = await loadDemo();
    if (demo) await demo.runDemo(rest);
    else process.exitCode = 1;
    return;
  }
  const roles = ROLES[command];
  if (!roles) {
    process.stderr.write(`Unknown command "${command}".\n\n${USAGE}`);
    process.exitCode = 2;
    return;
  }
  await runRoles(roles);
}

main(process.argv.slice(2)).catch((error: unknown) => {
  if (error instanceof ConfigError) {
    process.stderr.write(`${error.message}\n`);
  } else {
    process.stderr.write(`dealpilot failed to start: ${maskSecrets(error instanceof Error ? error.stack ?? error.message : String(error))}\n`);
  }
  process.exit(1);
});
