import express from 'express';
import { Redis } from 'ioredis';
import { birthdaysFeature } from './capabilities/birthdays/chat.js';
import type { Capability } from './capabilities/capability.js';
import { dealsFeature } from './capabilities/deals/chat.js';
import { type DeskLinks, deskFeature } from './capabilities/desk/chat.js';
import { helpFeature } from './capabilities/help/chat.js';
import { type Capabilities, createCapabilities } from './capabilities/index.js';
import { leadsFeature } from './capabilities/leads/chat.js';
import { reportsFeature } from './capabilities/reports/chat.js';
import { settingsFeature } from './capabilities/settings/chat.js';
import { type CallbackSigner, callbackSigningKey, createCallbackSigner } from './chat/callback-signature.js';
import type { Config } from './config/load.js';
import { ConfigError } from './config/load.js';
import { createActionRegistry } from './conversation/actions.js';
import { type ChatRouter, createChatRouter } from './conversation/router.js';
import type { Bitrix24Event } from './crm/events.js';
import { type CrmGateway, createCrmGateway } from './crm/index.js';
import { onceMarker } from './crm/once.js';
import { DESK_PATH, mountDesk } from './desk/api.js';
import { createDeskAuth, type DeskAuth } from './desk/auth.js';
import { mountBitrix24Events } from './http/b24-events.js';
import { mountDashboard } from './http/dashboard.js';
import { createMetrics, mountMetrics } from './http/metrics.js';
import { createHttpServer, type HttpServer, type ReadinessCheck } from './http/server.js';
import { crmDirectorySource, crmOwnerLookup } from './identity/crm-source.js';
import { createDirectory, type Directory } from './identity/directory.js';
import { supervisorOf } from './identity/org.js';
import { createIdentityStore, type IdentityStore } from './identity/store.js';
import { createTimezoneOf, type TimezoneOf } from './identity/timezone.js';
import type { Logger } from './infra/log.js';
import { watchRedisHealth } from './infra/redis-health.js';
import { withinDeadline } from './infra/timing.js';
import { isRecord } from './infra/values.js';
import { createJobRuntime, type JobRuntime } from './jobs/runtime.js';
import { type BitrixChatChannel, createBitrixChatChannel } from './messengers/bitrix24/channel.js';
import { createBitrixChatHandler } from './messengers/bitrix24/conversation.js';
import { type BitrixBotEventsEndpoint, mountBitrixBotEvents } from './messengers/bitrix24/push.js';
import { createTelegramAdapter, createTelegramApi } from './messengers/telegram/adapter.js';
import { type CreateBotOptions, createBot } from './messengers/telegram/bot.js';
import { type BotRuntime, createBotRuntime, createUpdateTracker, TELEGRAM_WEBHOOK_PATH, type UpdateTracker } from './messengers/telegram/runtime.js';
import type { HeldMessage } from './outbox/index.js';
import { createOutbox, type Outbox } from './outbox/index.js';
import { transitionWarnings } from './rules/deals/index.js';

export type Role = 'bot' | 'worker' | 'http';

export interface AppOptions {
  config: Config;
  log: Logger;
  roles: ReadonlySet<Role>;
  /** Wall clock for decisions (tests inject one). */
  clock?: () => Date;
  /** Told whenever the outbox holds a message for its recipient's window (the demo prints it). */
  onHeld?: (held: HeldMessage) => void;
  /** Which queues' schedules this process registers (all when absent): tests run their scans by hand. */
  scheduleQueues?: (queue: string) => boolean;
}

export interface RunningApp {
  httpPort?: number;
  /** The separate metrics server's port, when METRICS_PORT is set. */
  metricsPort?: number;
  redis: Redis;
  crm: CrmGateway;
  store: IdentityStore;
  directory: Directory;
  /** Each person's time zone (their /settings pick, profile, department, BOT_TIMEZONE). */
  timezoneOf: TimezoneOf;
  outbox: Outbox;
  jobs: JobRuntime;
  capabilities: Capabilities;
  /** Commands, buttons and text answers, shared by both messengers. */
  router: ChatRouter;
  /** Present when B24_BOT_TOKEN is set. */
  bitrixChat?: BitrixChatChannel;
  /** The push endpoint of the chat bot (B24_BOT_EVENT_MODE=webhook, http role). */
  bitrixBotEvents?: BitrixBotEventsEndpoint;
  bot?: BotRuntime;
  /** The deal desk (Mini App): sign-ins and where people's browsers reach it (absent without the http role). */
  desk?: DeskLinks & { auth: DeskAuth };
  /** Signs Telegram buttons for their chat (tests press with it the way a genuine client would). */
  signer: CallbackSigner;
  /** Graceful: stop taking work, let running work finish within the bound, close connections. */
  stop(): Promise<void>;
}

/** Where people's browsers open the deal desk: DESK_URL, else PUBLIC_URL; null when neither is set (no buttons). */
export function deskUrl(config: Config): string | null {
  const base = config.env.DESK_URL ?? config.env.PUBLIC_URL;
  return base ? `${base.replace(/\/+$/, '')}${DESK_PATH}/` : null;
}

/** Variables optional for check-config but required to run: reported together, before any connection. */
function requireRuntimeEnv(config: Config, roles: ReadonlySet<Role>): { token: string; webhookUrl: string } {
  const problems = [];
  const token = config.env.TELEGRAM_BOT_TOKEN;
  // Workers deliver through Telegram too, so every role needs the token.
  if (!token) problems.push({ path: 'env.TELEGRAM_BOT_TOKEN', message: 'required to run (from @BotFather)' });
  const webhookUrl = config.env.B24_WEBHOOK_URL;
  if (!webhookUrl) problems.push({ path: 'env.B24_WEBHOOK_URL', message: 'required: the Bitrix24 inbound webhook https://<portal>/rest/<userId>/<code>/' });
  if (roles.size === 0) problems.push({ path: 'roles', message: 'expected at least one of bot, worker, http' });
  if (problems.length > 0 || !webhookUrl || !token) throw new ConfigError(problems);
  return { token, webhookUrl };
}

/** Every command, button and text answer of the product, shared by Telegram and Bitrix24 chat. */
export function createAppChatRouter(parts: {
  config: Config;
  log: Logger;
  store: IdentityStore;
  directory: Directory;
  crm: CrmGateway;
  capabilities: Capabilities;
  timezoneOf: TimezoneOf;
  onCallbackHandled?: (action: string, seconds: number) => void;
  /** `/app` and the card buttons; absent: the deal desk is not offered in chat. */
  desk?: DeskLinks;
}): ChatRouter {
  const { config, capabilities } = parts;
  const admins = config.rules.admins;
  const actions = createActionRegistry({
    directory: parts.directory, admins, ownerOf: crmOwnerLookup(parts.crm), log: parts.log,
    ...(parts.onCallbackHandled ? { onHandled: parts.onCallbackHandled } : {}),
  });
  return createChatRouter(actions, [
    helpFeature({ directory: parts.directory, admins }),
    settingsFeature({
      store: parts.store,
      defaults: { quietStart: config.rules.workingHours.quietStart, quietEnd: config.rules.workingHours.quietEnd },
      timezoneOf: parts.timezoneOf,
    }),
    leadsFeature(capabilities.leads),
    dealsFeature(capabilities.deals),
    birthdaysFeature(capabilities.birthdays),
    reportsFeature(capabilities.reports),
    ...(parts.desk ? [deskFeature(parts.desk)] : []),
  ]);
}

/** The grammY bot with identity, settings and every capability's commands and buttons. */
export function createAppBot(parts: {
  config: Config;
  log: Logger;
  redis: Redis;
  store: IdentityStore;
  directory: Directory;
  router: ChatRouter;
  tracker?: UpdateTracker;
  botInfo?: CreateBotOptions['botInfo'];
  flood?: CreateBotOptions['flood'];
  signer?: CallbackSigner;
  redisHealthy?: () => boolean;
}) {
  const { config } = parts;
  return createBot({
    token: config.env.TELEGRAM_BOT_TOKEN!, apiRoot: config.env.TELEGRAM_API_ROOT, log: parts.log,
    redis: parts.redis, redisPrefix: config.env.REDIS_PREFIX, store: parts.store, directory: parts.directory,
    admins: config.rules.admins,
    router: parts.router,
    ...(parts.tracker ? { tracker: parts.tracker } : {}),
    ...(parts.botInfo ? { botInfo: parts.botInfo } : {}),
    ...(parts.flood !== undefined ? { flood: parts.flood } : {}),
    ...(parts.signer ? { signer: parts.signer } : {}),
    ...(parts.redisHealthy ? { redisHealthy: parts.redisHealthy } : {}),
    pressesPerMinute: config.env.PRESSES_PER_MINUTE,
  });
}

/**
 * Builds and starts the parts of DealPilot this process runs: `start` runs all roles in one process;
 * `bot` and `worker` run one role each, so workers can be scaled out on the same Redis.
 */
export async function startApp(options: AppOptions): Promise<RunningApp> {
  const { config, log, roles } = options;
  const clock = options.clock ?? (() => new Date());
  const { token, webhookUrl } = requireRuntimeEnv(config, roles);
  for (const warning of transitionWarnings(config.rules.pipelines)) log.warn({ path: warning.path }, `rules file: ${warning.message}`);
  const prefix = config.env.REDIS_PREFIX;
  const redis = new Redis(config.env.REDIS_URL, { maxRetriesPerRequest: null, lazyConnect: true });
  redis.on('error', (error) => log.warn({ err: error }, 'redis connection error'));
  await redis.connect();

  const metrics = createMetrics({ defaultMetrics: true });
  const crm = createCrmGateway({
    webhookUrl, redis, log, timezone: config.rules.portal.timezone,
    observer: {
      request: (method) => metrics.crmRequests.inc({ method }),
      error: (method, code) => metrics.crmErrors.inc({ method, code }),
    },
    rate: {
      perSecond: config.env.B24_RATE_PER_SECOND, burst: config.env.B24_RATE_BURST, keyPrefix: prefix,
      ...(config.env.B24_INTERACTIVE_RESERVE !== undefined ? { interactiveReserve: config.env.B24_INTERACTIVE_RESERVE } : {}),
    },
  });
  const store = createIdentityStore(redis, prefix);
  const directory = createDirectory({ source: crmDirectorySource(crm) });
  const timezoneOf = createTimezoneOf({
    store, directory, departmentTimezones: config.rules.departmentTimezones, fallback: config.env.BOT_TIMEZONE,
  });
  const telegramApi = createTelegramApi(token, config.env.TELEGRAM_API_ROOT);
  const signer = createCallbackSigner(callbackSigningKey(config.env.CALLBACK_SIGNING_KEY, token));
  // Bitrix24 chat is on when a bot token is configured (the bot itself is registered by `dealpilot b24-register`).
  const bitrixChat: BitrixChatChannel | undefined = config.env.B24_BOT_TOKEN
    ? createBitrixChatChannel({
      crm, redis, prefix, log, store, botToken: config.env.B24_BOT_TOKEN, code: config.env.B24_BOT_CODE,
      pollSeconds: config.env.B24_BOT_EVENT_MODE === 'fetch' ? config.env.B24_CHAT_POLL_SECONDS : null,
      maxBatch: config.env.B24_CHAT_BATCH,
    })
    : undefined;

  const outbox = createOutbox({
    connection: redis,
    prefix,
    log,
    adapters: { telegram: createTelegramAdapter(telegramApi, { signer }), ...(bitrixChat ? { bitrix24: bitrixChat.adapter } : {}) },
    identity: store,
    fallbackNotify: async (userId, text, key) => {
      await crm.notify({ userId, message: text, tag: onceMarker(key) });
    },
    supervisorOf: async (userId) => supervisorOf(await directory.org(), userId),
    timezoneOf: async (userId) => (await timezoneOf(userId)).zone,
    settings: {
      timezone: config.env.BOT_TIMEZONE,
      workingHours: config.rules.workingHours,
      digestThreshold: config.rules.outbox.digestThreshold,
      urgentKinds: config.rules.outbox.urgentKinds,
      perChatIntervalMs: config.env.TELEGRAM_PER_CHAT_INTERVAL_MS,
      globalPerSecond: config.env.TELEGRAM_GLOBAL_PER_SECOND,
      attempts: 8,
      sentRecordTtlSeconds: 45 * 24 * 3600,
    },
    metrics: metrics.outbox,
    clock,
    ...(options.onHeld ? { onHeld: options.onHeld } : {}),
  });

  let jobs: JobRuntime | undefined;
  const capabilities = createCapabilities({
    config, log, redis, prefix, crm, directory, store, outbox, clock, timezoneOf,
    portalUrl: config.rules.portal.url ?? new URL(webhookUrl).origin,
    deskUrl: () => deskUrl(config),
    async enqueue(queue, name, data, jobOptions) {
      await jobs!.add(queue, name, data, jobOptions);
    },
  });
  const router = createAppChatRouter({
    config, log, store, directory, crm, capabilities, timezoneOf,
    onCallbackHandled: (action, seconds) => metrics.callbackLatency.observe({ action }, seconds),
    desk: {
      url: () => deskUrl(config),
      linkToken: (b24UserId) => deskAuth.issueLinkToken(b24UserId),
    },
  });
  const bitrixChatHandler = bitrixChat
    ? createBitrixChatHandler({
      router, adapter: bitrixChat.adapter, directory, store, log,
      // The same per-person limit as Telegram's flood protection.
      flood: { redis, keyPrefix: `${prefix}:`, limit: 10, windowMs: 2_000 },
    })
    : undefined;
  if (bitrixChat && bitrixChatHandler) bitrixChat.setHandler(bitrixChatHandler);
  const deskAuth = createDeskAuth({
    redis, prefix, botToken: token, identity: store,
    initDataMaxAgeSeconds: config.env.DESK_INITDATA_MAX_AGE_SECONDS, sessionSeconds: config.env.DESK_SESSION_MINUTES * 60, clock,
  });
  const capabilityList: Capability[] = [...Object.values(capabilities), ...(bitrixChat ? [bitrixChat] : [])];
  jobs = createJobRuntime({
    connection: redis,
    prefix,
    timezone: config.env.BOT_TIMEZONE,
    log,
    definitions: capabilityList.flatMap((c) => c.jobs),
  });
  const jobRuntime = jobs;
  metrics.watchQueues([outbox.queue, ...jobRuntime.queues()]);

  // Known without waiting on Redis: presses during an outage are told so at once (commands would wait for it), and
  // /readyz reads the same probe instead of sending a PING of its own.
  const redisHealth = watchRedisHealth(redis);
  const readiness: ReadinessCheck[] = [
    { name: 'redis', check: () => redisHealth.healthy() },
    { name: 'bitrix24', check: async () => { await crm.call('server.time'); return true; } },
  ];
  let botRuntime: BotRuntime | undefined;
  if (roles.has('bot')) {
    const tracker = createUpdateTracker();
    const bot = createAppBot({ config, log, redis, store, directory, router, tracker, signer, redisHealthy: () => redisHealth.healthy() });
    botRuntime = createBotRuntime({
      bot, log, tracker,
      deskUrl: () => deskUrl(config),
      ...(config.env.PUBLIC_URL ? { publicUrl: config.env.PUBLIC_URL } : {}),
      ...(config.env.TELEGRAM_WEBHOOK_SECRET ? { webhookSecret: config.env.TELEGRAM_WEBHOOK_SECRET } : {}),
    });
    const runtime = botRuntime;
    readiness.push({ name: 'telegram', check: () => runtime.ready() });
  }

  const acceptEvent = async (event: Bitrix24Event) => {
    await Promise.all(capabilityList.map((c) => c.onBitrixEvent?.(event)));
  };

  let http: HttpServer | undefined;
  let httpPort: number | undefined;
  let metricsHttp: HttpServer | undefined;
  let metricsPort: number | undefined;
  let bitrixBotEvents: BitrixBotEventsEndpoint | undefined;
  if (roles.has('http')) {
    const runtime = botRuntime;
    http = createHttpServer({
      log,
      readiness,
      mount(app) {
        if (runtime?.webhookHandler) {
          app.post(TELEGRAM_WEBHOOK_PATH, express.json({ limit: '1mb' }), (req, res, next) => {
            // grammY expects a parsed update; anything else (another content type, a JSON array) is bad input.
            if (isRecord(req.body) && Number.isSafeInteger(req.body.update_id)) next();
            else res.status(400).json({ error: 'expected a Telegram update' });
          }, runtime.webhookHandler);
        }
        mountBitrix24Events(app, { applicationToken: config.env.B24_APPLICATION_TOKEN, log, accept: acceptEvent });
        if (bitrixChat && bitrixChatHandler && config.env.B24_BOT_EVENT_MODE === 'webhook') {
          bitrixBotEvents = mountBitrixBotEvents(app, {
            applicationToken: config.env.B24_BOT_APPLICATION_TOKEN ?? config.env.B24_APPLICATION_TOKEN,
            botId: () => bitrixChat.botId(),
            redis,
            // The poller's prefix: switching modes never handles an event twice.
            keyPrefix: `${prefix}:`,
            handle: bitrixChatHandler,
            onGiveUp: (event) => bitrixChat.tellFailure(event),
            onRefused: bitrixChat.tellRefusal,
            log,
          });
        }
        mountDesk(app, {
          auth: deskAuth, deals: capabilities.deals, leads: capabilities.leads, reports: capabilities.reports, router, directory, identity: store, ownerOf: crmOwnerLookup(crm),
          admins: config.rules.admins, log, clock, redis, prefix, redisHealthy: () => redisHealth.healthy(),
          requestsPerMinute: 120, pressesPerMinute: config.env.PRESSES_PER_MINUTE,
          portalOrigin: new URL(config.rules.portal.url ?? webhookUrl).origin,
        });
        if (config.env.METRICS_PORT === undefined) mountMetrics(app, metrics.registry);
        mountDashboard(app, { queues: [outbox.queue, ...jobRuntime.queues()], user: config.env.ADMIN_USER, password: config.env.ADMIN_PASSWORD });
      },
    });
    httpPort = await http.listen(config.env.HTTP_PORT, config.env.HTTP_HOST);
    log.info({ port: httpPort }, 'http server listening');
    // The deal desk's first visitor should not pay for the org chart and the stage names (kept warm afterwards).
    void Promise.all([directory.org(), crm.getStatuses()]).catch((error: unknown) => log.warn({ err: error }, 'could not preload the org chart and stages'));
    if (config.env.METRICS_PORT !== undefined) {
      // Business activity stays off the public port: metrics on their own (by default loopback) address.
      metricsHttp = createHttpServer({ log, readiness: [], mount: (app) => mountMetrics(app, metrics.registry) });
      metricsPort = await metricsHttp.listen(config.env.METRICS_PORT, config.env.METRICS_HOST);
      log.info({ port: metricsPort, host: config.env.METRICS_HOST }, 'metrics server listening');
    }
  }

  const workerHandles: Array<{ close(deadlineMs?: number): Promise<boolean> }> = [];
  if (roles.has('worker')) {
    await jobRuntime.registerSchedules(options.scheduleQueues);
    jobRuntime.startWorkers();
    workerHandles.push(outbox.startWorker({ concurrency: 8 }));
  }

  if (botRuntime) await botRuntime.start();

  let stopping: Promise<void> | undefined;
  return {
    redis, crm, store, directory, timezoneOf, outbox, jobs: jobRuntime, capabilities, router, signer,
    ...(bitrixChat ? { bitrixChat } : {}),
    ...(bitrixBotEvents ? { bitrixBotEvents } : {}),
    ...(httpPort !== undefined ? { httpPort } : {}),
    ...(metricsPort !== undefined ? { metricsPort } : {}),
    ...(botRuntime ? { bot: botRuntime } : {}),
    ...(httpPort !== undefined ? { desk: { auth: deskAuth, url: () => deskUrl(config), linkToken: (id: number) => deskAuth.issueLinkToken(id) } } : {}),
    stop() {
      stopping ??= (async () => {
        const deadline = config.env.SHUTDOWN_TIMEOUT_MS;
        // Every stage is bounded: a stage that hangs (a long poll, a socket) is logged and passed, so a stop
        // always ends and the supervisor's restart is not held up.
        const stage = async (name: string, work: () => Promise<unknown>, limitMs = deadline + 2_000) => {
          const settled = work().catch((error: unknown) => log.warn({ stage: name, err: error }, 'shutdown stage failed'));
          if (!(await withinDeadline(settled, limitMs)).inTime) log.warn({ stage: name, limitMs }, 'shutdown stage did not finish in time; going on');
        };
        await stage('bot', async () => botRuntime?.stop(deadline));
        await stage('http', async () => Promise.all([http?.close(), metricsHttp?.close()]));
        await stage('bitrix24 chat events', async () => bitrixBotEvents?.settled());
        await stage('workers', () => Promise.all([jobRuntime.close(deadline), ...workerHandles.map((w) => w.close(deadline))]));
        await stage('outbox', () => outbox.close());
        redisHealth.stop();
        await stage('redis', () => redis.quit().catch(() => redis.disconnect()), 2_000);
        if (redis.status !== 'end') redis.disconnect();
        log.info('stopped');
      })();
      return stopping;
    },
  };
}
