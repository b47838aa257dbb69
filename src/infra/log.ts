import { type DestinationStream, type Logger, pino } from 'pino';
import pretty from 'pino-pretty';
import { maskSecrets } from './secrets.js';

export type { Logger };

/** Keys whose values are always censored, wherever they sit in a log object. */
const REDACT_PATHS = [
  'token', '*.token', 'botToken', '*.botToken', 'secret', '*.secret', 'password', '*.password',
  'authorization', '*.authorization', 'headers.authorization', '*.headers.authorization',
  'webhookUrl', '*.webhookUrl', 'application_token', '*.application_token', 'auth.application_token',
  'config.telegram.token', 'config.bitrix.webhookUrl',
];

function maskDeep(value: unknown, depth = 0): unknown {
  if (depth > 6) return value;
  if (typeof value === 'string') return maskSecrets(value);
  if (value instanceof Error) {
    return { type: value.name, message: maskSecrets(value.message), stack: value.stack ? maskSecrets(value.stack) : undefined,
      ...(typeof (value as { code?: unknown }).code === 'string' ? { code: (value as { code?: string }).code } : {}) };
  }
  if (Array.isArray(value)) return value.map((v) => maskDeep(v, depth + 1));
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = maskDeep(v, depth + 1);
    return out;
  }
  return value;
}

export type LogFormat = 'json' | 'pretty';

export interface LoggerOptions {
  level?: string;
  name?: string;
  destination?: DestinationStream;
  /** 'pretty': one human-readable line per entry (terminals, the demo); 'json' (default): one JSON object per line. */
  format?: LogFormat;
}

/** LOG_FORMAT when set; otherwise pretty on an interactive terminal and JSON everywhere else (production, pipes). */
export function resolveLogFormat(configured: LogFormat | undefined, stdoutIsTty: boolean | undefined = process.stdout.isTTY): LogFormat {
  return configured ?? (stdoutIsTty ? 'pretty' : 'json');
}

/** Human-readable lines written synchronously (masking already happened in the logger's hooks, before this). */
export function prettyStream(destination: NodeJS.WritableStream = process.stdout, colorize = process.stdout.isTTY === true): DestinationStream {
  return pretty({ destination, colorize, sync: true, translateTime: 'SYS:HH:MM:ss', ignore: 'pid,hostname,name' });
}

/**
 * pino logger with two layers of protection: path redaction for known secret keys, and text masking
 * (`maskSecrets`) of every string, error message and stack, so a token inside a failing URL is hidden too.
 */
export function createLogger(options: LoggerOptions = {}): Logger {
  return pino(
    {
      name: options.name ?? 'dealpilot',
      level: options.level ?? 'info',
      redact: { paths: REDACT_PATHS, censor: '<redacted>' },
      serializers: { err: (err: unknown) => maskDeep(err), error: (err: unknown) => maskDeep(err) },
      hooks: {
        logMethod(args, method) {
          const masked = args.map((arg) => maskDeep(arg)) as Parameters<typeof method>;
          method.apply(this, masked);
        },
      },
    },
    options.format === 'pretty' ? prettyStream(options.destination as NodeJS.WritableStream | undefined ?? process.stdout)
      : options.destination ?? pino.destination({ dest: 1, sync: false }),
  );
}

/** A logger that drops everything (tests that do not assert on logs). */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
