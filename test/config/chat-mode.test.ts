import { describe, expect, it } from 'vitest';
import { parseEnv } from '../../src/config/load.js';

describe('Bitrix24 chat bot event mode', () => {
  it('defaults to fetch mode with a 5-second poll and needs nothing else', () => {
    const { env, problems } = parseEnv({ B24_BOT_TOKEN: 'bot_token_0123456789' });
    expect(problems).toEqual([]);
    expect(env?.B24_BOT_EVENT_MODE).toBe('fetch');
    expect(env?.B24_CHAT_POLL_SECONDS).toBe(5);
  });

  it('webhook mode names every missing piece at once: public URL, bot token, application token', () => {
    const { env, problems } = parseEnv({ B24_BOT_EVENT_MODE: 'webhook' });
    expect(env).toBeUndefined();
    expect(problems.map((p) => p.path)).toEqual(['env.PUBLIC_URL', 'env.B24_BOT_TOKEN', 'env.B24_BOT_APPLICATION_TOKEN']);
  });

  it('webhook mode accepts the outgoing-webhook application token as the fallback', () => {
    const { problems } = parseEnv({
      B24_BOT_EVENT_MODE: 'webhook', PUBLIC_URL: 'https://bot.example.com', B24_BOT_TOKEN: 'bot_token_0123456789', B24_APPLICATION_TOKEN: 'app-token-123',
    });
    expect(problems).toEqual([]);
  });

  it('refuses an unknown mode and a poll interval outside 1–59 s', () => {
    const { problems } = parseEnv({ B24_BOT_EVENT_MODE: 'push', B24_CHAT_POLL_SECONDS: '0' });
    expect(problems.map((p) => p.path).sort()).toEqual(['env.B24_BOT_EVENT_MODE', 'env.B24_CHAT_POLL_SECONDS']);
  });

  it('refuses a bot token too short to be a secret', () => {
    const { problems } = parseEnv({ B24_BOT_TOKEN: 'short_token' });
    expect(problems.map((p) => p.path)).toEqual(['env.B24_BOT_TOKEN']);
    expect(JSON.stringify(problems)).not.toContain('short_token');
  });
});
