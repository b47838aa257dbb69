import type { Server } from 'node:http';
import { Queue } from 'bullmq';
import express, { type Express } from 'express';
import { afterEach, describe, expect, it } from 'vitest';
import { mountDashboard, parseBasicAuth } from '../../src/http/dashboard.js';
import { createMetrics, mountMetrics } from '../../src/http/metrics.js';
import { testRedisUrl, uniquePrefix } from '../support/redis.js';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function serve(app: Express): Promise<string> {
  const server: Server = await new Promise((resolve) => { const s = app.listen(0, '127.0.0.1', () => resolve(s)); });
  cleanups.push(() => new Promise((resolve) => { server.close(() => resolve()); server.closeAllConnections(); }));
  const address = server.address();
  return `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
}

function testQueue(): Queue {
  const queue = new Queue('outbox', { connection: { url: testRedisUrl(), maxRetriesPerRequest: null }, prefix: uniquePrefix('http') });
  cleanups.push(() => queue.close());
  return queue;
}

const basic = (user: string, password: string) => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;

describe('queue dashboard', () => {
  it('is 404 when credentials are not configured', async () => {
    const app = express();
    expect(mountDashboard(app, { queues: [testQueue()] })).toBe(false);
    expect(mountDashboard(app, { queues: [], user: 'admin' })).toBe(false);
    const base = await serve(app);
    expect((await fetch(`${base}/admin/queues`)).status).toBe(404);
  });

  it('refuses without or with wrong credentials and serves Bull Board with the right ones', async () => {
    const app = express();
    expect(mountDashboard(app, { queues: [testQueue()], user: 'admin', password: 's3cret-pass' })).toBe(true);
    const base = await serve(app);
    const none = await fetch(`${base}/admin/queues`);
    expect(none.status).toBe(401);
    expect(none.headers.get('www-authenticate')).toMatch(/^Basic realm=/);
    expect((await fetch(`${base}/admin/queues`, { headers: { authorization: basic('admin', 'wrong') } })).status).toBe(401);
    expect((await fetch(`${base}/admin/queues`, { headers: { authorization: basic('root', 's3cret-pass') } })).status).toBe(401);
    const ok = await fetch(`${base}/admin/queues`, { headers: { authorization: basic('admin', 's3cret-pass') } });
    expect(ok.status).toBe(200);
    expect(await ok.text()).toMatch(/<html/i);
    const api = await fetch(`${base}/admin/queues/api/queues`, { headers: { authorization: basic('admin', 's3cret-pass') } });
    expect(api.status).toBe(200);
    expect(JSON.stringify(await api.json())).toContain('outbox');
  });

  it('parses basic credentials, passwords with colons included', () => {
    expect(parseBasicAuth(basic('a', 'b:c'))).toEqual({ user: 'a', password: 'b:c' });
    expect(parseBasicAuth('Bearer x')).toBeNull();
    expect(parseBasicAuth(undefined)).toBeNull();
  });
});

describe('/metrics', () => {
  it('exposes message, CRM and callback metrics and reads queue depths at scrape time', async () => {
    const queue = testQueue();
    const metrics = createMetrics({ queues: [queue] });
    metrics.outbox.sent('lead.new', 'telegram');
    metrics.outbox.sent('lead.new', 'telegram');
    metrics.outbox.failed('deal.stuck', 'rejected');
    metrics.outbox.deduplicated('lead.new', 'enqueue');
    metrics.crmRequests.inc({ method: 'crm.deal.list' });
    metrics.crmErrors.inc({ method: 'crm.deal.list', code: 'QUERY_LIMIT_EXCEEDED' });
    metrics.callbackLatency.observe({ action: 'take' }, 0.2);
    await queue.add('x', {}, { delay: 60_000 });
    await queue.add('y', {});
    const app = express();
    mountMetrics(app, metrics.registry);
    const base = await serve(app);
    const response = await fetch(`${base}/metrics`);
    expect(response.headers.get('content-type')).toContain('text/plain');
    const body = await response.text();
    expect(body).toContain('dealpilot_messages_sent_total{kind="lead.new",channel="telegram"} 2');
    expect(body).toContain('dealpilot_messages_failed_total{kind="deal.stuck",reason="rejected"} 1');
    expect(body).toContain('dealpilot_messages_deduplicated_total{kind="lead.new",stage="enqueue"} 1');
    expect(body).toContain('dealpilot_crm_requests_total{method="crm.deal.list"} 1');
    expect(body).toContain('dealpilot_crm_errors_total{method="crm.deal.list",code="QUERY_LIMIT_EXCEEDED"} 1');
    expect(body).toContain('dealpilot_callback_handling_seconds_count{action="take"} 1');
    expect(body).toContain('dealpilot_queue_jobs{queue="outbox",state="delayed"} 1');
    expect(body).toContain('dealpilot_queue_jobs{queue="outbox",state="waiting"} 1');
    await queue.add('z', {});
    expect(await (await fetch(`${base}/metrics`)).text()).toContain('dealpilot_queue_jobs{queue="outbox",state="waiting"} 2');
  });
});
