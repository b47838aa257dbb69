import express from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Bitrix24Event } from '../../src/crm/events.js';
import { mountBitrix24Events } from '../../src/http/b24-events.js';
import { createHttpServer, type HttpServer } from '../../src/http/server.js';
import { createLogger } from '../../src/infra/log.js';

const TOKEN = 'app-token-0123456789abcdef';

describe('bad input at the HTTP edge', () => {
  let server: HttpServer;
  let base: string;
  const accepted: Bitrix24Event[] = [];
  beforeAll(async () => {
    server = createHttpServer({
      log: createLogger({ level: 'silent' }), readiness: [],
      mount: (app) => {
        mountBitrix24Events(app, { applicationToken: TOKEN, log: createLogger({ level: 'silent' }), accept: async (e) => { accepted.push(e); } });
        // The same body parser as the Telegram webhook route.
        app.post('/json', express.json({ limit: '1mb' }), (_req, res) => { res.json({ ok: true }); });
      },
    });
    base = `http://127.0.0.1:${await server.listen(0, '127.0.0.1')}`;
  });
  afterAll(() => server?.close());

  const post = (path: string, body: string | Buffer, type: string) =>
    fetch(`${base}${path}`, { method: 'POST', body, headers: { 'content-type': type } });

  it('a malformed JSON body is a 400 with a short JSON error, not a 500', async () => {
    for (const path of ['/b24/events', '/json']) {
      const res = await post(path, '{"event": "ONCRMDEALUPDATE", ', 'application/json');
      expect(res.status).toBe(400);
      expect(await res.json()).toEqual({ error: 'malformed body' });
    }
    expect(accepted).toEqual([]);
  });

  it('a 10 MB body is a 413', async () => {
    const big = Buffer.alloc(10 * 1024 * 1024, 'a');
    for (const [path, type] of [['/b24/events', 'application/x-www-form-urlencoded'], ['/b24/events', 'application/json'], ['/json', 'application/json']] as const) {
      const res = await post(path, big, type);
      expect(res.status).toBe(413);
      expect(await res.json()).toEqual({ error: 'body too large' });
    }
  });

  it('an unknown charset is a 415, an unknown path a JSON 404', async () => {
    const res = await post('/b24/events', '{}', 'application/json; charset=klingon');
    expect(res.status).toBe(415);
    expect(await res.json()).toEqual({ error: 'unsupported body encoding' });
    const missing = await fetch(`${base}/nowhere?x=<script>`);
    expect(missing.status).toBe(404);
    expect(await missing.json()).toEqual({ error: 'not found' });
  });

  it('a well-formed event still gets through', async () => {
    const res = await post('/b24/events', `event=ONCRMDEALUPDATE&data[FIELDS][ID]=42&auth[application_token]=${TOKEN}`, 'application/x-www-form-urlencoded');
    expect(res.status).toBe(200);
    expect(accepted.map((e) => e.entityId)).toEqual([42]);
  });
});
