/**
 * Phone numbers as digits in international form, so "+7 (916) 123-45-67", "8 916 1234567" and "79161234567"
 * compare equal. Russian trunk prefix 8 and bare 10-digit mobile numbers are read as +7.
 * Returns null for anything that cannot be a phone number.
 */
export function normalizePhone(raw: string | null | undefined): string | null {
  if (!raw) return null;
  const trimmed = raw.trim();
  if (!/^\+?[\d\s().-]+$/.test(trimmed)) return null;
  let digits = trimmed.replace(/\D/g, '');
  if (digits.length === 11 && digits.startsWith('8')) digits = `7${digits.slice(1)}`;
  else if (digits.length === 10 && digits.startsWith('9')) digits = `7${digits}`;
  if (digits.length < 10 || digits.length > 15) return null;
  return digits;
}
