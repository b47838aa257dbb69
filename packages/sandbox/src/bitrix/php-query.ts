/**
 * PHP-style query strings (`filter[>ID]=5&select[]=ID&cmd[a]=crm.deal.get%3Fid%3D1`): what Bitrix24 accepts in
 * GET queries, form bodies and batch sub-commands, and what it sends in outgoing event POSTs.
 */

export type PhpValue = string | PhpValue[] | { [key: string]: PhpValue };
type PhpContainer = { [key: string]: PhpValue };

const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

function decode(part: string): string {
  const spaced = part.replace(/\+/g, ' ');
  try {
    return decodeURIComponent(spaced);
  } catch {
    return spaced;
  }
}

/** Splits `a[b][]` into ['a', 'b', '']. A key without brackets is one segment. */
function keySegments(key: string): string[] {
  const open = key.indexOf('[');
  if (open <= 0) return [key];
  const segments = [key.slice(0, open)];
  const pattern = /\[([^\]]*)\]/g;
  pattern.lastIndex = open;
  let match: RegExpExecArray | null;
  let consumed = open;
  while ((match = pattern.exec(key)) !== null && match.index === consumed) {
    segments.push(match[1] ?? '');
    consumed = pattern.lastIndex;
  }
  // PHP keeps a malformed tail as part of the last segment; we ignore it.
  return segments;
}

function nextIndex(container: PhpContainer): string {
  let max = -1;
  for (const k of Object.keys(container)) if (/^\d+$/.test(k)) max = Math.max(max, Number(k));
  return String(max + 1);
}

/** Objects whose keys are exactly 0..n-1 become arrays, as PHP lists would serialize. */
function listify(value: PhpValue): PhpValue {
  if (typeof value === 'string' || Array.isArray(value)) return value;
  const keys = Object.keys(value);
  const converted: PhpContainer = {};
  for (const k of keys) converted[k] = listify(value[k] as PhpValue);
  if (keys.length > 0 && keys.every((k, i) => k === String(i))) return keys.map((k) => converted[k] as PhpValue);
  return converted;
}

export function parsePhpQuery(query: string): Record<string, PhpValue> {
  const root: PhpContainer = {};
  const text = query.startsWith('?') ? query.slice(1) : query;
  for (const pair of text.split('&')) {
    if (pair === '') continue;
    const eq = pair.indexOf('=');
    const rawKey = decode(eq === -1 ? pair : pair.slice(0, eq));
    const value = eq === -1 ? '' : decode(pair.slice(eq + 1));
    const segments = keySegments(rawKey);
    if (segments.some((s) => FORBIDDEN_KEYS.has(s)) || segments[0] === '') continue;
    let container = root;
    for (let i = 0; i < segments.length; i += 1) {
      const segment = segments[i] === '' ? nextIndex(container) : (segments[i] as string);
      if (i === segments.length - 1) {
        container[segment] = value;
      } else {
        const existing = container[segment];
        if (existing === undefined || typeof existing === 'string' || Array.isArray(existing)) {
          const fresh: PhpContainer = {};
          container[segment] = fresh;
          container = fresh;
        } else {
          container = existing;
        }
      }
    }
  }
  const out: Record<string, PhpValue> = {};
  for (const [k, v] of Object.entries(root)) out[k] = listify(v);
  return out;
}

/** PHP `urlencode`: like encodeURIComponent, but also encodes !'()* and writes spaces as '+'. */
function phpUrlencode(text: string): string {
  return encodeURIComponent(text)
    .replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)
    .replace(/%20/g, '+');
}

/** Inverse of parsePhpQuery, in the style of PHP `http_build_query` (brackets percent-encoded). */
export function buildPhpQuery(params: Record<string, unknown>): string {
  const pairs: string[] = [];
  const walk = (prefix: string, value: unknown): void => {
    if (value === undefined) return;
    if (value === null) {
      pairs.push(`${phpUrlencode(prefix)}=`);
    } else if (Array.isArray(value)) {
      value.forEach((item, i) => walk(`${prefix}[${i}]`, item));
    } else if (typeof value === 'object' && !(value instanceof Date)) {
      for (const [k, v] of Object.entries(value as Record<string, unknown>)) walk(`${prefix}[${k}]`, v);
    } else {
      const scalar = value instanceof Date ? value.toISOString() : typeof value === 'boolean' ? (value ? '1' : '') : String(value);
      pairs.push(`${phpUrlencode(prefix)}=${phpUrlencode(scalar)}`);
    }
  };
  for (const [k, v] of Object.entries(params)) walk(k, v);
  return pairs.join('&');
}
