import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger, resolveLogFormat } from '../../src/infra/log.js';

const TOKEN = '123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw0';

function capture(): { out: string[]; stream: Writable } {
  const out: string[] = [];
  return { out, stream: new Writable({ write(chunk: Buffer, _e, done) { out.push(chunk.toString()); done(); } }) };
}

describe('log format', () => {
  it('pretty on a terminal, JSON in production (a pipe); LOG_FORMAT decides when set', () => {
    expect(resolveLogFormat(undefined, true)).toBe('pretty');
    expect(resolveLogFormat(undefined, false)).toBe('json');
    expect(resolveLogFormat(undefined, undefined)).toBe('json');
    expect(resolveLogFormat('json', true)).toBe('json');
    expect(resolveLogFormat('pretty', false)).toBe('pretty');
  });

  it('pretty lines are human-readable and still masked', () => {
    const { out, stream } = capture();
    const log = createLogger({ level: 'info', format: 'pretty', destination: stream as never });
    log.warn({ url: `https://api.telegram.org/bot${TOKEN}/getMe`, dealId: 42 }, `request to /bot${TOKEN}/sendMessage failed`);
    const text = out.join('');
    expect(text).toMatch(/WARN/);
    expect(text).toContain('dealId: 42');
    expect(text).not.toMatch(/^\{/);
    expect(text).not.toContain(TOKEN);
    expect(text).not.toContain(TOKEN.split(':')[1]);
  });

  it('JSON stays one object per line', () => {
    const { out, stream } = capture();
    createLogger({ level: 'info', destination: stream as never }).info({ dealId: 7 }, 'hello');
    expect(JSON.parse(out.join('').trim())).toMatchObject({ msg: 'hello', dealId: 7, level: 30 });
  });
});
