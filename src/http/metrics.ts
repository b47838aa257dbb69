import type { Queue } from 'bullmq';
import type { Express } from 'express';
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import type { OutboxMetrics } from '../outbox/types.js';

/** What a queue-depth gauge needs from a BullMQ queue. */
export type QueueDepthSource = Pick<Queue, 'name' | 'getJobCounts'>;

const QUEUE_STATES = ['waiting', 'active', 'delayed', 'prioritized', 'failed', 'completed'] as const;

export interface AppMetrics {
  registry: Registry;
  messagesSent: Counter<'kind' | 'channel'>;
  messagesFailed: Counter<'kind' | 'reason'>;
  messagesDeduplicated: Counter<'kind' | 'stage'>;
  /** The CRM gateway increments these per REST call / failed call (`code`: Bitrix24 error code or HTTP status). */
  crmRequests: Counter<'method'>;
  crmErrors: Counter<'method' | 'code'>;
  /** The bot observes how long handling one callback query took, in seconds. */
  callbackLatency: Histogram<'action'>;
  /** The outbox's counters, backed by the three message counters above. */
  outbox: OutboxMetrics;
  /** Adds queues whose depth is read on each scrape. */
  watchQueues(queues: readonly QueueDepthSource[]): void;
}

/**
 * One registry per process (a factory, not prom-client's global registry, so tests build as many as they
 * like). Queue depths are read from Redis when /metrics is scraped, never polled in the background.
 */
export function createMetrics(options: { queues?: readonly QueueDepthSource[]; defaultMetrics?: boolean } = {}): AppMetrics {
  const registry = new Registry();
  if (options.defaultMetrics) collectDefaultMetrics({ register: registry, prefix: 'dealpilot_' });
  const queues: QueueDepthSource[] = [...(options.queues ?? [])];

  const messagesSent = new Counter({
    name: 'dealpilot_messages_sent_total', help: 'Notifications delivered, by kind and channel', labelNames: ['kind', 'channel'] as const, registers: [registry],
  });
  const messagesFailed = new Counter({
    name: 'dealpilot_messages_failed_total', help: 'Notifications that ended in the failed set', labelNames: ['kind', 'reason'] as const, registers: [registry],
  });
  const messagesDeduplicated = new Counter({
    name: 'dealpilot_messages_deduplicated_total', help: 'Notifications not sent again: duplicate key or folded into a digest',
    labelNames: ['kind', 'stage'] as const, registers: [registry],
  });
  const crmRequests = new Counter({
    name: 'dealpilot_crm_requests_total', help: 'Bitrix24 REST calls, by method', labelNames: ['method'] as const, registers: [registry],
  });
  const crmErrors = new Counter({
    name: 'dealpilot_crm_errors_total', help: 'Failed Bitrix24 REST calls, by method and error code', labelNames: ['method', 'code'] as const, registers: [registry],
  });
  const callbackLatency = new Histogram({
    name: 'dealpilot_callback_handling_seconds', help: 'Time to handle one button press, answer included',
    labelNames: ['action'] as const, buckets: [0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 15], registers: [registry],
  });
  new Gauge({
    name: 'dealpilot_queue_jobs', help: 'Jobs per queue and state, read at scrape time', labelNames: ['queue', 'state'] as const, registers: [registry],
    async collect() {
      this.reset();
      await Promise.all(queues.map(async (queue) => {
        const counts = await queue.getJobCounts(...QUEUE_STATES);
        for (const state of QUEUE_STATES) this.set({ queue: queue.name, state }, counts[state] ?? 0);
      }));
    },
  });

  return {
    registry, messagesSent, messagesFailed, messagesDeduplicated, crmRequests, crmErrors, callbackLatency,
    outbox: {
      sent: (kind, channel) => messagesSent.inc({ kind, channel }),
      failed: (kind, reason) => messagesFailed.inc({ kind, reason }),
      deduplicated: (kind, stage) => messagesDeduplicated.inc({ kind, stage }),
    },
    watchQueues(more) {
      queues.push(...more);
    },
  };
}

/** GET /metrics in the Prometheus text format. */
export function mountMetrics(app: Express, registry: Registry, path = '/metrics'): void {
  app.get(path, async (_req, res) => {
    const body = await registry.metrics();
    res.type(registry.contentType).send(body);
  });
}
