import { Composer, InlineKeyboard } from 'grammy';
import { t, type Locale } from '../../i18n/index.js';
import type { IdentityStore, UserPreferences } from '../../identity/store.js';
import type { ActionRegistry } from '../actions.js';
import { encodeCallback } from '../callback-codec.js';
import type { BotContext } from '../context.js';

/** Quiet-hour presets offered as buttons: key → [start, end]; "off" clears them. */
export const QUIET_PRESETS: Record<string, [string, string] | null> = {
  '2009': ['20:00', '09:00'],
  '2108': ['21:00', '08:00'],
  '2207': ['22:00', '07:00'],
  off: null,
};

function settingsText(locale: Locale, prefs: UserPreferences, defaults: { quietStart: string; quietEnd: string }): string {
  const quiet = prefs.quietStart === '00:00' && prefs.quietEnd === '00:00'
    ? t(locale, 'settings.quiet_off')
    : `${prefs.quietStart ?? defaults.quietStart}–${prefs.quietEnd ?? defaults.quietEnd}`;
  return t(locale, 'settings.title', {
    language: prefs.locale === 'en' ? 'English' : 'Русский',
    quiet,
    channel: t(locale, prefs.channel === 'bitrix24' ? 'settings.channel_bitrix24' : 'settings.channel_telegram'),
  });
}

function settingsKeyboard(locale: Locale): InlineKeyboard {
  const keyboard = new InlineKeyboard()
    .text('Русский', encodeCallback('settings.lang', 'ru'))
    .text('English', encodeCallback('settings.lang', 'en'))
    .row();
  for (const [key, range] of Object.entries(QUIET_PRESETS)) {
    keyboard.text(range ? `🌙 ${range[0]}–${range[1]}` : `🔔 ${t(locale, 'settings.quiet_off')}`, encodeCallback('settings.quiet', key));
  }
  return keyboard.row()
    .text(t(locale, 'settings.channel_telegram'), encodeCallback('settings.channel', 'telegram'))
    .text(t(locale, 'settings.channel_bitrix24'), encodeCallback('settings.channel', 'bitrix24'));
}

/** /settings: language, quiet hours, preferred channel — stored per Bitrix24 user. */
export function settingsFeature(deps: {
  store: IdentityStore;
  actions: ActionRegistry;
  defaults: { quietStart: string; quietEnd: string };
}): Composer<BotContext> {
  const composer = new Composer<BotContext>();
  composer.command('settings', async (ctx) => {
    const prefs = await deps.store.getPreferences(ctx.actor!.b24UserId);
    await ctx.reply(settingsText(ctx.locale, prefs, deps.defaults), { reply_markup: settingsKeyboard(ctx.locale) });
  });

  async function refresh(ctx: BotContext, prefs: UserPreferences): Promise<void> {
    await ctx.answerCallbackQuery({ text: t(prefs.locale, 'settings.saved') });
    await ctx.editMessageText(settingsText(prefs.locale, prefs, deps.defaults), { reply_markup: settingsKeyboard(prefs.locale) })
      .catch(() => undefined); // "message is not modified" when the same button is pressed twice
  }

  deps.actions.on('settings.lang', {
    async handle({ ctx, actor, args: [lang] }) {
      if (lang !== 'ru' && lang !== 'en') return void (await ctx.answerCallbackQuery({ text: t(ctx.locale, 'errors.outdated_button') }));
      await refresh(ctx, await deps.store.setPreferences(actor.b24UserId, { locale: lang }));
    },
  });
  deps.actions.on('settings.quiet', {
    async handle({ ctx, actor, args: [key] }) {
      if (!(key in QUIET_PRESETS)) return void (await ctx.answerCallbackQuery({ text: t(ctx.locale, 'errors.outdated_button') }));
      const range = QUIET_PRESETS[key] ?? ['00:00', '00:00'];
      await refresh(ctx, await deps.store.setPreferences(actor.b24UserId, { quietStart: range[0], quietEnd: range[1] }));
    },
  });
  deps.actions.on('settings.channel', {
    async handle({ ctx, actor, args: [channel] }) {
      if (channel !== 'telegram' && channel !== 'bitrix24') return void (await ctx.answerCallbackQuery({ text: t(ctx.locale, 'errors.outdated_button') }));
      await refresh(ctx, await deps.store.setPreferences(actor.b24UserId, { channel }));
    },
  });
  return composer;
}
