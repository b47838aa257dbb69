import type { ChatAdapter } from '../chat/adapter.js';
import type { Button, ChatMessage, MessageRef } from '../chat/message.js';
import type { RulesFile } from '../config/rules-schema.js';
import type { EntityRef } from '../crm/entity-ref.js';
import type { Locale } from '../i18n/index.js';
import type { IdentityStore } from '../identity/store.js';
import type { Logger } from '../infra/log.js';

export type { EntityRef };

/** One message a trigger wants delivered. Everything the worker needs travels with it (both languages). */
export interface NotificationIntent {
  /** Bitrix24 user id of the recipient. */
  recipient: number;
  kind: string;
  entity: EntityRef;
  /**
   * Deterministic identity of this notification (kind + entity + stage stay + level + period). The same key
   * for the same recipient is delivered at most once within `sentRecordTtlSeconds`.
   */
  key: string;
  message: Record<Locale, ChatMessage>;
  /** One compact line for a digest; without it the message is never folded into one. */
  digestLine?: Record<Locale, string>;
  /** Not before this instant (e.g. a reminder scheduled for later). */
  notBefore?: Date;
  /** Delivered inside quiet hours and never folded into a digest. */
  urgent?: boolean;
}

export type EnqueueResult = 'queued' | 'duplicate';

/** A delivered message, kept in Redis so a later action edits it instead of sending a new one. */
export interface StoredMessageRef extends MessageRef {
  entity: EntityRef;
  kind: string;
  recipient: number;
  /** Set when the message is a digest page that lists this entity among others: edit with care. */
  digest?: boolean;
}

/** Counters the outbox reports to; `src/http/metrics.ts` implements this with prom-client. */
export interface OutboxMetrics {
  sent(kind: string, channel: string): void;
  /** A message that ended in the failed set (rejected, or out of attempts). */
  failed(kind: string, reason: string): void;
  /** `enqueue`: refused as a duplicate key; `delivery`: already sent when its job ran; `folded`: went out in a digest. */
  deduplicated(kind: string, stage: 'enqueue' | 'delivery' | 'folded'): void;
}

export interface OutboxSettings {
  /** Default time zone of recipients (the portal's). */
  timezone: string;
  workingHours: RulesFile['workingHours'];
  /** More than this many pending messages of one kind for one recipient go out as one digest. */
  digestThreshold: number;
  urgentKinds: readonly string[];
  /** Minimum gap between two messages to one chat (Telegram: about 1 s). */
  perChatIntervalMs: number;
  /** Messages per rolling second across all chats of this bot (Telegram: 30). */
  globalPerSecond: number;
  /** Delivery attempts for transient failures (5xx, network). */
  attempts: number;
  /** How long a delivered key stays remembered; must outlive the period of the trigger that produces it. */
  sentRecordTtlSeconds: number;
  /** First retry delay; doubles per attempt, with jitter. Default 1000. */
  backoffBaseMs?: number;
  /** Cap for one retry delay. Default 5 minutes. */
  backoffMaxMs?: number;
}

export interface CreateOutboxOptions {
  /** ioredis options or a connected instance (BullMQ needs `maxRetriesPerRequest: null` on it). */
  connection: import('ioredis').RedisOptions | import('ioredis').Redis;
  /** Key prefix for the queue and the outbox's own keys; use a hash tag (`{dp}`) on Redis Cluster. */
  prefix: string;
  log: Logger;
  adapters: { telegram: ChatAdapter; bitrix24?: ChatAdapter };
  identity: IdentityStore;
  /**
   * Last-resort delivery through Bitrix24 (im.notify.system.add) for recipients Telegram cannot reach. `key` is
   * the same for every attempt of one message page (used as the notification TAG, which replaces an earlier one).
   */
  fallbackNotify: (b24UserId: number, text: string, key: string) => Promise<void>;
  supervisorOf: (b24UserId: number) => Promise<number | null>;
  settings: OutboxSettings;
  metrics?: OutboxMetrics;
  /** Wall clock for working-hours decisions (tests inject one); BullMQ delays still run on real time. */
  clock?: () => Date;
  /** The recipient's time zone (quiet hours, days off); default: settings.timezone for everyone. */
  timezoneOf?: (b24UserId: number) => Promise<string>;
  /** Told whenever a message waits for the recipient's window (the demo prints it; production logs it at debug). */
  onHeld?: (held: HeldMessage) => void;
  /** Queue name; default "outbox". */
  queueName?: string;
}

export interface StartWorkerOptions {
  concurrency?: number;
  /** BullMQ lock; a crashed worker's jobs are retried after it lapses. Default 30 000. */
  lockDurationMs?: number;
  /** How often workers look for jobs of crashed workers. Default 30 000. */
  stalledIntervalMs?: number;
}

export interface WorkerHandle {
  /** Stops taking jobs and waits for active ones up to `deadlineMs`; true when it closed in time. */
  close(deadlineMs?: number): Promise<boolean>;
}

/** Digest item as stored in Redis while pending. */
export interface DigestItem {
  id: string;
  key: string;
  kind: string;
  entity: EntityRef;
  line: Record<Locale, string>;
  buttons: Record<Locale, Button[]>;
}

/** BullMQ job payload: the intent with dates as epoch ms. */
export interface OutboxJobData {
  id: string;
  recipient: number;
  kind: string;
  entity: EntityRef;
  key: string;
  message: Record<Locale, ChatMessage>;
  digestLine?: Record<Locale, string>;
  /** Epoch ms the message is meant for (notBefore or enqueue time); digests fold only due items. */
  dueAt: number;
  urgent: boolean;
}

/** A message that waits for its recipient's delivery window. */
export interface HeldMessage {
  recipient: number;
  kind: string;
  until: Date;
  reason: HeldReason;
  timezone: string;
}

/** Why a message waits: the recipient's quiet hours, or their day off. */
export type HeldReason = 'quiet_hours' | 'day_off';
