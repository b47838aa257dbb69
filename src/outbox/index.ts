export { jitteredBackoff } from './backoff.js';
export { buildDigestPages, type DigestPage, MAX_BUTTONS_PER_MESSAGE } from './digest.js';
export { notificationId } from './keys.js';
export { createOutbox, type DeliveryOutcome, type Outbox, type OutboxQueue } from './outbox.js';
export { toPlainText } from './plain-text.js';
export { outboxTexts } from './texts.js';
export type {
  CreateOutboxOptions, DigestItem, EnqueueResult, EntityRef, HeldMessage, NotificationIntent, OutboxJobData,
  OutboxMetrics, OutboxSettings, StartWorkerOptions, StoredMessageRef, WorkerHandle,
} from './types.js';
export { deliveryWindowFor } from './window.js';
