import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type SandboxEnvironment, startSandboxEnvironment } from '../../src/demo/environment.js';
import { silentLogger } from '../../src/infra/log.js';
import { createTelegramApi } from '../../src/messengers/telegram/adapter.js';
import { syncBotProfile } from '../../src/messengers/telegram/profile.js';
import { testRedisUrl, uniquePrefix } from '../support/redis.js';

const names = (list: Array<{ command: string }>) => list.map((c) => c.command);

describe('the "/" menu and the description registered at start-up', () => {
  let env: SandboxEnvironment;
  beforeAll(async () => {
    env = await startSandboxEnvironment({ redisUrl: testRedisUrl(), redisPrefix: uniquePrefix('prof'), telegramLimits: { perChatIntervalMs: 0 } });
    await env.app.bot!.profileSynced();
  });
  afterAll(() => env?.stop());

  it('commands per language (ru, en, default) and per scope (private chats, groups)', () => {
    const tg = env.telegram;
    expect(names(tg.commands('all_private_chats', 'ru'))).toEqual(['start', 'app', 'help', 'report', 'settings', 'unlink']);
    expect(names(tg.commands('all_private_chats', 'en'))).toEqual(['start', 'app', 'help', 'report', 'settings', 'unlink']);
    expect(names(tg.commands('all_group_chats', 'ru'))).toEqual(['report', 'help']);
    expect(names(tg.commands('default', ''))).toEqual(['start', 'app', 'help', 'report', 'settings', 'unlink']);
    expect(tg.commands('all_private_chats', 'ru').find((c) => c.command === 'settings')?.description).toBe('Язык, тихие часы, канал уведомлений');
    expect(tg.commands('all_private_chats', 'en').find((c) => c.command === 'settings')?.description).toBe('Language, quiet hours, notification channel');
    // The default list is Russian, the product's default language.
    expect(tg.commands('default', '')).toEqual(tg.commands('all_private_chats', 'ru'));
  });

  it('description and short description in both languages (shown before /start)', () => {
    expect(env.telegram.description('description', 'ru')).toContain('помощник отдела продаж');
    expect(env.telegram.description('description', 'en')).toContain('sales assistant');
    expect(env.telegram.description('short_description', 'ru').length).toBeLessThanOrEqual(120);
    expect(env.telegram.description('short_description', 'en')).toContain('Bitrix24');
    expect(env.telegram.description('description', '')).toBe(env.telegram.description('description', 'ru'));
  });

  it('is idempotent: a second registration (a restart) reads and sends nothing new', async () => {
    const sets = () => Object.entries(env.telegram.stats().callsByMethod)
      .filter(([method]) => method.startsWith('setMy')).reduce((n, [, c]) => n + c, 0);
    const before = sets();
    expect(before).toBeGreaterThan(0);
    const again = await syncBotProfile(createTelegramApi(env.telegram.token, env.telegram.apiRoot), silentLogger());
    expect(again.changed).toBe(0);
    expect(sets()).toBe(before);
  });
});
