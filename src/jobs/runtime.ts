import { type ConnectionOptions, type Job, type JobsOptions, type MinimalJob, Queue, Worker } from 'bullmq';
import type { Logger } from '../infra/log.js';
import { createRunningSet } from '../infra/running.js';
import { maskSecrets } from '../infra/secrets.js';

/**
 * Background work: each capability defines named jobs on its own queue; schedules are BullMQ job schedulers
 * (cron + time zone), upserted idempotently by every process, so a tick runs once however many workers run.
 */
export interface JobDefinition<Data = Record<string, unknown>> {
  /** Queue (one per capability, e.g. `leads`). */
  queue: string;
  /** Job name within the queue. */
  name: string;
  /** Cron pattern in the schedule time zone; absent for jobs triggered by events or commands. */
  schedule?: string;
  process(job: Job<Data>): Promise<unknown>;
  /** Default options for jobs of this name (attempts, backoff…). */
  options?: JobsOptions;
}

export interface JobRuntime {
  queue(name: string): Queue;
  queues(): Queue[];
  add<Data>(queue: string, name: string, data: Data, options?: JobsOptions): Promise<Job<Data>>;
  /** Registers every schedule, or those of the queues `only` keeps (idempotent; safe from every process). */
  registerSchedules(only?: (queue: string) => boolean): Promise<void>;
  /** Starts one worker per queue in this process. */
  startWorkers(concurrency?: number): void;
  /** Stops workers within the deadline (worker.close() has no timeout of its own) and closes queues. */
  close(deadlineMs: number): Promise<void>;
}

export const DEFAULT_JOB_OPTIONS: JobsOptions = {
  attempts: 5,
  backoff: { type: 'exponential', delay: 2_000, jitter: 0.3 },
  removeOnComplete: { age: 24 * 3600, count: 1000 },
  removeOnFail: { age: 7 * 24 * 3600 },
};

/** Longest pause between two attempts of a job with `backoff: {type: 'capped'}`. */
export const CAPPED_BACKOFF_MAX_MS = 60_000;

/**
 * `backoff: {type: 'capped', delay}`: exponential from `delay`, never more than a minute apart, ±20 % jitter — for
 * steps that must be finished soon after a dependency (the portal) answers again, however long it was away.
 */
export function cappedBackoff(attemptsMade: number, type?: string, _error?: Error, job?: MinimalJob): number {
  if (type !== 'capped') return 0;
  const opts = job?.opts.backoff;
  const base = typeof opts === 'object' && opts.delay ? opts.delay : 1_000;
  const raw = Math.min(CAPPED_BACKOFF_MAX_MS, base * 2 ** Math.max(0, attemptsMade - 1));
  return Math.round(raw * (0.8 + Math.random() * 0.4));
}

export function createJobRuntime(options: {
  connection: ConnectionOptions;
  prefix?: string;
  timezone: string;
  log: Logger;
  definitions: JobDefinition<any>[];
}): JobRuntime {
  const prefix = options.prefix ?? 'dp';
  const queues = new Map<string, Queue>();
  const workers: Worker[] = [];
  const byQueue = new Map<string, Map<string, JobDefinition<any>>>();
  for (const definition of options.definitions) {
    const names = byQueue.get(definition.queue) ?? new Map<string, JobDefinition<any>>();
    if (names.has(definition.name)) throw new Error(`job ${definition.queue}/${definition.name} is defined twice`);
    names.set(definition.name, definition);
    byQueue.set(definition.queue, names);
  }

  const running = createRunningSet();

  function queue(name: string): Queue {
    let q = queues.get(name);
    if (!q) {
      q = new Queue(name, { connection: options.connection, prefix, defaultJobOptions: DEFAULT_JOB_OPTIONS });
      queues.set(name, q);
    }
    return q;
  }
  for (const name of byQueue.keys()) queue(name);

  return {
    queue,
    queues: () => [...queues.values()],
    async add(queueName, name, data, jobOptions) {
      const definition = byQueue.get(queueName)?.get(name);
      return queue(queueName).add(name, data as never, { ...definition?.options, ...jobOptions }) as Promise<Job<any>>;
    },
    async registerSchedules(only) {
      for (const definition of options.definitions) {
        if (!definition.schedule || (only && !only(definition.queue))) continue;
        await queue(definition.queue).upsertJobScheduler(`${definition.name}-schedule`,
          { pattern: definition.schedule, tz: options.timezone },
          { name: definition.name, data: {}, opts: { ...definition.options } });
      }
    },
    startWorkers(concurrency = 4) {
      for (const [queueName, names] of byQueue) {
        const worker = new Worker(queueName, async (job) => {
          const definition = names.get(job.name);
          if (!definition) throw new Error(`no processor for job ${queueName}/${job.name}`);
          return running.track(() => definition.process(job));
        }, { connection: options.connection, prefix, concurrency, settings: { backoffStrategy: cappedBackoff } });
        worker.on('failed', (job, error) => {
          options.log.warn({ queue: queueName, job: job?.name, jobId: job?.id, attempts: job?.attemptsMade, err: error },
            maskSecrets(`job failed: ${error.message}`));
        });
        worker.on('error', (error) => options.log.error({ queue: queueName, err: error }, 'worker error'));
        workers.push(worker);
      }
    },
    async close(deadlineMs) {
      // Stop taking jobs, give the running ones the deadline, then close — forcing it only when some are still
      // running. BullMQ keeps the first close() call, so a graceful close() cannot be forced later.
      await Promise.all(workers.map((w) => w.pause(true)));
      const finished = await running.idle(deadlineMs);
      if (!finished) options.log.warn({ running: running.count() }, 'workers did not finish in time; closing anyway (their jobs will be retried)');
      await Promise.all(workers.map((w) => w.close(!finished)));
      await Promise.all([...queues.values()].map((q) => q.close()));
    },
  };
}
