import express from 'express';
import { Redis } from 'ioredis';
import type { Config } from './config/load.js';
import { ConfigError } from './config/load.js';
import type { Logger } from './log.js';
import { createBot } from './bot/index.js';
import { createBotRuntime, createUpdateTracker, TELEGRAM_WEBHOOK_PATH, type BotRuntime } from './bot/runtime.js';
import { createCrmGateway, type CrmGateway } from './crm/index.js';
import { createDirectory, type Directory } from './identity/directory.js';
import { crmDirectorySource, crmOwnerLookup } from './identity/crm-source.js';
import { createIdentityStore, type IdentityStore } from './identity/store.js';
import { createHttpServer, type HttpServer, type ReadinessCheck } from './http/server.js';

export type Role = 'bot' | 'worker' | 'http';

export interface AppOptions {
  config: Config;
  log: Logger;
  roles: ReadonlySet<Role>;
}

export interface RunningApp {
  httpPort?: number;
  redis: Redis;
  crm: CrmGateway;
  store: IdentityStore;
  directory: Directory;
  bot?: BotRuntime;
  /** Graceful: stop taking work, let running work finish within the bound, close connections. */
  stop(): Promise<void>;
}

/** Variables optional for check-config but required to run: reported together, before any connection. */
function requireRuntimeEnv(config: Config, roles: ReadonlySet<Role>): { token?: string; webhookUrl: string } {
  const problems = [];
  const token = config.env.TELEGRAM_BOT_TOKEN;
  if (roles.has('bot') && !token) problems.push({ path: 'env.TELEGRAM_BOT_TOKEN', message: 'required to run the bot (from @BotFather)' });
  const webhookUrl = config.env.B24_WEBHOOK_URL;
  if (!webhookUrl) problems.push({ path: 'env.B24_WEBHOOK_URL', message: 'required: the Bitrix24 inbound webhook https://<portal>/rest/<userId>/<code>/' });
  if (problems.length > 0 || !webhookUrl) throw new ConfigError(problems);
  return { ...(roles.has('bot') && token ? { token } : {}), webhookUrl };
}

/**
 * Builds and starts the parts of DealPilot this process runs: `start` runs all roles in one process;
 * `bot` and `worker` run one role each, so workers can be scaled out on the same Redis.
 */
export async function startApp(options: AppOptions): Promise<RunningApp> {
  const { config, log, roles } = options;
  const { token, webhookUrl } = requireRuntimeEnv(config, roles);
  const redis = new Redis(config.env.REDIS_URL, { maxRetriesPerRequest: null, lazyConnect: true });
  redis.on('error', (error) => log.warn({ err: error }, 'redis connection error'));
  await redis.connect();

  const crm = createCrmGateway({
    webhookUrl, redis, log, timezone: config.rules.portal.timezone,
    rate: { perSecond: config.env.B24_RATE_PER_SECOND, burst: config.env.B24_RATE_BURST },
  });
  const store = createIdentityStore(redis);
  const directory = createDirectory({ source: crmDirectorySource(crm) });

  const readiness: ReadinessCheck[] = [
    { name: 'redis', check: async () => (await redis.ping()) === 'PONG' },
    { name: 'bitrix24', check: async () => { await crm.call('server.time'); return true; } },
  ];

  let botRuntime: BotRuntime | undefined;
  if (token) {
    const tracker = createUpdateTracker();
    const bot = createBot({
      token, apiRoot: config.env.TELEGRAM_API_ROOT, log, tracker, redis, store, directory,
      admins: config.rules.admins,
      ownerOf: crmOwnerLookup(crm),
      quietDefaults: { quietStart: config.rules.workingHours.quietStart, quietEnd: config.rules.workingHours.quietEnd },
    });
    botRuntime = createBotRuntime({
      bot, log, tracker,
      ...(config.env.PUBLIC_URL ? { publicUrl: config.env.PUBLIC_URL } : {}),
      ...(config.env.TELEGRAM_WEBHOOK_SECRET ? { webhookSecret: config.env.TELEGRAM_WEBHOOK_SECRET } : {}),
    });
    const runtime = botRuntime;
    readiness.push({ name: 'telegram', check: () => runtime.ready() });
  }

  let http: HttpServer | undefined;
  let httpPort: number | undefined;
  if (roles.has('http')) {
    const runtime = botRuntime;
    http = createHttpServer({
      log,
      readiness,
      mount(app) {
        if (runtime?.webhookHandler) app.post(TELEGRAM_WEBHOOK_PATH, express.json({ limit: '1mb' }), runtime.webhookHandler);
      },
    });
    httpPort = await http.listen(config.env.HTTP_PORT, config.env.HTTP_HOST);
    log.info({ port: httpPort }, 'http server listening');
  }

  if (botRuntime) await botRuntime.start();

  let stopping: Promise<void> | undefined;
  return {
    redis, crm, store, directory,
    ...(httpPort !== undefined ? { httpPort } : {}),
    ...(botRuntime ? { bot: botRuntime } : {}),
    stop() {
      stopping ??= (async () => {
        const deadline = config.env.SHUTDOWN_TIMEOUT_MS;
        await botRuntime?.stop(deadline);
        await http?.close();
        await redis.quit().catch(() => redis.disconnect());
        log.info('stopped');
      })();
      return stopping;
    },
  };
}
