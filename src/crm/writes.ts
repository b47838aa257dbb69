import type { Job, JobsOptions } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Logger } from '../infra/log.js';
import type { JobDefinition } from '../jobs/runtime.js';
import { isTransient } from './errors.js';
import type { CrmGateway } from './gateway.js';
import { CrmError, type TaskInput, type TimelineCommentInput } from './index.js';
import { createOnceWriter, type OnceWriter, onceMarker } from './once.js';

const QUEUE = 'crm-writes';

type WriteJob =
  | { kind: 'comment'; key: string; input: TimelineCommentInput }
  | { kind: 'task'; key: string; input: Omit<TaskInput, 'deadline'> & { deadline?: string } };

/**
 * Audit comments and tasks, each written exactly once per key (see src/crm/once.ts). The write is tried at once;
 * when the portal fails in a way that may pass (5xx, timeout, rate limit) it becomes a job retried with capped
 * backoff (≤ 1 min apart, for about an hour), so the step is done soon after the portal answers again and the
 * caller — a button press, a scan — is not failed for a comment. A permanent refusal (bad request, no access)
 * is thrown to the caller.
 */
export interface CrmWritesDeps {
  log: Logger;
  crm: CrmGateway;
  redis: Redis;
  prefix: string;
  clock: () => Date;
  enqueue(queue: string, name: string, data: Record<string, unknown>, options?: JobsOptions): Promise<void>;
}

export interface CrmWrites {
  name: string;
  jobs: JobDefinition<any>[];
  timelineComment(key: string, input: TimelineCommentInput): Promise<void>;
  task(key: string, input: TaskInput): Promise<void>;
  readonly once: OnceWriter;
}

export function createCrmWrites(deps: CrmWritesDeps): CrmWrites {
  const log = deps.log.child({ capability: 'crm-writes' });
  const once = createOnceWriter({ crm: deps.crm, redis: deps.redis, prefix: deps.prefix, clock: deps.clock });

  const run = (write: WriteJob): Promise<number> => write.kind === 'comment'
    ? once.timelineComment(write.key, write.input)
    : once.task(write.key, taskInput(write.input));

  async function soon(write: WriteJob): Promise<void> {
    try {
      await run(write);
    } catch (error) {
      if (error instanceof CrmError && !isTransient(error)) throw error;
      log.warn({ key: write.key, kind: write.kind, err: error }, 'crm write failed; retrying it from a job');
      // One job per key: a second failure of the same step joins the queued retry.
      await deps.enqueue(QUEUE, 'write', write as unknown as Record<string, unknown>, { jobId: `write-${onceMarker(write.key).replace(':', '-')}` });
    }
  }

  return {
    name: 'crm-writes',
    once,
    jobs: [{
      queue: QUEUE, name: 'write',
      process: async (job: Job) => run(job.data as WriteJob),
      options: { attempts: 60, backoff: { type: 'capped', delay: 1_000 }, removeOnComplete: { age: 3600 } },
    }],
    timelineComment: (key, input) => soon({ kind: 'comment', key, input }),
    task: (key, input) => {
      const { deadline, ...rest } = input;
      return soon({ kind: 'task', key, input: { ...rest, ...(deadline ? { deadline: deadline.toISOString() } : {}) } });
    },
  };
}

function taskInput(wire: Extract<WriteJob, { kind: 'task' }>['input']): TaskInput {
  const { deadline, ...rest } = wire;
  return deadline ? { ...rest, deadline: new Date(deadline) } : rest;
}
