import { Writable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/infra/log.js';
import { clearRegisteredSecrets, maskSecrets, registerSecret } from '../../src/infra/secrets.js';

const TOKEN = '7012345678:AAF1bq3xZkLmNoPqRsTuVwXyZ0123456789ab';
const WEBHOOK = 'https://acme.bitrix24.ru/rest/12/q8w7e6r5t4y3u2i1/';

function capture() {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(...chunk.toString().split('\n').filter(Boolean));
      done();
    },
  });
  return { lines, destination };
}

afterEach(() => clearRegisteredSecrets());

describe('maskSecrets', () => {
  it('masks bot tokens in Bot API URLs and webhook codes in REST URLs', () => {
    const text = maskSecrets(`POST https://api.telegram.org/bot${TOKEN}/sendMessage failed; B24 ${WEBHOOK}crm.deal.list`);
    expect(text).not.toContain(TOKEN);
    expect(text).not.toContain('q8w7e6r5t4y3u2i1');
    expect(text).toContain('/rest/12/<webhook-code>');
    expect(text).toContain('<bot-token>');
  });

  it('masks registered secrets wherever they appear, even in an unknown shape', () => {
    registerSecret('my-app-token-123');
    expect(maskSecrets('auth=my-app-token-123;')).toBe('auth=<secret>;');
  });

  it('masks application_token in form bodies', () => {
    expect(maskSecrets('event=ONCRMLEADADD&auth[application_token]=abcdef123456&ts=1'))
      .toBe('event=ONCRMLEADADD&auth[application_token]=<secret>&ts=1');
  });
});

describe('logger', () => {
  it('never writes the token or webhook code: messages, objects, errors and stacks', () => {
    const { lines, destination } = capture();
    const log = createLogger({ level: 'trace', destination });
    const error = new Error(`request to https://api.telegram.org/bot${TOKEN}/getMe failed`);
    log.error({ err: error, url: `${WEBHOOK}profile` }, `call failed for ${WEBHOOK}`);
    log.info({ config: { telegram: { token: TOKEN } }, token: TOKEN }, 'starting');
    log.warn(`plain string with ${TOKEN}`);
    expect(lines.length).toBe(3);
    for (const line of lines) {
      expect(line).not.toContain(TOKEN);
      expect(line).not.toContain(TOKEN.split(':')[1]);
      expect(line).not.toContain('q8w7e6r5t4y3u2i1');
    }
    expect(lines[0]).toContain('/rest/12/<webhook-code>');
    expect(JSON.parse(lines[1]!).token).toBe('<redacted>');
  });
});
