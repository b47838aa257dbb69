import { withinDeadline } from './timing.js';

/** Counts jobs in progress in this process, so shutdown can wait for them with a deadline. */
export function createRunningSet() {
  let count = 0;
  const waiters = new Set<() => void>();
  return {
    count: () => count,
    async track<T>(work: () => Promise<T>): Promise<T> {
      count += 1;
      try {
        return await work();
      } finally {
        count -= 1;
        if (count === 0) for (const wake of waiters) wake();
      }
    },
    /** true when nothing runs (now or before the deadline). */
    async idle(deadlineMs: number): Promise<boolean> {
      if (count === 0) return true;
      let wake!: () => void;
      const drained = new Promise<void>((resolve) => { wake = resolve; waiters.add(wake); });
      await withinDeadline(drained, deadlineMs);
      waiters.delete(wake);
      return count === 0;
    },
  };
}
