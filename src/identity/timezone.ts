import { isKnownTimeZone } from '../infra/values.js';
import type { Directory } from './directory.js';
import { departmentPath, type OrgChart } from './org.js';
import type { IdentityStore } from './store.js';

export type TimezoneSource = 'settings' | 'profile' | 'department' | 'default';

export interface PersonTimezone {
  zone: string;
  source: TimezoneSource;
}

/**
 * A person's time zone, pure: their own choice in /settings, else their Bitrix24 profile's TIME_ZONE, else the zone
 * of the nearest department up the chain that has one in the rules file, else the bot's. Unknown names are skipped.
 */
export function resolveTimezone(input: {
  chosen?: string | undefined;
  profile?: string | undefined;
  /** The person's departments, each with its chain upwards (nearest first). */
  departmentChains: ReadonlyArray<ReadonlyArray<number>>;
  departmentTimezones: Readonly<Record<string, string>>;
  fallback: string;
}): PersonTimezone {
  if (isKnownTimeZone(input.chosen)) return { zone: input.chosen, source: 'settings' };
  if (isKnownTimeZone(input.profile)) return { zone: input.profile, source: 'profile' };
  for (const chain of input.departmentChains) {
    for (const departmentId of chain) {
      const zone = input.departmentTimezones[String(departmentId)];
      if (isKnownTimeZone(zone)) return { zone, source: 'department' };
    }
  }
  return { zone: input.fallback, source: 'default' };
}

export type TimezoneOf = (b24UserId: number) => Promise<PersonTimezone>;

/** The resolver over the live sources: preferences (Redis), the cached org chart and profiles, the rules file. */
export function createTimezoneOf(deps: {
  store: Pick<IdentityStore, 'getPreferences'>;
  directory: Pick<Directory, 'org' | 'user'>;
  departmentTimezones: Readonly<Record<string, string>>;
  fallback: string;
}): TimezoneOf {
  return async (b24UserId) => {
    const [prefs, user, org] = await Promise.all([
      deps.store.getPreferences(b24UserId), deps.directory.user(b24UserId), deps.directory.org(),
    ]);
    return resolveTimezone({
      chosen: prefs.timezone, profile: user?.timeZone,
      departmentChains: chainsOf(org, user?.departmentIds ?? []),
      departmentTimezones: deps.departmentTimezones, fallback: deps.fallback,
    });
  };
}

function chainsOf(org: OrgChart, departmentIds: readonly number[]): number[][] {
  return departmentIds.map((id) => departmentPath(org, id).map((d) => d.id));
}

/** Zones offered in /settings: key (≤ 16 chars, the button payload) → IANA name, west to east. */
export const OFFERED_TIMEZONES: ReadonlyArray<{ key: string; zone: string; ru: string; en: string }> = [
  { key: 'kld', zone: 'Europe/Kaliningrad', ru: 'Калининград', en: 'Kaliningrad' },
  { key: 'msk', zone: 'Europe/Moscow', ru: 'Москва', en: 'Moscow' },
  { key: 'sam', zone: 'Europe/Samara', ru: 'Самара', en: 'Samara' },
  { key: 'ekb', zone: 'Asia/Yekaterinburg', ru: 'Екатеринбург', en: 'Yekaterinburg' },
  { key: 'oms', zone: 'Asia/Omsk', ru: 'Омск', en: 'Omsk' },
  { key: 'nsk', zone: 'Asia/Novosibirsk', ru: 'Новосибирск', en: 'Novosibirsk' },
  { key: 'krs', zone: 'Asia/Krasnoyarsk', ru: 'Красноярск', en: 'Krasnoyarsk' },
  { key: 'irk', zone: 'Asia/Irkutsk', ru: 'Иркутск', en: 'Irkutsk' },
  { key: 'yak', zone: 'Asia/Yakutsk', ru: 'Якутск', en: 'Yakutsk' },
  { key: 'vvo', zone: 'Asia/Vladivostok', ru: 'Владивосток', en: 'Vladivostok' },
  { key: 'mag', zone: 'Asia/Magadan', ru: 'Магадан', en: 'Magadan' },
  { key: 'kam', zone: 'Asia/Kamchatka', ru: 'Камчатка', en: 'Kamchatka' },
];

/** "Екатеринбург (UTC+5)" — the offered name when there is one, else the IANA name. */
export function timezoneLabel(zone: string, locale: 'ru' | 'en', at: Date = new Date()): string {
  const offered = OFFERED_TIMEZONES.find((z) => z.zone === zone);
  const offset = new Intl.DateTimeFormat('en-US', { timeZone: zone, timeZoneName: 'shortOffset' })
    .formatToParts(at).find((p) => p.type === 'timeZoneName')?.value.replace('GMT', 'UTC') ?? '';
  return `${offered ? offered[locale] : zone} (${offset === 'UTC' ? 'UTC+0' : offset})`;
}
