export { createOutbox, type Outbox, type OutboxQueue, type DeliveryOutcome } from './outbox.js';
export type {
  NotificationIntent, EnqueueResult, EntityRef, StoredMessageRef, OutboxMetrics, OutboxSettings, CreateOutboxOptions,
  StartWorkerOptions, WorkerHandle, OutboxJobData, DigestItem, HeldMessage,
} from './types.js';
export { buildDigestPages, MAX_BUTTONS_PER_MESSAGE, type DigestPage } from './digest.js';
export { deliveryWindowFor } from './window.js';
export { jitteredBackoff } from './backoff.js';
export { toPlainText } from './plain-text.js';
export { notificationId } from './keys.js';
export { outboxTexts } from './texts.js';
