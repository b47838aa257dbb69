import { type BitrixSandbox, startBitrixSandbox } from '@dealpilot/sandbox/bitrix';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { NOW, raw, rest } from './helpers.js';

let sandbox: BitrixSandbox;

beforeAll(async () => {
  sandbox = await startBitrixSandbox({ now: NOW, rateLimit: { enabled: false } });
});
afterAll(async () => {
  await sandbox.close();
});
beforeEach(() => {
  sandbox.faults.reset();
  sandbox.resetLog();
  sandbox.setRateLimit({ enabled: false });
});

describe('batch', () => {
  it('returns result / result_error / result_total / result_next / result_time keyed by command', async () => {
    const { status, body } = await rest(sandbox, 'batch', {
      halt: 0,
      cmd: {
        page: 'crm.deal.list?select%5B0%5D=ID&order%5BID%5D=ASC',
        one: 'crm.deal.get?id=3',
        missing: 'crm.deal.get?id=999999',
        time: 'server.time',
      },
    });
    expect(status).toBe(200);
    expect(Object.keys(body)).toEqual(['result', 'time']);
    const { result, result_error, result_total, result_next, result_time } = body.result;
    expect(Object.keys(result)).toEqual(['page', 'one', 'time']);
    expect(result.page).toHaveLength(50);
    expect(result.one.ID).toBe('3');
    expect(result_error).toEqual({ missing: { error: '', error_description: 'Not found' } });
    expect(result_total).toEqual({ page: 200 });
    expect(result_next).toEqual({ page: 50 });
    expect(Object.keys(result_time)).toEqual(['page', 'one', 'missing', 'time']);
    expect(result_time.one).toMatchObject({ date_start: '2026-03-02T09:00:00+03:00' });
  });

  it('serializes empty maps as [] like PHP', async () => {
    const { body } = await rest(sandbox, 'batch', { cmd: { t: 'server.time' } });
    expect(body.result.result_error).toEqual([]);
    expect(body.result.result_total).toEqual([]);
    expect(body.result.result_next).toEqual([]);
  });

  it('resolves $result[key][…] references, encoded or not, and blanks unresolvable ones', async () => {
    const { body } = await rest(sandbox, 'batch', {
      halt: 0,
      cmd: {
        p0: 'crm.deal.list?select[]=ID&order[ID]=ASC&start=-1',
        p1: `crm.deal.list?select[]=ID&order[ID]=ASC&start=-1&filter${encodeURIComponent('[>ID]')}=${encodeURIComponent('$result[p0][49][ID]')}`,
        user: 'user.get?ID=3',
        dept: 'department.get?ID=$result[user][0][UF_DEPARTMENT][0]',
        broken: 'crm.deal.list?select[]=ID&start=-1&filter[>ID]=$result[nope][49][ID]',
      },
    });
    const r = body.result.result;
    expect(r.p1.map((d: { ID: string }) => Number(d.ID))).toEqual(Array.from({ length: 50 }, (_, i) => 51 + i));
    expect(r.dept).toEqual([{ ID: '3', NAME: 'Продажи Москва', SORT: 500, PARENT: '2', UF_HEAD: '3' }]);
    expect(r.broken).toEqual([]);
  });

  it('halt: 1 stops at the first failing command', async () => {
    const cmd = { a: 'crm.deal.get?id=1', b: 'crm.deal.get?id=999999', c: 'crm.deal.get?id=2' };
    const halted = (await rest(sandbox, 'batch', { halt: 1, cmd })).body.result;
    expect(Object.keys(halted.result)).toEqual(['a']);
    expect(Object.keys(halted.result_error)).toEqual(['b']);
    const all = (await rest(sandbox, 'batch', { halt: 0, cmd })).body.result;
    expect(Object.keys(all.result)).toEqual(['a', 'c']);
  });

  it('refuses a nested batch and commands past the 50th', async () => {
    const cmd: Record<string, string> = { nested: 'batch?cmd[x]=server.time' };
    for (let i = 0; i < 51; i += 1) cmd[`t${i}`] = 'server.time';
    const { status, body } = await rest(sandbox, 'batch', { halt: 0, cmd });
    expect(status).toBe(200);
    expect(body.result.result_error.nested).toEqual({ error: 'ERROR_BATCH_METHOD_NOT_ALLOWED', error_description: 'Method is not allowed for batch usage' });
    expect(Object.keys(body.result.result)).toHaveLength(49);
    expect(body.result.result_error.t49).toEqual({ error: 'ERROR_BATCH_LENGTH_EXCEEDED', error_description: 'Max batch length exceeded' });
    expect(body.result.result_error.t50).toEqual({ error: 'ERROR_BATCH_LENGTH_EXCEEDED', error_description: 'Max batch length exceeded' });
    const statuses = sandbox.callLog.filter((c) => c.viaBatch && c.status !== 200).map((c) => c.status);
    expect(statuses).toEqual([405, 400, 400]);
  });

  it('takes cmd as a form body and as an array', async () => {
    const form = await raw(`${sandbox.webhookUrl}batch`, {
      method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: `halt=0&cmd[a]=${encodeURIComponent('crm.deal.get?id=1')}&cmd[b]=${encodeURIComponent('crm.lead.get?id=2')}`,
    });
    expect(form.body.result.result.a.ID).toBe('1');
    expect(form.body.result.result.b.ID).toBe('2');
    const list = await rest(sandbox, 'batch', { cmd: ['crm.deal.get?id=4', 'crm.deal.get?id=5'] });
    expect(list.body.result.result).toMatchObject({ 0: { ID: '4' }, 1: { ID: '5' } });
  });

  it('counts as one request for the rate limit, and scripted faults hit sub-commands', async () => {
    sandbox.setRateLimit({ enabled: true, burst: 1, drainPerSecond: 0.001 });
    sandbox.faults.failNext('crm.deal.get', 1, { status: 403, error: 'ACCESS_DENIED', description: 'Access denied.' });
    const cmd = Object.fromEntries(Array.from({ length: 10 }, (_, i) => [`d${i}`, `crm.deal.get?id=${i + 1}`]));
    const first = await rest(sandbox, 'batch', { cmd });
    expect(first.status).toBe(200);
    expect(first.body.result.result_error).toEqual({ d0: { error: 'ACCESS_DENIED', error_description: 'Access denied.' } });
    expect(Object.keys(first.body.result.result)).toHaveLength(9);
    const second = await rest(sandbox, 'batch', { cmd });
    expect(second.status).toBe(503);
    expect(sandbox.requestCount()).toBe(2);
  });
});
