import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';

// No Docker engine runs here, so the deployment files are checked by reading them.
describe('Dockerfile', () => {
  const text = readFileSync('Dockerfile', 'utf8');
  const stages = text.split('\n').filter((l) => l.startsWith('FROM '));

  it('is multi-stage and ships production dependencies only', () => {
    expect(stages.length).toBeGreaterThanOrEqual(2);
    expect(text).toMatch(/npm ci --omit=dev/);
    expect(text).toMatch(/COPY --from=build \/app\/dist/);
  });

  it('runs as a non-root user with `dealpilot start`', () => {
    const runtime = text.slice(text.lastIndexOf('FROM '));
    expect(runtime).toMatch(/^USER node$/m);
    expect(runtime).toContain('ENTRYPOINT ["node", "dist/main.js"]');
    expect(runtime).toContain('CMD ["start"]');
  });

  it('uses a Node LTS image the code runs on', () => {
    for (const stage of stages) expect(stage).toMatch(/node:(20|22|24)/);
  });
});

describe('docker-compose.yml', () => {
  const compose = parse(readFileSync('docker-compose.yml', 'utf8')) as {
    services: Record<string, { command?: string[]; image?: string; volumes?: string[]; healthcheck?: unknown;
      environment?: Record<string, string>; depends_on?: Record<string, { condition: string }> }>;
    volumes: Record<string, unknown>;
  };

  it('runs Redis 7 durable and without eviction, on a volume, with a health check', () => {
    const redis = compose.services.redis!;
    expect(redis.image).toMatch(/^redis:7/);
    const command = redis.command!.join(' ');
    expect(command).toContain('--appendonly yes');
    expect(command).toContain('--appendfsync everysec');
    expect(command).toContain('--maxmemory-policy noeviction');
    expect(redis.volumes?.[0]).toMatch(/^redis-data:/);
    expect(Object.keys(compose.volumes)).toContain('redis-data');
    expect(redis.healthcheck).toBeDefined();
  });

  it('starts dealpilot after Redis is healthy and points it at that Redis', () => {
    const app = compose.services.dealpilot!;
    expect(app.command).toEqual(['start']);
    expect(app.environment?.REDIS_URL).toBe('redis://redis:6379');
    expect(app.depends_on?.redis?.condition).toBe('service_healthy');
    expect(compose.services.worker?.command).toEqual(['worker']);
  });
});
