import type { Api } from 'grammy';
import type { BotCommand, BotCommandScope } from 'grammy/types';
import { type Locale, type MessageKey, t } from '../../i18n/index.js';
import type { Logger } from '../../infra/log.js';

/** Commands of the "/" menu: everything in a private chat; in groups only what answers there (privately). */
const PRIVATE_COMMANDS = ['start', 'app', 'help', 'report', 'settings', 'unlink'] as const;
const GROUP_COMMANDS = ['report', 'help'] as const;

/** '' is Telegram's default for every language without its own list: Russian, the product's default. */
const LANGUAGES: ReadonlyArray<{ code: '' | Locale; locale: Locale }> = [
  { code: '', locale: 'ru' }, { code: 'ru', locale: 'ru' }, { code: 'en', locale: 'en' },
];

const SCOPES: ReadonlyArray<{ scope: BotCommandScope; commands: readonly string[] }> = [
  { scope: { type: 'default' }, commands: PRIVATE_COMMANDS },
  { scope: { type: 'all_private_chats' }, commands: PRIVATE_COMMANDS },
  { scope: { type: 'all_group_chats' }, commands: GROUP_COMMANDS },
];

export function menuCommands(commands: readonly string[], locale: Locale): BotCommand[] {
  return commands.map((command) => ({ command, description: t(locale, `commands.${command}` as MessageKey) }));
}

const sameCommands = (a: readonly BotCommand[], b: readonly BotCommand[]) =>
  a.length === b.length && a.every((c, i) => c.command === b[i]!.command && c.description === b[i]!.description);

/**
 * Puts the "/" menu (per scope and language) and the texts shown before /start (description, short description)
 * on the bot. Idempotent: each is read first and sent only when it differs, so a restart sends nothing.
 * Failures are logged, never fatal: the bot works without its menu.
 */
export async function syncBotProfile(api: Api, log: Logger, options: { deskUrl?: string | null } = {}): Promise<{ changed: number }> {
  let changed = 0;
  const step = async (what: string, work: () => Promise<boolean>) => {
    try {
      if (await work()) changed++;
    } catch (error) {
      log.warn({ err: error, what }, 'could not register the bot profile with Telegram');
    }
  };
  for (const { scope, commands } of SCOPES) {
    for (const { code, locale } of LANGUAGES) {
      const wanted = menuCommands(commands, locale);
      const options = { scope, ...(code ? { language_code: code } : {}) };
      await step(`commands ${scope.type} ${code || 'default'}`, async () => {
        if (sameCommands(await api.getMyCommands(options), wanted)) return false;
        await api.setMyCommands(wanted, options);
        return true;
      });
    }
  }
  for (const { code, locale } of LANGUAGES) {
    const language = code ? { language_code: code } : {};
    await step(`description ${code || 'default'}`, async () => {
      const wanted = t(locale, 'bot.description');
      if ((await api.getMyDescription(language)).description === wanted) return false;
      await api.setMyDescription(wanted, language);
      return true;
    });
    await step(`short description ${code || 'default'}`, async () => {
      const wanted = t(locale, 'bot.short_description');
      if ((await api.getMyShortDescription(language)).short_description === wanted) return false;
      await api.setMyShortDescription(wanted, language);
      return true;
    });
  }
  if (options.deskUrl) {
    // The menu button of every private chat opens the deal desk (Telegram signs who opened it).
    const deskUrl = options.deskUrl;
    await step('menu button', async () => {
      const current = await api.getChatMenuButton();
      if (current.type === 'web_app' && current.web_app.url === deskUrl && current.text === t('ru', 'desk.open_app')) return false;
      await api.setChatMenuButton({ menu_button: { type: 'web_app', text: t('ru', 'desk.open_app'), web_app: { url: deskUrl } } });
      return true;
    });
  }
  if (changed > 0) log.info({ changed }, 'bot menu and description registered with Telegram');
  return { changed };
}
