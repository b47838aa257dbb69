import { en } from './en.js';
import { type Messages, ru } from './ru.js';

export type Locale = 'ru' | 'en';
export const DEFAULT_LOCALE: Locale = 'ru';
export type MessageKey = keyof Messages;

const catalogs: Record<Locale, Messages> = { ru, en };

type ParamsOf<K extends MessageKey> = Messages[K] extends (p: infer P) => string ? P : undefined;

/**
 * Typed texts, usable outside an update (the outbox renders in workers). Chosen over @grammyjs/i18n (Fluent)
 * because messages are rendered for recipients with no grammY context, and typed keys let tsc check both languages.
 */
export function t<K extends MessageKey>(locale: Locale, key: K, ...params: ParamsOf<K> extends undefined ? [] : [ParamsOf<K>]): string {
  const entry = catalogs[locale][key] as string | ((p: unknown) => string);
  return typeof entry === 'function' ? entry(params[0]) : entry;
}

export function toLocale(value: string | undefined | null): Locale {
  return value?.toLowerCase().startsWith('en') ? 'en' : DEFAULT_LOCALE;
}
