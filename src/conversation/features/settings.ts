import { actionButton, type ChatMessage } from '../../chat/message.js';
import { encodeCallback } from '../../bot/callback-codec.js';
import { t, type Locale } from '../../i18n/index.js';
import type { IdentityStore, UserPreferences } from '../../identity/store.js';
import type { Interaction } from '../interaction.js';
import type { ChatFeature } from '../router.js';

/** Quiet-hour presets offered as buttons: key → [start, end]; "off" clears them. */
export const QUIET_PRESETS: Record<string, [string, string] | null> = {
  '2009': ['20:00', '09:00'],
  '2108': ['21:00', '08:00'],
  '2207': ['22:00', '07:00'],
  off: null,
};

export interface QuietDefaults { quietStart: string; quietEnd: string }

function settingsMessage(locale: Locale, prefs: UserPreferences, defaults: QuietDefaults): ChatMessage {
  const quiet = prefs.quietStart === '00:00' && prefs.quietEnd === '00:00'
    ? t(locale, 'settings.quiet_off')
    : `${prefs.quietStart ?? defaults.quietStart}–${prefs.quietEnd ?? defaults.quietEnd}`;
  const text = t(locale, 'settings.title', {
    language: prefs.locale === 'en' ? 'English' : 'Русский',
    quiet,
    channel: t(locale, prefs.channel === 'bitrix24' ? 'settings.channel_bitrix24' : 'settings.channel_telegram'),
  });
  return {
    text,
    buttons: [
      [actionButton('Русский', encodeCallback('settings.lang', 'ru')), actionButton('English', encodeCallback('settings.lang', 'en'))],
      Object.entries(QUIET_PRESETS).map(([key, range]) => actionButton(
        range ? `🌙 ${range[0]}–${range[1]}` : `🔔 ${t(locale, 'settings.quiet_off')}`, encodeCallback('settings.quiet', key),
      )),
      [
        actionButton(t(locale, 'settings.channel_telegram'), encodeCallback('settings.channel', 'telegram')),
        actionButton(t(locale, 'settings.channel_bitrix24'), encodeCallback('settings.channel', 'bitrix24')),
      ],
    ],
  };
}

/** /settings: language, quiet hours, preferred channel — stored per Bitrix24 user, so both messengers share them. */
export function settingsFeature(deps: { store: IdentityStore; defaults: QuietDefaults }): ChatFeature {
  async function refresh(press: Interaction, prefs: UserPreferences): Promise<void> {
    await press.notify(t(prefs.locale, 'settings.saved'));
    await press.edit(settingsMessage(prefs.locale, prefs, deps.defaults));
  }
  const outdated = (press: Interaction) => press.notify(t(press.locale, 'errors.outdated_button'));

  return {
    commands: {
      async settings(press) {
        const prefs = await deps.store.getPreferences(press.actor.b24UserId);
        await press.reply(settingsMessage(press.locale, prefs, deps.defaults));
      },
    },
    actions(actions) {
      actions.on('settings.lang', {
        async handle({ press, actor, args: [lang] }) {
          if (lang !== 'ru' && lang !== 'en') return outdated(press);
          await refresh(press, await deps.store.setPreferences(actor.b24UserId, { locale: lang }));
        },
      });
      actions.on('settings.quiet', {
        async handle({ press, actor, args: [key] }) {
          if (!(key in QUIET_PRESETS)) return outdated(press);
          const range = QUIET_PRESETS[key] ?? ['00:00', '00:00'];
          await refresh(press, await deps.store.setPreferences(actor.b24UserId, { quietStart: range[0], quietEnd: range[1] }));
        },
      });
      actions.on('settings.channel', {
        async handle({ press, actor, args: [channel] }) {
          if (channel !== 'telegram' && channel !== 'bitrix24') return outdated(press);
          await refresh(press, await deps.store.setPreferences(actor.b24UserId, { channel }));
        },
      });
    },
  };
}
