import { startTelegramSandbox, type TelegramSandbox, type TelegramSandboxLimits } from '@dealpilot/sandbox/telegram';
import type { Redis } from 'ioredis';
import type { ChatAdapter } from '../../src/chat/adapter.js';
import { createIdentityStore, type IdentityStore } from '../../src/identity/store.js';
import { silentLogger } from '../../src/infra/log.js';
import { createTelegramAdapter, createTelegramApi } from '../../src/messengers/telegram/adapter.js';
import type { CreateOutboxOptions, NotificationIntent, OutboxMetrics, OutboxSettings } from '../../src/outbox/index.js';
import { createOutbox, type Outbox } from '../../src/outbox/index.js';
import { waitFor } from '../support/eventually.js';
import { testRedis, uniquePrefix } from '../support/redis.js';

/** Settings without quiet hours or days off, so tests do not depend on when they run. */
export function testSettings(overrides: Partial<OutboxSettings> = {}): OutboxSettings {
  return {
    timezone: 'Europe/Moscow',
    workingHours: { start: '09:00', end: '18:00', days: [1, 2, 3, 4, 5, 6, 7], quietStart: '00:00', quietEnd: '00:00', holidays: [] },
    digestThreshold: 5,
    urgentKinds: [],
    perChatIntervalMs: 1000,
    globalPerSecond: 30,
    attempts: 3,
    sentRecordTtlSeconds: 3600,
    backoffBaseMs: 50,
    backoffMaxMs: 200,
    ...overrides,
  };
}

export interface Harness {
  sandbox: TelegramSandbox;
  redis: Redis;
  prefix: string;
  identity: IdentityStore;
  telegram: ChatAdapter;
  outbox: Outbox;
  fallback: Array<{ userId: number; text: string }>;
  supervisors: Map<number, number>;
  metricsLog: string[];
  /** Adds sandbox users linked to Bitrix24 users firstB24, firstB24+1, …; answers their chat ids by b24 id. */
  addLinkedUsers(count: number, firstB24?: number): Promise<Map<number, number>>;
  /** Another outbox on the same Redis and prefix (a second worker process, in effect). */
  twin(adapter?: ChatAdapter): Outbox;
  close(): Promise<void>;
}

export async function createHarness(options: {
  limits?: Partial<TelegramSandboxLimits>;
  settings?: Partial<OutboxSettings>;
  clock?: () => Date;
  adapter?: (real: ChatAdapter) => ChatAdapter;
  /** Further outbox options (time zones per recipient, the held-message hook). */
  extra?: Pick<CreateOutboxOptions, 'timezoneOf' | 'onHeld'>;
} = {}): Promise<Harness> {
  const sandbox = await startTelegramSandbox(options.limits ? { limits: options.limits } : {});
  const redis = testRedis();
  const prefix = uniquePrefix('ob');
  const identity = createIdentityStore(redis, prefix);
  const real = createTelegramAdapter(createTelegramApi(sandbox.token, sandbox.apiRoot));
  const telegram = options.adapter ? options.adapter(real) : real;
  const fallback: Harness['fallback'] = [];
  const supervisors = new Map<number, number>();
  const metricsLog: string[] = [];
  const metrics: OutboxMetrics = {
    sent: (kind, channel) => metricsLog.push(`sent:${kind}:${channel}`),
    failed: (kind, reason) => metricsLog.push(`failed:${kind}:${reason}`),
    deduplicated: (kind, stage) => metricsLog.push(`dedup:${kind}:${stage}`),
  };
  const outboxes: Outbox[] = [];
  const build = (adapter: ChatAdapter) => {
    const outbox = createOutbox({
      connection: redis, prefix, log: silentLogger(), adapters: { telegram: adapter }, identity, metrics,
      fallbackNotify: async (userId, text) => { fallback.push({ userId, text }); },
      supervisorOf: async (userId) => supervisors.get(userId) ?? null,
      settings: testSettings(options.settings),
      ...(options.clock ? { clock: options.clock } : {}),
      ...options.extra,
    });
    outboxes.push(outbox);
    return outbox;
  };
  const outbox = build(telegram);
  let nextB24 = 1000;
  return {
    sandbox, redis, prefix, identity, telegram, outbox, fallback, supervisors, metricsLog,
    async addLinkedUsers(count, firstB24 = nextB24) {
      const chats = new Map<number, number>();
      for (let i = 0; i < count; i++) {
        const b24 = firstB24 + i;
        const user = sandbox.addUser({ firstName: `User${b24}` });
        await identity.link(b24, user.id, String(user.id));
        chats.set(b24, user.id);
      }
      nextB24 = Math.max(nextB24, firstB24 + count);
      return chats;
    },
    twin: (adapter = telegram) => build(adapter),
    async close() {
      for (const o of outboxes) await o.close();
      redis.disconnect();
      await sandbox.close();
    },
  };
}

export function intent(recipient: number, n: number, overrides: Partial<NotificationIntent> = {}): NotificationIntent {
  const kind = overrides.kind ?? 'lead.new';
  return {
    recipient,
    kind,
    entity: { type: 'lead', id: n },
    key: `${kind}:lead:${n}`,
    message: {
      ru: { text: `**Новый лид** #${n}`, buttons: [[{ kind: 'action', text: 'Взять', data: `take:${n}` }]] },
      en: { text: `**New lead** #${n}`, buttons: [[{ kind: 'action', text: 'Take', data: `take:${n}` }]] },
    },
    ...overrides,
  };
}

/** Polls until `condition` holds (no timing assertion: only a generous upper bound against hanging). */
export async function eventually(condition: () => boolean | Promise<boolean>, timeoutMs = 20_000, what = 'condition'): Promise<void> {
  await waitFor(async () => ((await condition()) ? true : undefined), what, timeoutMs);
}

/** Texts the bot sent to one chat. */
export function botTexts(sandbox: TelegramSandbox, chatId: number): string[] {
  return sandbox.transcript(chatId).filter((e) => e.direction === 'bot').map((e) => e.text);
}
