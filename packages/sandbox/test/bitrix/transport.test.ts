import { type BitrixSandbox, startBitrixSandbox } from '@dealpilot/sandbox/bitrix';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { NOW, raw, rest } from './helpers.js';

let sandbox: BitrixSandbox;

beforeAll(async () => {
  sandbox = await startBitrixSandbox({ now: NOW, code: 'secretcode123456', rateLimit: { enabled: false } });
});
afterAll(async () => {
  await sandbox.close();
});
beforeEach(() => {
  sandbox.faults.reset();
  sandbox.resetLog();
  sandbox.setRateLimit({ enabled: false });
});

describe('transport and envelope', () => {
  it('serves /rest/<user>/<code>/<method> with and without .json, ignoring the SDK telemetry params', async () => {
    expect(sandbox.webhookUrl).toBe(`${sandbox.origin}/rest/1/secretcode123456/`);
    const plain = await rest(sandbox, 'server.time');
    const withJson = await raw(`${sandbox.webhookUrl}server.time.json`);
    expect(plain.status).toBe(200);
    expect(plain.body.result).toBe('2026-03-02T09:00:00+03:00');
    expect(withJson.body.result).toBe(plain.body.result);
    expect(sandbox.callLog.map((c) => c.params)).toEqual([{}, {}]);
  });

  it('answers with the full time block, operating included', async () => {
    const { body } = await rest(sandbox, 'crm.deal.get', { id: 1 });
    expect(Object.keys(body)).toEqual(['result', 'time']);
    expect(Object.keys(body.time).sort()).toEqual(
      ['date_finish', 'date_start', 'duration', 'finish', 'operating', 'operating_reset_at', 'processing', 'start'],
    );
    expect(body.time.start).toBe(NOW.getTime() / 1000);
    expect(body.time.date_start).toBe('2026-03-02T09:00:00+03:00');
    expect(body.time.operating_reset_at).toBe(NOW.getTime() / 1000 + 600);
    expect(typeof body.time.operating).toBe('number');
  });

  it('reads form bodies and GET query strings in PHP bracket notation', async () => {
    const form = await raw(`${sandbox.webhookUrl}crm.deal.list`, {
      method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'filter%5B%3EID%5D=195&select%5B%5D=ID&select%5B%5D=TITLE',
    });
    const query = await raw(`${sandbox.webhookUrl}crm.deal.list.json?filter[>ID]=195&select[]=ID&select[]=TITLE`);
    expect(form.body.result.map((d: { ID: string }) => d.ID)).toEqual(['196', '197', '198', '199', '200']);
    expect(query.body.result).toEqual(form.body.result);
    expect(Object.keys(form.body.result[0]).sort()).toEqual(['ID', 'TITLE']);
  });

  it('refuses a wrong webhook code or user with 401 NO_AUTH_FOUND', async () => {
    const wrongCode = await raw(`${sandbox.origin}/rest/1/nottherightcode1/server.time`);
    const wrongUser = await raw(`${sandbox.origin}/rest/2/secretcode123456/server.time`);
    for (const r of [wrongCode, wrongUser]) {
      expect(r.status).toBe(401);
      expect(r.body).toEqual({ error: 'NO_AUTH_FOUND', error_description: 'Wrong authorization data' });
    }
  });

  it('answers 404 ERROR_METHOD_NOT_FOUND for unknown methods and REST 3.0 paths', async () => {
    const unknown = await rest(sandbox, 'crm.deal.teleport');
    const v3 = await raw(`${sandbox.origin}/rest/api/1/secretcode123456/crm.deal.list`);
    for (const r of [unknown, v3]) {
      expect(r.status).toBe(404);
      expect(r.body).toEqual({ error: 'ERROR_METHOD_NOT_FOUND', error_description: 'Method not found!' });
    }
  });

  it('answers legacy CRM misses with 400 and an empty error code', async () => {
    const missing = await rest(sandbox, 'crm.deal.get', { id: 999_999 });
    const badId = await rest(sandbox, 'crm.lead.get', { id: 'abc' });
    const update = await rest(sandbox, 'crm.deal.update', { id: 999_999, fields: { TITLE: 'x' } });
    expect(missing).toEqual({ status: 400, body: { error: '', error_description: 'Not found' } });
    expect(badId).toEqual({ status: 400, body: { error: '', error_description: 'ID is not defined or invalid' } });
    expect(update).toEqual({ status: 400, body: { error: '', error_description: 'Not found' } });
  });

  it('answers 401 expired_token to everything in expired-token mode', async () => {
    sandbox.faults.setExpiredToken(true);
    const r = await rest(sandbox, 'server.time');
    expect(r).toEqual({ status: 401, body: { error: 'expired_token', error_description: 'The access token provided has expired.' } });
    sandbox.faults.setExpiredToken(false);
    expect((await rest(sandbox, 'server.time')).status).toBe(200);
  });

  it('fails the next N calls of a method with the given error, then recovers', async () => {
    sandbox.faults.failNext('crm.deal.get', 2, { status: 403, error: 'ACCESS_DENIED', description: 'Access denied.' });
    sandbox.faults.failNext('crm.lead.get', 1, { status: 429, error: 'OPERATION_TIME_LIMIT', description: 'Method is blocked due to operation time limit.' });
    sandbox.faults.failNext('server.time', 1); // default: 503 QUERY_LIMIT_EXCEEDED
    sandbox.faults.failNext('profile', 1, { status: 403, error: 'INVALID_CREDENTIALS', description: 'Invalid request credentials' });
    sandbox.faults.failNext('user.get', 1, { status: 500, error: 'INTERNAL_SERVER_ERROR', description: 'Internal server error' });
    expect(await rest(sandbox, 'crm.deal.get', { id: 1 })).toEqual({ status: 403, body: { error: 'ACCESS_DENIED', error_description: 'Access denied.' } });
    expect((await rest(sandbox, 'crm.deal.get', { id: 1 })).status).toBe(403);
    expect((await rest(sandbox, 'crm.deal.get', { id: 1 })).status).toBe(200);
    expect(await rest(sandbox, 'crm.lead.get', { id: 1 })).toEqual({ status: 429,
      body: { error: 'OPERATION_TIME_LIMIT', error_description: 'Method is blocked due to operation time limit.' } });
    expect(await rest(sandbox, 'server.time')).toEqual({ status: 503, body: { error: 'QUERY_LIMIT_EXCEEDED', error_description: 'Too many requests' } });
    expect(await rest(sandbox, 'profile')).toEqual({ status: 403, body: { error: 'INVALID_CREDENTIALS', error_description: 'Invalid request credentials' } });
    expect(await rest(sandbox, 'user.get')).toEqual({ status: 500, body: { error: 'INTERNAL_SERVER_ERROR', error_description: 'Internal server error' } });
    expect(sandbox.callLog.map((c) => c.status)).toEqual([403, 403, 200, 429, 503, 403, 500]);
  });

  it('refuses requests over the leaky bucket with 503 QUERY_LIMIT_EXCEEDED', async () => {
    sandbox.setRateLimit({ enabled: true, burst: 3, drainPerSecond: 0.001 });
    const statuses: number[] = [];
    for (let i = 0; i < 5; i += 1) statuses.push((await rest(sandbox, 'server.time')).status);
    expect(statuses).toEqual([200, 200, 200, 503, 503]);
    const refused = await rest(sandbox, 'server.time');
    expect(refused.body).toEqual({ error: 'QUERY_LIMIT_EXCEEDED', error_description: 'Too many requests' });
  });

  it('answers a share of requests with 503/500 by the configured rates', async () => {
    sandbox.faults.setFailureRates({ status503: 1 });
    expect((await rest(sandbox, 'server.time')).status).toBe(503);
    sandbox.faults.setFailureRates({ status503: 0, status500: 1 });
    expect((await rest(sandbox, 'server.time')).body.error).toBe('INTERNAL_SERVER_ERROR');
    sandbox.faults.setFailureRates({ status500: 0.5 });
    const outcomes = new Set<number>();
    for (let i = 0; i < 30; i += 1) outcomes.add((await rest(sandbox, 'server.time')).status);
    expect([...outcomes].sort()).toEqual([200, 500]);
  });

  it('times out by destroying the socket or by holding it until the client gives up', async () => {
    sandbox.faults.setFailureRates({ timeout: 1, timeoutMode: 'destroy' });
    await expect(rest(sandbox, 'server.time')).rejects.toThrow();
    sandbox.faults.setFailureRates({ timeout: 1, timeoutMode: 'hang' });
    const aborted = fetch(`${sandbox.webhookUrl}server.time`, { signal: AbortSignal.timeout(200) });
    await expect(aborted).rejects.toThrow(/abort|timeout/i);
    expect(sandbox.callLog.map((c) => [c.method, c.status, c.error])).toEqual([['server.time', 0, 'TIMEOUT'], ['server.time', 0, 'TIMEOUT']]);
  });

  it('adds latency without changing the answer', async () => {
    sandbox.faults.setLatency({ min: 5, max: 15 });
    const r = await rest(sandbox, 'server.time');
    expect(r.status).toBe(200);
    expect(sandbox.faults.nextLatency()).toBeGreaterThanOrEqual(5);
    expect(sandbox.faults.nextLatency()).toBeLessThanOrEqual(15);
  });

  it('keeps a call log with counters, also over HTTP', async () => {
    await rest(sandbox, 'crm.deal.update', { id: 1, fields: { TITLE: 'renamed' } });
    await rest(sandbox, 'crm.deal.get', { id: 1 });
    await rest(sandbox, 'batch', { halt: 0, cmd: { a: 'crm.lead.update?id=1&fields[TITLE]=x', b: 'crm.deal.productrows.set?id=1', c: 'server.time' } });
    expect(sandbox.requestCount()).toBe(3);
    expect(sandbox.writeCalls()).toBe(3);
    const entry = sandbox.callLog[0]!;
    expect(entry).toMatchObject({ method: 'crm.deal.update', params: { id: 1, fields: { TITLE: 'renamed' } }, status: 200, viaBatch: false });
    expect(entry.at).toBe(NOW.getTime());
    expect(sandbox.callLog.filter((c) => c.viaBatch).map((c) => c.method)).toEqual(['crm.lead.update', 'crm.deal.productrows.set', 'server.time']);

    const remote = await raw(`${sandbox.origin}/sandbox/calls`);
    expect(remote.body.requestCount).toBe(3);
    expect(remote.body.writeCalls).toBe(3);
    expect(remote.body.calls).toHaveLength(6);
    await raw(`${sandbox.origin}/sandbox/reset-log`, { method: 'POST' });
    expect(sandbox.requestCount()).toBe(0);
    expect(sandbox.callLog).toHaveLength(0);
  });
});
