import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { type BitrixSandbox, parsePhpQuery, startBitrixSandbox } from '@dealpilot/sandbox/bitrix';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NOW, rest } from './helpers.js';

interface Received {
  contentType: string;
  body: string;
}

let sandbox: BitrixSandbox;
let receiver: http.Server;
let receiverUrl: string;
const received: Received[] = [];

beforeAll(async () => {
  receiver = http.createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
    req.on('end', () => {
      received.push({ contentType: String(req.headers['content-type']), body });
      res.writeHead(200).end('ok');
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/bitrix/events`;
  sandbox = await startBitrixSandbox({ now: NOW, seed: 'empty', rateLimit: { enabled: false } });
});
afterAll(async () => {
  await sandbox.close();
  await new Promise<void>((resolve) => receiver.close(() => resolve()));
});

describe('outgoing events', () => {
  it('posts ONCRMLEADADD form-encoded like Bitrix24, for REST and control-API adds', async () => {
    received.length = 0;
    sandbox.setEventHandler(receiverUrl, 'apptoken-0123456789');
    const viaRest = (await rest(sandbox, 'crm.lead.add', { fields: { TITLE: 'С сайта' } })).body.result as number;
    const viaStore = sandbox.store.addLead({ TITLE: 'Из теста' });
    await sandbox.flushEvents();
    expect(received).toHaveLength(2);
    expect(received[0]!.contentType).toBe('application/x-www-form-urlencoded');
    expect(received[0]!.body).toMatch(/^event=ONCRMLEADADD&event_handler_id=\d+&data%5BFIELDS%5D%5BID%5D=\d+&ts=\d+&auth%5Bdomain%5D=/);
    const payload = parsePhpQuery(received[0]!.body);
    expect(payload).toEqual({
      event: 'ONCRMLEADADD',
      event_handler_id: expect.any(String),
      data: { FIELDS: { ID: String(viaRest) } },
      ts: String(NOW.getTime() / 1000),
      auth: {
        domain: sandbox.origin.replace('http://', ''),
        client_endpoint: `${sandbox.origin}/rest/`,
        server_endpoint: 'https://oauth.bitrix.info/rest/',
        member_id: expect.stringMatching(/^[0-9a-f]{32}$/),
        application_token: 'apptoken-0123456789',
      },
    });
    expect((parsePhpQuery(received[1]!.body).data as { FIELDS: { ID: string } }).FIELDS.ID).toBe(String(viaStore));
  });

  it('posts deal add/update and contact update events, once each, and stops when unset', async () => {
    received.length = 0;
    sandbox.setEventHandler(receiverUrl, 'apptoken-0123456789');
    const dealId = (await rest(sandbox, 'crm.deal.add', { fields: { TITLE: 'x' } })).body.result as number;
    await rest(sandbox, 'crm.deal.update', { id: dealId, fields: { STAGE_ID: 'PREPARATION' } });
    const contactId = sandbox.store.addContact({ NAME: 'x' }, { silent: true });
    await rest(sandbox, 'crm.contact.update', { id: contactId, fields: { NAME: 'y' } });
    await sandbox.flushEvents();
    expect(received.map((r) => parsePhpQuery(r.body).event)).toEqual(['ONCRMDEALADD', 'ONCRMDEALUPDATE', 'ONCRMCONTACTUPDATE']);
    expect(sandbox.sentEvents.slice(-3).map((e) => e.status)).toEqual([200, 200, 200]);

    sandbox.setEventHandler(null);
    sandbox.store.addLead({ TITLE: 'silent' });
    await sandbox.flushEvents();
    expect(received).toHaveLength(3);
  });

  it('never retries a failed delivery', async () => {
    const dead = http.createServer((_req, res) => res.writeHead(500).end());
    await new Promise<void>((resolve) => dead.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(dead.address() as AddressInfo).port}/`;
    let hits = 0;
    dead.on('request', () => (hits += 1));
    sandbox.setEventHandler(url, 't');
    const before = sandbox.sentEvents.length;
    sandbox.store.addLead({ TITLE: 'x' });
    await sandbox.flushEvents();
    await new Promise<void>((resolve) => dead.close(() => resolve()));
    expect(hits).toBe(1);
    expect(sandbox.sentEvents.slice(before).map((e) => e.status)).toEqual([500]);
    sandbox.setEventHandler(null);
  });
});
