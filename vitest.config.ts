import { availableParallelism } from 'node:os';
import { defineConfig } from 'vitest/config';

// Most test files wait on sockets, Redis and BullMQ timers rather than compute, so twice the cores keeps the CPU
// busy (measured on 2 cores: 1 worker 204 s, 4 workers 75 s, 6 workers 90 s — then CPU-bound).
const workers = Number(process.env.TEST_WORKERS) || Math.max(2, availableParallelism() * 2);

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts', 'packages/*/test/**/*.test.ts'],
    globalSetup: ['test/support/global-redis.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    pool: 'threads',
    maxWorkers: workers,
    // Threads, one module graph per worker instead of per file: the app's imports (BullMQ, grammY, the SDK) cost ~1 s a
    // file. Tests isolate by Redis key prefix and by their own sandboxes, never by module state.
    isolate: false,
  },
});
