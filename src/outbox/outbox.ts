import { randomUUID } from 'node:crypto';
import { type ConnectionOptions, DelayedError, type Job, type JobsOptions, Queue, UnrecoverableError, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import {
  type ChatAdapter, ChatRateLimitedError, ChatRejectedError, ChatUnreachableError,
} from '../chat/adapter.js';
import type { ChatMessage, MessageRef } from '../chat/message.js';
import type { Locale } from '../i18n/index.js';
import type { TelegramLink, UserPreferences } from '../identity/store.js';
import { createRunningSet } from '../infra/running.js';
import { sleep } from '../infra/timing.js';
import { type DeliveryWindow, nextDeliveryTime } from '../rules/time/index.js';
import { jitteredBackoff, OUTBOX_BACKOFF } from './backoff.js';
import { buildDigestPages } from './digest.js';
import { notificationId, outboxKeys } from './keys.js';
import { CLAIM_SCRIPT, RELEASE_SCRIPT } from './lua.js';
import { type Admission, createPacing } from './pacing.js';
import { toPlainText } from './plain-text.js';
import { outboxTexts } from './texts.js';
import type {
  CreateOutboxOptions, DigestItem, EnqueueResult, EntityRef, NotificationIntent, OutboxJobData, OutboxMetrics,
  StartWorkerOptions, StoredMessageRef, WorkerHandle,
} from './types.js';
import { deliveryWindowFor, heldReason } from './window.js';

/*
 * Delivery guarantees, and the one choice they force.
 *
 * A key is delivered at most once through three layers: (1) `enqueue` claims an "accepted" record with SET NX
 * (first for 5 minutes, extended to the full TTL once the job exists, so a crash in between only delays a
 * re-enqueue); (2) the BullMQ job id is derived from (recipient, key), so one key has one job; (3) the worker
 * writes a "sent" record right after the messenger accepts, and checks it before sending, so retries, stalled
 * re-runs and restarts skip what already went out. An "in-flight" marker (SET NX PX) keeps a second worker
 * from sending a job whose lock the first one lost while still sending.
 *
 * The crash window — the messenger accepted the message, the process died before the sent record was
 * written — cannot be closed: Telegram has no idempotency key. We choose AT-LEAST-ONCE: the job's lock lapses,
 * another worker re-runs it and sends again. Bound: each message in flight in the crashed process is sent at
 * most one extra time per crash, so one crash repeats at most `concurrency` messages (and nothing is lost).
 * A sales team would rather see one nudge twice than miss a lead.
 */

const ENQUEUE_CLAIM_SECONDS = 300;
const DEFAULT_BACKOFF_BASE_MS = 1000;
const DEFAULT_BACKOFF_MAX_MS = 5 * 60_000;
const DEFAULT_LOCK_MS = 30_000;
const UNREACHABLE_KIND = 'outbox.recipient_unreachable';


export type OutboxQueue = Queue<OutboxJobData, DeliveryOutcome, string, OutboxJobData, DeliveryOutcome, string>;

export interface Outbox {
  readonly queue: OutboxQueue;
  enqueue(intent: NotificationIntent): Promise<EnqueueResult>;
  /** Same as `enqueue` for many intents, with a few Redis round trips instead of several per intent. */
  enqueueMany(intents: readonly NotificationIntent[]): Promise<EnqueueResult[]>;
  /** The last message of `kind` about `entity` delivered to `recipient`, while its record lasts. */
  findRef(kind: string, entity: EntityRef, recipient: number): Promise<StoredMessageRef | null>;
  /** Edits a delivered message (paced like sends: edits count against the bot-wide limit). */
  edit(ref: MessageRef, message: ChatMessage): Promise<void>;
  startWorker(options?: StartWorkerOptions): WorkerHandle;
  /** Closes the queue and the outbox's own Redis connection (workers close through their handles). */
  close(): Promise<void>;
}

export type DeliveryOutcome =
  | { status: 'sent'; channel: string; messages: number; items: number }
  | { status: 'duplicate' | 'folded' };

type Route =
  | { kind: 'chat'; adapter: ChatAdapter; chatId: string }
  | { kind: 'fallback' };

const noMetrics: OutboxMetrics = { sent() {}, failed() {}, deduplicated() {} };

export function createOutbox(options: CreateOutboxOptions): Outbox {
  const { prefix, log, adapters, identity, settings } = options;
  const metrics = options.metrics ?? noMetrics;
  const clock = options.clock ?? (() => new Date());
  const queueName = options.queueName ?? 'outbox';
  const keys = outboxKeys(prefix);
  const redis = options.connection instanceof Redis
    ? options.connection.duplicate()
    : new Redis({ ...options.connection, maxRetriesPerRequest: null });
  // ioredis 6's option type is wider than BullMQ's declaration of it; the runtime accepts both forms.
  const connection = options.connection as unknown as ConnectionOptions;
  const queue: OutboxQueue = new Queue(queueName, { connection, prefix });
  const pacing = createPacing(redis, keys, settings);
  const ttl = settings.sentRecordTtlSeconds;
  const workers = new Set<Worker<OutboxJobData>>();

  /** The recipient's zone; a failure to learn it (directory down) falls back to the bot's, never fails the send. */
  async function zoneOf(recipient: number): Promise<string> {
    if (!options.timezoneOf) return settings.timezone;
    try {
      return await options.timezoneOf(recipient);
    } catch (error) {
      log.warn({ err: error, recipient }, 'outbox: could not resolve the recipient\'s time zone; using the bot\'s');
      return settings.timezone;
    }
  }

  /** A message waits for its recipient's window: say so (the demo prints it), never fail the send for it. */
  function held(recipient: number, kind: string, dueAt: Date, until: Date, window: DeliveryWindow): void {
    const reason = heldReason(dueAt, window);
    log.debug({ recipient, kind, until: until.toISOString(), reason }, 'outbox: message held for the recipient\'s window');
    try {
      options.onHeld?.({ recipient, kind, until, reason, timezone: window.timezone });
    } catch (error) {
      log.warn({ err: error }, 'outbox: onHeld hook failed');
    }
  }

  const isUrgent = (data: { kind: string; urgent?: boolean }) => data.urgent === true || settings.urgentKinds.includes(data.kind);
  const digestEligible = (data: OutboxJobData) => !data.urgent && data.digestLine !== undefined && settings.digestThreshold > 0;

  function jobOptions(id: string, delay: number): JobsOptions {
    return {
      jobId: id,
      delay: Math.max(0, Math.round(delay)),
      attempts: Math.max(1, settings.attempts),
      backoff: { type: OUTBOX_BACKOFF },
      // Completed jobs are only kept for the dashboard: dedupe rests on the sent record, not on job ids.
      removeOnComplete: { age: Math.min(3600, ttl), count: 10_000 },
      removeOnFail: { age: 30 * 86_400 },
    };
  }

  function toJobData(intent: NotificationIntent, id: string, now: Date): OutboxJobData {
    return {
      id,
      recipient: intent.recipient,
      kind: intent.kind,
      entity: intent.entity,
      key: intent.key,
      message: intent.message,
      ...(intent.digestLine ? { digestLine: intent.digestLine } : {}),
      dueAt: Math.max(now.getTime(), intent.notBefore?.getTime() ?? 0),
      urgent: isUrgent(intent),
    };
  }

  function digestItemOf(data: OutboxJobData): DigestItem {
    const buttonsOf = (locale: Locale) => (data.message[locale].buttons ?? []).flat();
    return {
      id: data.id, key: data.key, kind: data.kind, entity: data.entity,
      line: data.digestLine ?? { ru: data.message.ru.text, en: data.message.en.text },
      buttons: { ru: buttonsOf('ru'), en: buttonsOf('en') },
    };
  }

  async function enqueueMany(intents: readonly NotificationIntent[]): Promise<EnqueueResult[]> {
    if (intents.length === 0) return [];
    const now = clock();
    const prepared = intents.map((intent) => ({ intent, id: notificationId(intent.recipient, intent.key) }));

    const claim = redis.pipeline();
    for (const { id } of prepared) {
      claim.exists(keys.sent(id));
      claim.set(keys.accepted(id), '1', 'EX', ENQUEUE_CLAIM_SECONDS, 'NX');
    }
    const claimed = (await claim.exec()) ?? [];
    const results: EnqueueResult[] = prepared.map((_, i) => {
      const [sentError, sent] = claimed[2 * i] ?? [];
      const [setError, set] = claimed[2 * i + 1] ?? [];
      if (sentError || setError) throw sentError ?? setError;
      return sent === 0 && set === 'OK' ? 'queued' : 'duplicate';
    });
    const winners = prepared.filter((_, i) => results[i] === 'queued');
    prepared.forEach(({ intent }, i) => {
      if (results[i] === 'duplicate') metrics.deduplicated(intent.kind, 'enqueue');
    });
    if (winners.length === 0) return results;

    try {
      const prefsCache = new Map<number, Promise<UserPreferences>>();
      const prefsOf = (recipient: number) => {
        let prefs = prefsCache.get(recipient);
        if (!prefs) prefsCache.set(recipient, (prefs = identity.getPreferences(recipient)));
        return prefs;
      };
      const realNow = Date.now();
      const jobs = await Promise.all(winners.map(async ({ intent, id }) => {
        const data = toJobData(intent, id, now);
        let earliest = data.dueAt;
        if (!data.urgent) {
          const window = deliveryWindowFor(await prefsOf(intent.recipient), settings, await zoneOf(intent.recipient));
          earliest = nextDeliveryTime(new Date(earliest), window).getTime();
          if (earliest > data.dueAt) held(intent.recipient, intent.kind, new Date(data.dueAt), new Date(earliest), window);
        }
        let delay = earliest - now.getTime();
        // Only messages due now share out the recipient's chat slots; later ones meet them when due. Digest
        // candidates take no slot ahead: most of them will be folded, and phantom reservations would push the
        // digest itself back by a second per folded item.
        if (delay <= 0 && !digestEligible(data)) delay = (await pacing.reserve(intent.recipient, realNow)) - realNow;
        return { name: intent.kind, data, opts: jobOptions(id, delay) };
      }));

      const pending = redis.pipeline();
      for (const { data } of jobs) {
        if (!digestEligible(data)) continue;
        pending.hset(keys.items(data.recipient, data.kind), data.id, JSON.stringify(digestItemOf(data)));
        pending.zadd(keys.pending(data.recipient, data.kind), data.dueAt, data.id);
        pending.expire(keys.items(data.recipient, data.kind), ttl);
        pending.expire(keys.pending(data.recipient, data.kind), ttl);
      }
      await pending.exec();
      await queue.addBulk(jobs);
    } catch (error) {
      // Give the keys back so the trigger's next run can enqueue them again.
      await redis.del(...winners.map(({ id }) => keys.accepted(id))).catch(() => undefined);
      throw error;
    }
    const extend = redis.pipeline();
    for (const { id } of winners) extend.expire(keys.accepted(id), ttl);
    await extend.exec();
    return results;
  }

  /**
   * The chat cannot take this recipient's message: Telegram says so with 403-like errors; the Bitrix24 chat bot
   * also by refusing the send itself (bot deleted, wrong bot token, no `imbot` scope), where a system
   * notification still gets through.
   */
  function cannotReach(adapter: ChatAdapter, error: unknown): boolean {
    return error instanceof ChatUnreachableError || (adapter.channel === 'bitrix24' && error instanceof ChatRejectedError);
  }

  /** Decides where a recipient's messages go: their chat, or the Bitrix24 system-notification fallback. */
  function routeFor(recipient: number, link: TelegramLink | null, prefs: UserPreferences): Route {
    const bitrixChat: Route | null = adapters.bitrix24 ? { kind: 'chat', adapter: adapters.bitrix24, chatId: String(recipient) } : null;
    if (prefs.channel === 'bitrix24') return bitrixChat ?? { kind: 'fallback' };
    // No Telegram link, or Telegram unreachable: the bot's own chat in Bitrix24, else a system notification.
    if (!link || link.unreachable) return bitrixChat ?? { kind: 'fallback' };
    return { kind: 'chat', adapter: adapters.telegram, chatId: link.chatId };
  }

  /**
   * Makes the admitted call, then tells the pacing it is answered (either way). A failed settle only keeps the
   * call counted until its lease ends; it must not fail a send that went out (a retry would repeat it).
   */
  async function sendThenSettle<T>(admission: Admission, call: () => Promise<T>): Promise<T> {
    try {
      return await call();
    } finally {
      await admission.settle().catch((error: unknown) => log.warn({ err: error }, 'outbox: could not settle a paced call'));
    }
  }

  async function delayJob(job: Job<OutboxJobData>, token: string | undefined, ms: number): Promise<never> {
    await job.moveToDelayed(Date.now() + Math.max(1, Math.ceil(ms)), token);
    throw new DelayedError();
  }

  async function tellSupervisor(recipient: number, link: TelegramLink | null): Promise<void> {
    const supervisor = await options.supervisorOf(recipient);
    if (supervisor === null || supervisor === recipient) return;
    const text = (locale: Locale) => outboxTexts[locale].unreachableNotice({ userId: recipient });
    await enqueueMany([{
      recipient: supervisor,
      kind: UNREACHABLE_KIND,
      entity: { type: 'user', id: recipient },
      // One notice per link: a person who re-links and blocks again is reported again.
      key: `${UNREACHABLE_KIND}:${recipient}:${link?.linkedAt ?? 0}`,
      message: { ru: { text: text('ru') }, en: { text: text('en') } },
    }]);
  }

  interface Delivered { item: { id: string; kind: string; entity: EntityRef }; ref?: StoredMessageRef }

  async function recordDelivered(data: OutboxJobData, delivered: Delivered[], channel: string): Promise<void> {
    const tx = redis.multi();
    for (const { item, ref } of delivered) {
      tx.set(keys.sent(item.id), ref ? JSON.stringify(ref) : channel, 'EX', ttl);
      if (ref) tx.set(keys.ref(item.kind, item.entity, data.recipient), JSON.stringify(ref), 'EX', ttl);
    }
    tx.del(keys.digestPages(data.id), `${keys.digestPrefix}${data.id}`);
    await tx.exec();
    for (const { item } of delivered) metrics.sent(item.kind, channel);
  }

  async function deliver(job: Job<OutboxJobData>, token: string | undefined, lockMs: number): Promise<DeliveryOutcome> {
    const data = job.data;
    const alreadySent = await redis.get(keys.sent(data.id));
    if (alreadySent !== null) {
      // Items a digest took are recorded with `digest: true`; their own jobs end here as folded.
      const folded = alreadySent.startsWith('{') && (JSON.parse(alreadySent) as { digest?: boolean }).digest === true;
      metrics.deduplicated(data.kind, folded ? 'folded' : 'delivery');
      return { status: folded ? 'folded' : 'duplicate' };
    }
    const [link, prefs] = await Promise.all([identity.byBitrixUser(data.recipient), identity.getPreferences(data.recipient)]);
    if (!isUrgent(data)) {
      const now = clock();
      const window = deliveryWindowFor(prefs, settings, await zoneOf(data.recipient));
      const next = nextDeliveryTime(now, window);
      if (next.getTime() > now.getTime()) {
        held(data.recipient, data.kind, now, next, window);
        return delayJob(job, token, next.getTime() - now.getTime());
      }
    }

    let items: DigestItem[] = [digestItemOf(data)];
    let isDigest = false;
    if (digestEligible(data)) {
      const decision = String(await CLAIM_SCRIPT.run(redis, [keys.pending(data.recipient, data.kind), keys.items(data.recipient, data.kind)],
        [keys.claimPrefix, keys.digestPrefix, data.id, clock().getTime(), settings.digestThreshold, ttl]));
      if (decision === 'folded') {
        metrics.deduplicated(data.kind, 'folded');
        return { status: 'folded' };
      }
      if (decision === 'digest') {
        const stored = (await redis.lrange(`${keys.digestPrefix}${data.id}`, 0, -1)).map((s) => JSON.parse(s) as DigestItem);
        items = stored.some((i) => i.id === data.id) ? stored : [digestItemOf(data), ...stored];
        isDigest = items.length > 1;
      }
    }

    const locale = prefs.locale;
    const pages = isDigest
      ? buildDigestPages(items, locale)
      : [{ message: data.message[locale], itemIds: [data.id] }];
    const itemById = new Map(items.map((i) => [i.id, i]));
    const route = routeFor(data.recipient, link, prefs);

    /**
     * The pages from `from` on, when the chosen chat turned out unreachable: the Bitrix24 chat (unless that was
     * the chat), else system notifications. Returns the refs of pages that went to a chat, for later edits.
     */
    const deliverByFallback = async (from: number, failed: MessageRef['channel'] | null): Promise<Map<number, MessageRef>> => {
      const sent = new Map<number, MessageRef>();
      let chat = failed !== 'bitrix24' ? adapters.bitrix24 : undefined;
      for (const [index, page] of pages.entries()) {
        if (index < from) continue;
        if (chat) {
          try {
            const ref = await chat.send(String(data.recipient), page.message);
            sent.set(index, ref);
            // Like the main loop: a retry after a later failure does not post this page again.
            if (isDigest) await redis.hset(keys.digestPages(data.id), String(index), JSON.stringify(ref));
            continue;
          } catch (error) {
            if (!cannotReach(chat, error)) throw error;
            chat = undefined;
          }
        }
        // Keyed per message page: a retry after a lost answer replaces the notification instead of adding a second.
        await options.fallbackNotify(data.recipient, toPlainText(page.message), `${data.id}:${index}`);
      }
      return sent;
    };

    if (route.kind === 'fallback') {
      await deliverByFallback(0, null);
      await recordDelivered(data, items.map((item) => ({ item })), 'fallback');
      return { status: 'sent', channel: 'fallback', messages: pages.length, items: items.length };
    }

    const { adapter, chatId } = route;
    const markerKey = keys.sending(data.id);
    const marker = randomUUID();
    if ((await redis.set(markerKey, marker, 'PX', lockMs, 'NX')) !== 'OK') {
      // Another worker is sending this very job (its lock lapsed while it worked): look again later.
      return delayJob(job, token, Math.max(100, await redis.pttl(markerKey)));
    }
    const releaseMarker = () => RELEASE_SCRIPT.run(redis, [markerKey], [marker]);
    try {
      const progress = isDigest ? await redis.hgetall(keys.digestPages(data.id)) : {};
      const refs = new Map<number, MessageRef>();
      for (const [index, raw] of Object.entries(progress)) refs.set(Number(index), JSON.parse(raw) as MessageRef);
      let sentThisRun = 0;
      for (const [index, page] of pages.entries()) {
        if (refs.has(index)) continue;
        // One holder per page: a digest's next page must wait out the slot its previous page took.
        const holder = `${marker}:${index}`;
        let admission: Admission | null = null;
        while (!admission) {
          const wait = await pacing.tryChatSlot(adapter.channel, chatId, holder);
          if (wait > 0 && sentThisRun === 0) {
            // The chat got a message moments ago: come back at this recipient's next free moment.
            await releaseMarker();
            const at = await pacing.reserve(data.recipient, Date.now() + wait);
            return await delayJob(job, token, at - Date.now());
          }
          if (wait > 0) {
            await sleep(wait);
            continue;
          }
          admission = await pacing.admitSend(adapter.channel, chatId, holder);
        }
        let ref: MessageRef;
        try {
          ref = await sendThenSettle(admission, () => adapter.send(chatId, page.message));
        } catch (error) {
          if (cannotReach(adapter, error)) {
            log.warn({ recipient: data.recipient, kind: data.kind, channel: adapter.channel, reason: error instanceof Error ? error.message : String(error) },
              'outbox: recipient unreachable, falling back');
            if (adapter.channel === 'telegram') {
              await identity.markUnreachable(data.recipient, true);
              await tellSupervisor(data.recipient, link);
            }
            for (const [i, fallbackRef] of await deliverByFallback(index, adapter.channel)) refs.set(i, fallbackRef);
            const delivered = pages.flatMap((p, i) => p.itemIds.map((id) => {
              const sentRef = refs.get(i);
              const item = itemById.get(id)!;
              return sentRef ? { item, ref: storedRef(sentRef, item, data.recipient, isDigest) } : { item };
            }));
            await recordDelivered(data, delivered, 'fallback');
            return { status: 'sent', channel: 'fallback', messages: pages.length, items: items.length };
          }
          if (error instanceof ChatRateLimitedError) {
            log.warn({ retryAfterSeconds: error.retryAfterSeconds }, 'outbox: messenger answered 429, pausing the queue');
            await queue.rateLimit(error.retryAfterSeconds * 1000);
            throw Worker.RateLimitError();
          }
          if (error instanceof ChatRejectedError) throw new UnrecoverableError(error.message);
          throw error;
        }
        sentThisRun += 1;
        refs.set(index, ref);
        if (isDigest) await redis.hset(keys.digestPages(data.id), String(index), JSON.stringify(ref));
      }
      const delivered = pages.flatMap((p, i) => p.itemIds.map((id) => {
        const item = itemById.get(id)!;
        return { item, ref: storedRef(refs.get(i)!, item, data.recipient, isDigest) };
      }));
      await recordDelivered(data, delivered, adapter.channel);
      return { status: 'sent', channel: adapter.channel, messages: pages.length, items: items.length };
    } finally {
      await releaseMarker().catch(() => undefined);
    }
  }

  return {
    queue,
    async enqueue(intent) {
      const [result] = await enqueueMany([intent]);
      return result!;
    },
    enqueueMany,
    async findRef(kind, entity, recipient) {
      const raw = await redis.get(keys.ref(kind, entity, recipient));
      return raw ? (JSON.parse(raw) as StoredMessageRef) : null;
    },
    async edit(ref, message) {
      const adapter = ref.channel === 'telegram' ? adapters.telegram : adapters.bitrix24;
      if (!adapter) throw new Error(`no chat adapter for channel ${ref.channel}`);
      await sendThenSettle(await pacing.waitForGlobalSlot(), () => adapter.edit(ref, message));
    },
    startWorker(workerOptions = {}) {
      const lockMs = workerOptions.lockDurationMs ?? DEFAULT_LOCK_MS;
      const attempts = Math.max(1, settings.attempts);
      const running = createRunningSet();
      const worker = new Worker<OutboxJobData, DeliveryOutcome>(queueName, (job, token) => running.track(() => deliver(job, token, lockMs)), {
        connection,
        prefix,
        concurrency: workerOptions.concurrency ?? 10,
        // Shared through Redis by every worker: one job start per window paces evenly (30/s → one per 33 ms);
        // the sliding-log admission in pacing.ts then holds the exact per-second budget at the moment of sending.
        limiter: { max: 1, duration: Math.max(1, Math.floor(1000 / Math.max(1, settings.globalPerSecond))) },
        lockDuration: lockMs,
        stalledInterval: workerOptions.stalledIntervalMs ?? 30_000,
        // A crash mid-send leaves the job active; it must come back rather than fail (at-least-once).
        maxStalledCount: 10,
        settings: {
          backoffStrategy: (attemptsMade: number) =>
            jitteredBackoff(attemptsMade, settings.backoffBaseMs ?? DEFAULT_BACKOFF_BASE_MS, settings.backoffMaxMs ?? DEFAULT_BACKOFF_MAX_MS),
        },
      });
      worker.on('error', (error) => log.error({ err: error }, 'outbox worker error'));
      worker.on('failed', (job, error) => {
        if (!job) return;
        const final = error instanceof UnrecoverableError || error.name === 'UnrecoverableError' || job.attemptsMade >= attempts;
        log.warn({ err: error, kind: job.data.kind, recipient: job.data.recipient, attempt: job.attemptsMade, final },
          'outbox: delivery failed');
        if (final) metrics.failed(job.data.kind, error.name === 'UnrecoverableError' ? 'rejected' : 'exhausted');
      });
      workers.add(worker);
      return {
        async close(deadlineMs = 10_000) {
          workers.delete(worker);
          // Stop taking jobs and give the running ones the deadline; then close, forced only when some still
          // run (BullMQ keeps the first close() call, so a graceful one could not be forced later). The
          // unfinished jobs' locks lapse and another worker retries them (at-least-once, see above).
          await worker.pause(true);
          const finished = await running.idle(deadlineMs);
          if (!finished) log.warn({ deadlineMs, running: running.count() }, 'outbox worker did not finish in time; closing anyway (active jobs will be retried)');
          await worker.close(!finished);
          return finished;
        },
      };
    },
    async close() {
      await Promise.all([...workers].map(async (w) => {
        const closed = w.close(true).catch(() => undefined);
        await Promise.race([closed, sleep(2000)]);
        await w.disconnect().catch(() => undefined);
      }));
      await queue.close();
      redis.disconnect();
    },
  };
}

function storedRef(ref: MessageRef, item: DigestItem, recipient: number, digest: boolean): StoredMessageRef {
  return { ...ref, entity: item.entity, kind: item.kind, recipient, ...(digest ? { digest: true } : {}) };
}
