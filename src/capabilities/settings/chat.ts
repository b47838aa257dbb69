import { encodeCallback } from '../../chat/callback-codec.js';
import { actionButton, type ChatMessage } from '../../chat/message.js';
import { type Locale, t } from '../../i18n/index.js';
import type { IdentityStore, UserPreferences } from '../../identity/store.js';
import { OFFERED_TIMEZONES, type PersonTimezone, type TimezoneOf, timezoneLabel } from '../../identity/timezone.js';
import type { ChatFeature, Interaction } from '../chat.js';

/** Quiet-hour presets offered as buttons: key → [start, end]; "off" clears them. */
export const QUIET_PRESETS: Record<string, [string, string] | null> = {
  '2009': ['20:00', '09:00'],
  '2108': ['21:00', '08:00'],
  '2207': ['22:00', '07:00'],
  off: null,
};

export interface QuietDefaults { quietStart: string; quietEnd: string }

function timezoneText(locale: Locale, zone: PersonTimezone): string {
  return `${timezoneLabel(zone.zone, locale)} — ${t(locale, `settings.timezone_source_${zone.source}`)}`;
}

/** The zone picker: the offered zones, three to a row, and "automatic". */
function timezonePicker(locale: Locale): ChatMessage {
  const rows: ChatMessage['buttons'] = [];
  for (let i = 0; i < OFFERED_TIMEZONES.length; i += 3) {
    rows.push(OFFERED_TIMEZONES.slice(i, i + 3).map((z) => actionButton(z[locale], encodeCallback('settings.tz', z.key))));
  }
  rows.push([actionButton(t(locale, 'settings.timezone_auto'), encodeCallback('settings.tz', 'auto'))]);
  return { text: t(locale, 'settings.timezone_pick'), buttons: rows };
}

function settingsMessage(locale: Locale, prefs: UserPreferences, defaults: QuietDefaults, zone: PersonTimezone): ChatMessage {
  const quiet = prefs.quietStart === '00:00' && prefs.quietEnd === '00:00'
    ? t(locale, 'settings.quiet_off')
    : `${prefs.quietStart ?? defaults.quietStart}–${prefs.quietEnd ?? defaults.quietEnd}`;
  const text = t(locale, 'settings.title', {
    language: prefs.locale === 'en' ? 'English' : 'Русский',
    quiet,
    channel: t(locale, prefs.channel === 'bitrix24' ? 'settings.channel_bitrix24' : 'settings.channel_telegram'),
    timezone: timezoneText(locale, zone),
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
      [actionButton(t(locale, 'settings.timezone_button'), encodeCallback('settings.tz', 'menu'))],
    ],
  };
}

/** /settings: language, quiet hours, preferred channel — stored per Bitrix24 user, so both messengers share them. */
export function settingsFeature(deps: { store: IdentityStore; defaults: QuietDefaults; timezoneOf: TimezoneOf }): ChatFeature {
  async function refresh(press: Interaction, prefs: UserPreferences): Promise<void> {
    await press.notify(t(prefs.locale, 'settings.saved'));
    await press.edit(settingsMessage(prefs.locale, prefs, deps.defaults, await deps.timezoneOf(press.actor.b24UserId)));
  }
  const outdated = (press: Interaction) => press.notify(t(press.locale, 'errors.outdated_button'));

  return {
    commands: {
      async settings(press) {
        const prefs = await deps.store.getPreferences(press.actor.b24UserId);
        await press.reply(settingsMessage(press.locale, prefs, deps.defaults, await deps.timezoneOf(press.actor.b24UserId)));
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
      actions.on('settings.tz', {
        async handle({ press, actor, args: [key] }) {
          if (key === 'menu') {
            await press.notify(t(press.locale, 'settings.timezone_button'));
            return press.edit(timezonePicker(press.locale));
          }
          if (key === 'auto') return refresh(press, await deps.store.setPreferences(actor.b24UserId, { timezone: undefined }));
          const offered = OFFERED_TIMEZONES.find((z) => z.key === key);
          if (!offered) return outdated(press);
          await refresh(press, await deps.store.setPreferences(actor.b24UserId, { timezone: offered.zone }));
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
