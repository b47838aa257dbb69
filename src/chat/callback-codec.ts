/**
 * The one codec for button payloads (Telegram callback_data and Bitrix24 keyboard commands).
 * Callback data is untrusted input: a modified client can send anything. Decoding is strict — exact
 * version, known action, exact argument count, each argument matching its pattern — and never throws.
 * Wire form: `<version>|<code>|<arg>|<arg>…`, at most 55 bytes, so that with its signature (`~` + 8, see
 * callback-signature.ts) it stays within Telegram's 64.
 */

export const CALLBACK_VERSION = '1';
export const MAX_CALLBACK_BYTES = 55;

type ArgKind = 'id' | 'stage' | 'key' | 'int' | 'date';
type ArgValue<K extends ArgKind> = K extends 'id' | 'int' ? number : string;

const ARG_PATTERNS: Record<ArgKind, RegExp> = {
  id: /^[1-9]\d{0,11}$/,
  // Bitrix24 STATUS_ID of a deal stage: NEW, C1:PREPAYMENT_INVOICE, UC_1A2B3C
  stage: /^[A-Z0-9_]{1,30}(?::[A-Z0-9_]{1,30})?$/,
  key: /^[a-z0-9_]{1,16}$/,
  int: /^(?:0|-?[1-9]\d{0,8})$/,
  // YYYYMMDD
  date: /^\d{4}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])$/,
};

/** Every button action the bot understands: short wire code and argument kinds. Add new actions here. */
export const CALLBACK_ACTIONS = {
  'lead.take': { code: 'lt', args: ['id'] },
  'lead.reject': { code: 'lr', args: ['id'] },
  'lead.reason': { code: 'lx', args: ['id', 'key', 'key'] },
  'lead.assign': { code: 'la', args: ['id', 'id'] },
  'lead.reassign': { code: 'lg', args: ['id'] },
  'deal.move': { code: 'dm', args: ['id', 'stage'] },
  'deal.reject': { code: 'dr', args: ['id'] },
  'deal.reason': { code: 'dx', args: ['id', 'key', 'key'] },
  'deal.snooze': { code: 'ds', args: ['id', 'int'] },
  'deal.paid': { code: 'dp', args: ['id'] },
  'deal.expect': { code: 'de', args: ['id', 'date'] },
  'deal.send_approval': { code: 'da', args: ['id'] },
  'deal.approve': { code: 'dy', args: ['id', 'int'] },
  'deal.decline': { code: 'dn', args: ['id', 'int'] },
  'deal.field': { code: 'df', args: ['id', 'stage', 'key'] },
  'bday.keep': { code: 'bk', args: ['id'] },
  'bday.use': { code: 'bu', args: ['id', 'date'] },
  'bday.type': { code: 'bt', args: ['id'] },
  'bday.take': { code: 'bw', args: ['id'] },
  'bday.skip': { code: 'bn', args: ['id'] },
  'bday.reason': { code: 'bx', args: ['id', 'key'] },
  'settings.lang': { code: 'sl', args: ['key'] },
  'settings.quiet': { code: 'sq', args: ['key'] },
  'settings.channel': { code: 'sc', args: ['key'] },
  'settings.tz': { code: 'st', args: ['key'] },
  'report.period': { code: 'rp', args: ['key'] },
  'desk.open': { code: 'do', args: ['int'] },
} as const satisfies Record<string, { code: string; args: readonly ArgKind[] }>;

export type CallbackAction = keyof typeof CALLBACK_ACTIONS;
type KindsOf<A extends CallbackAction> = (typeof CALLBACK_ACTIONS)[A]['args'];
type ValuesOf<T extends readonly ArgKind[]> = { -readonly [I in keyof T]: ArgValue<T[I]> };
export type CallbackArgs<A extends CallbackAction> = ValuesOf<KindsOf<A>> & unknown[];

export type DecodedCallback = { [A in CallbackAction]: { action: A; args: CallbackArgs<A> } }[CallbackAction];

export type DecodeFailure = { ok: false; reason: 'malformed' | 'version' | 'unknown_action' | 'bad_arguments' };

const BY_CODE = new Map<string, CallbackAction>(
  (Object.keys(CALLBACK_ACTIONS) as CallbackAction[]).map((action) => [CALLBACK_ACTIONS[action].code, action]),
);

export class CallbackTooLongError extends Error {
  constructor(readonly data: string) {
    super(`callback data is ${Buffer.byteLength(data, 'utf8')} bytes, over ${MAX_CALLBACK_BYTES}`);
    this.name = 'CallbackTooLongError';
  }
}

export function encodeCallback<A extends CallbackAction>(action: A, ...args: CallbackArgs<A>): string {
  const spec = CALLBACK_ACTIONS[action];
  const parts = (args as readonly (string | number)[]).map(String);
  parts.forEach((part, i) => {
    const kind = spec.args[i] as ArgKind;
    if (!ARG_PATTERNS[kind].test(part)) throw new TypeError(`argument ${i} of ${action} is not a valid ${kind}: ${part}`);
  });
  const data = [CALLBACK_VERSION, spec.code, ...parts].join('|');
  if (Buffer.byteLength(data, 'utf8') > MAX_CALLBACK_BYTES) throw new CallbackTooLongError(data);
  return data;
}

export function decodeCallback(data: unknown): ({ ok: true } & DecodedCallback) | DecodeFailure {
  if (typeof data !== 'string' || data.length === 0 || Buffer.byteLength(data, 'utf8') > MAX_CALLBACK_BYTES) {
    return { ok: false, reason: 'malformed' };
  }
  const parts = data.split('|');
  const [version, code, ...rawArgs] = parts;
  if (version !== CALLBACK_VERSION) return { ok: false, reason: /^\d+$/.test(version ?? '') ? 'version' : 'malformed' };
  const action = code === undefined ? undefined : BY_CODE.get(code);
  if (!action) return { ok: false, reason: 'unknown_action' };
  const kinds = CALLBACK_ACTIONS[action].args as readonly ArgKind[];
  if (rawArgs.length !== kinds.length) return { ok: false, reason: 'bad_arguments' };
  const args: Array<string | number> = [];
  for (let i = 0; i < kinds.length; i += 1) {
    const kind = kinds[i]!;
    const raw = rawArgs[i]!;
    if (!ARG_PATTERNS[kind].test(raw)) return { ok: false, reason: 'bad_arguments' };
    args.push(kind === 'id' || kind === 'int' ? Number(raw) : raw);
  }
  return { ok: true, action, args } as unknown as { ok: true } & DecodedCallback;
}
