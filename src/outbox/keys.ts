import { createHash } from 'node:crypto';
import type { EntityRef } from './types.js';

/** Stable id of one (recipient, key) notification: the BullMQ job id and the suffix of its Redis records. */
export function notificationId(recipient: number, key: string): string {
  // A letter first: BullMQ refuses custom job ids that parse as integers.
  return `n${createHash('sha1').update(`${recipient}\n${key}`).digest('hex')}`;
}

/** Every Redis key the outbox writes besides BullMQ's own, under one prefix. */
export function outboxKeys(prefix: string) {
  const base = `${prefix}:ob`;
  return {
    accepted: (id: string) => `${base}:acc:${id}`,
    sent: (id: string) => `${base}:sent:${id}`,
    sending: (id: string) => `${base}:sending:${id}`,
    claimPrefix: `${base}:claim:`,
    digestPrefix: `${base}:dig:`,
    digestPages: (id: string) => `${base}:digpages:${id}`,
    pending: (recipient: number, kind: string) => `${base}:pend:${recipient}:${kind}`,
    items: (recipient: number, kind: string) => `${base}:items:${recipient}:${kind}`,
    ref: (kind: string, entity: EntityRef, recipient: number) => `${base}:ref:${kind}:${entity.type}:${entity.id}:${recipient}`,
    gate: `${base}:gate`,
    chatSlot: (channel: string, chatId: string) => `${base}:chat:${channel}:${chatId}`,
    spread: (recipient: number) => `${base}:spread:${recipient}`,
  };
}

export type OutboxKeys = ReturnType<typeof outboxKeys>;
