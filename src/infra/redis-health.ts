import type { Redis } from 'ioredis';

/**
 * Whether Redis answers, known without waiting: a PING every `intervalMs` that must come back within `timeoutMs`.
 * Commands on a connection with `maxRetriesPerRequest: null` (as BullMQ needs) wait for Redis however long it is
 * away; a person pressing a button meanwhile is told at once instead.
 */
export interface RedisHealth {
  healthy(): boolean;
  stop(): void;
}

export function watchRedisHealth(redis: Redis, options: { intervalMs?: number; timeoutMs?: number } = {}): RedisHealth {
  const intervalMs = options.intervalMs ?? 1_000;
  const timeoutMs = options.timeoutMs ?? 1_500;
  let healthy = true;
  let probing = false;
  const probe = async () => {
    // The previous PING is still out: its own timeout decides (a slow answer under load is not an outage).
    if (probing) return;
    probing = true;
    let timer: NodeJS.Timeout | undefined;
    try {
      const answered = await Promise.race([
        redis.ping().then(() => true, () => false),
        new Promise<boolean>((resolve) => { timer = setTimeout(() => resolve(false), timeoutMs); }),
      ]);
      healthy = answered && redis.status === 'ready';
    } finally {
      clearTimeout(timer);
      probing = false;
    }
  };
  const interval = setInterval(() => void probe(), intervalMs);
  interval.unref();
  return {
    healthy: () => healthy && redis.status === 'ready',
    stop: () => clearInterval(interval),
  };
}
