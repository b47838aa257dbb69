/**
 * A small in-process cache for reference data (users, departments, stages, pipelines): one value, a short TTL,
 * concurrent readers share one load, and a failed load is not cached.
 */
export interface TtlCache<T> {
  get(): Promise<T>;
  /** Loads now, replacing the cached value. */
  refresh(): Promise<T>;
  invalidate(): void;
}

export function createTtlCache<T>(ttlMs: number, load: () => Promise<T>, now: () => number = Date.now): TtlCache<T> {
  let value: { data: T; loadedAt: number } | undefined;
  let pending: Promise<T> | undefined;

  function start(): Promise<T> {
    if (pending) return pending;
    const run = load().then((data) => {
      value = { data, loadedAt: now() };
      return data;
    });
    pending = run;
    const clear = (): void => { if (pending === run) pending = undefined; };
    run.then(clear, clear);
    return run;
  }

  return {
    async get() {
      if (value && now() - value.loadedAt < ttlMs) return value.data;
      return start();
    },
    refresh() {
      value = undefined;
      return start();
    },
    invalidate() {
      value = undefined;
    },
  };
}
