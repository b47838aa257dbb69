#!/usr/bin/env node
import { ConfigError, loadConfig, readRulesFile, formatProblems, parseEnv } from './config/load.js';
import { createLogger } from './log.js';
import { maskSecrets } from './infra/secrets.js';
import { startApp, type Role } from './app.js';

const USAGE = `Usage: dealpilot <command>

Commands:
  start                 bot + workers + HTTP in one process (default)
  bot                   only the Telegram bot and HTTP endpoints
  worker                only background workers (run several on one Redis to scale out)
  demo                  run everything against local sandboxes (no portal or token needed)
  check-config [file]   validate the environment and the rules file, then exit
  help                  this text
`;

const ROLES: Record<string, Role[]> = {
  start: ['bot', 'worker', 'http'],
  bot: ['bot', 'http'],
  worker: ['worker', 'http'],
};

function checkConfig(file: string | undefined): number {
  const { problems: envProblems } = parseEnv(process.env);
  const path = file ?? process.env.BOT_CONFIG ?? 'config/rules.example.yaml';
  const { rules, problems: ruleProblems } = readRulesFile(path);
  const problems = [...envProblems, ...ruleProblems];
  if (problems.length > 0 || !rules) {
    process.stderr.write(`${formatProblems(problems)}\n`);
    return 1;
  }
  process.stdout.write(`${path}: OK (${rules.pipelines.length} pipelines, ${rules.routing.rules.length} routing rules)\n`);
  return 0;
}

async function runRoles(roles: Role[]): Promise<void> {
  const config = loadConfig(process.env);
  const log = createLogger({ level: config.env.LOG_LEVEL });
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
  if (command === 'demo') {
    const { runDemo } = await import('./demo.js');
    await runDemo();
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
