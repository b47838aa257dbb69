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
      let timer: NodeJS.Timeout | undefined;
      let wake!: () => void;
      await new Promise<void>((resolve) => {
        wake = resolve;
        waiters.add(wake);
        timer = setTimeout(resolve, deadlineMs);
      });
      clearTimeout(timer);
      waiters.delete(wake);
      return count === 0;
    },
  };
}
