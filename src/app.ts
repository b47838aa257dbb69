import express from 'express';
import { Redis } from 'ioredis';
import type { Config } from './config/load.js';
import { ConfigError } from './config/load.js';
import type { Logger } from './log.js';
import { createBot } from './bot/index.js';
import { createBotRuntime, createUpdateTracker, TELEGRAM_WEBHOOK_PATH, type BotRuntime } from './bot/runtime.js';
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
  bot?: BotRuntime;
  /** Graceful: stop taking work, let running work finish within the bound, close connections. */
  stop(): Promise<void>;
}

function requireBotToken(config: Config): string {
  const token = config.env.TELEGRAM_BOT_TOKEN;
  if (!token) {
    throw new ConfigError([{ path: 'env.TELEGRAM_BOT_TOKEN', message: 'required to run the bot (from @BotFather)' }]);
  }
  return token;
}

/**
 * Builds and starts the parts of DealPilot this process runs: `start` runs all roles in one process;
 * `bot` and `worker` run one role each, so workers can be scaled out on the same Redis.
 */
export async function startApp(options: AppOptions): Promise<RunningApp> {
  const { config, log, roles } = options;
  const token = roles.has('bot') ? requireBotToken(config) : undefined;
  const redis = new Redis(config.env.REDIS_URL, { maxRetriesPerRequest: null, lazyConnect: true });
  redis.on('error', (error) => log.warn({ err: error }, 'redis connection error'));
  await redis.connect();

  const readiness: ReadinessCheck[] = [
    { name: 'redis', check: async () => (await redis.ping()) === 'PONG' },
  ];

  let botRuntime: BotRuntime | undefined;
  if (token) {
    const tracker = createUpdateTracker();
    const bot = createBot({ token, apiRoot: config.env.TELEGRAM_API_ROOT, log, tracker });
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
    redis,
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
