/** Money as read from Bitrix24: an amount and, when the value carried one, its currency. */
export interface ParsedMoney {
  amount: number;
  currency: string | null;
}

/**
 * Reads a money value: a "money" user field ("12000|RUB", "12000.50|USD"), a plain number string
 * ("12000.50", "12 000,50") or a number. Empty values ("", "|RUB", null, false) and garbage give null, so a
 * caller can tell "nothing paid yet" from a broken field.
 */
export function parseMoneyField(value: unknown): ParsedMoney | null {
  if (typeof value === 'number') return Number.isFinite(value) ? { amount: value, currency: null } : null;
  if (typeof value !== 'string') return null;
  const [rawAmount = '', rawCurrency, ...rest] = value.split('|');
  if (rest.length > 0) return null;
  const currency = rawCurrency?.trim().toUpperCase() || null;
  if (currency !== null && !/^[A-Z]{3}$/.test(currency)) return null;
  // Spaces (including no-break ones) group thousands; a comma may be the decimal mark.
  const compact = rawAmount.replace(/[\s\u00a0\u202f]/g, '').replace(',', '.');
  if (compact === '' || !/^-?\d+(\.\d+)?$/.test(compact)) return null;
  return { amount: Number(compact), currency };
}

/** Rounds to cents, so sums of float amounts compare and print exactly. */
export function roundMoney(amount: number): number {
  return Math.round(amount * 100) / 100;
}

/**
 * "1 234 567,50 ₽" (ru) / "RUB 1,234,567.50" (en): Russian uses the currency sign after the number, English
 * the ISO code in front. Cents are shown only when there are any. The group separator is whatever the
 * runtime's ICU uses for Russian (a no-break space), so amounts never wrap inside a number.
 */
/** Intl.NumberFormat is costly to build (a list of 200 deals spent ~60 ms on it); one per locale, currency and digits. */
const formatters = new Map<string, Intl.NumberFormat | null>();

function currencyFormatter(locale: 'ru' | 'en', currency: string, fractionDigits: number): Intl.NumberFormat | null {
  const key = `${locale}|${currency}|${fractionDigits}`;
  let formatter = formatters.get(key);
  if (formatter === undefined) {
    try {
      formatter = new Intl.NumberFormat(locale === 'ru' ? 'ru-RU' : 'en-US', {
        style: 'currency', currency, currencyDisplay: locale === 'ru' ? 'narrowSymbol' : 'code',
        minimumFractionDigits: fractionDigits, maximumFractionDigits: fractionDigits,
      });
    } catch {
      // Not an ISO 4217 code (a portal's own currency).
      formatter = null;
    }
    // Bounded: currencies come from the portal, a few per company.
    if (formatters.size < 256) formatters.set(key, formatter);
  }
  return formatter;
}

export function formatMoney(amount: number, currency: string, locale: 'ru' | 'en'): string {
  const rounded = roundMoney(amount);
  const fractionDigits = Number.isInteger(rounded) ? 0 : 2;
  const formatter = currencyFormatter(locale, currency, fractionDigits);
  if (formatter) return formatter.format(rounded);
  // Not an ISO 4217 code: print the number and the code as they are.
  const number = new Intl.NumberFormat(locale === 'ru' ? 'ru-RU' : 'en-US', {
    minimumFractionDigits: fractionDigits, maximumFractionDigits: fractionDigits,
  }).format(rounded);
  return locale === 'ru' ? `${number}\u00a0${currency}` : `${currency}\u00a0${number}`;
}
