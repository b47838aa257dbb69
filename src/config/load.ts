import { readFileSync } from 'node:fs';
import { parseDocument } from 'yaml';
import type { z } from 'zod';
import { maskSecrets, registerSecret } from '../infra/secrets.js';
import { type Env, envSchema } from './env.js';
import { type RulesFile, rulesFileSchema } from './rules-schema.js';

export interface Config {
  env: Env;
  rules: RulesFile;
  rulesPath: string;
}

export interface ConfigProblem {
  /** Where: `env.NAME` or `<file>:<key.path>`. */
  path: string;
  message: string;
  /** The offending value, masked and shortened; undefined when the key is missing. */
  got?: string;
}

export class ConfigError extends Error {
  constructor(readonly problems: ConfigProblem[]) {
    super(formatProblems(problems));
    this.name = 'ConfigError';
  }
}

export function formatProblems(problems: ConfigProblem[]): string {
  const lines = problems.map((p) => `  - ${p.path}: ${p.message}${p.got === undefined ? ' (missing)' : ` (got ${p.got})`}`);
  return `Configuration has ${problems.length} problem${problems.length === 1 ? '' : 's'}:\n${lines.join('\n')}`;
}

function showValue(value: unknown): string | undefined {
  if (value === undefined) return undefined;
  let text: string;
  try {
    text = typeof value === 'string' ? JSON.stringify(value) : JSON.stringify(value) ?? String(value);
  } catch {
    text = String(value);
  }
  text = maskSecrets(text);
  return text.length > 80 ? `${text.slice(0, 77)}…` : text;
}

function keyPath(path: ReadonlyArray<PropertyKey>): string {
  return path.map((part, i) => (typeof part === 'number' ? `[${part}]` : `${i === 0 ? '' : '.'}${String(part)}`)).join('') || '(root)';
}

/** Variables whose value is never shown, even when it is wrong (a near miss of a secret is still a secret). */
const SECRET_ENV_KEYS = new Set([
  'TELEGRAM_BOT_TOKEN', 'TELEGRAM_WEBHOOK_SECRET', 'CALLBACK_SIGNING_KEY', 'B24_APPLICATION_TOKEN', 'B24_BOT_TOKEN', 'B24_BOT_APPLICATION_TOKEN', 'ADMIN_PASSWORD',
]);

function zodProblems(error: z.ZodError, prefix: string): ConfigProblem[] {
  return error.issues.map((issue) => {
    const raw = (issue as { input?: unknown }).input;
    const secret = prefix === 'env.' && SECRET_ENV_KEYS.has(String(issue.path[0]));
    const input = secret && typeof raw === 'string' ? `(hidden, ${raw.length} characters)` : raw;
    let message = issue.message;
    if (issue.code === 'unrecognized_keys') {
      message = `unknown key${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => `"${k}"`).join(', ')} (check the spelling)`;
    }
    return { path: `${prefix}${keyPath(issue.path)}`, message, got: issue.code === 'unrecognized_keys' ? undefined : showValue(input) };
  });
}

export function parseEnv(source: NodeJS.ProcessEnv): { env?: Env; problems: ConfigProblem[] } {
  const relevant = Object.fromEntries(Object.entries(source).filter(([, v]) => v !== ''));
  const result = envSchema.safeParse(relevant, { reportInput: true });
  if (!result.success) return { problems: zodProblems(result.error, 'env.') };
  const env = result.data;
  const problems: ConfigProblem[] = [];
  if (env.B24_BOT_EVENT_MODE === 'webhook') {
    const why = 'required when B24_BOT_EVENT_MODE=webhook';
    if (!env.PUBLIC_URL) problems.push({ path: 'env.PUBLIC_URL', message: `${why} (the portal posts to PUBLIC_URL/b24/bot)` });
    if (!env.B24_BOT_TOKEN) problems.push({ path: 'env.B24_BOT_TOKEN', message: why });
    if (!env.B24_BOT_APPLICATION_TOKEN && !env.B24_APPLICATION_TOKEN) {
      problems.push({ path: 'env.B24_BOT_APPLICATION_TOKEN', message: `${why} (or B24_APPLICATION_TOKEN): pushed events are checked against it` });
    }
  }
  return problems.length > 0 ? { problems } : { env, problems };
}

export function parseRules(text: string, fileLabel: string): { rules?: RulesFile; problems: ConfigProblem[] } {
  const doc = parseDocument(text, { prettyErrors: true, uniqueKeys: true });
  if (doc.errors.length > 0) {
    return {
      problems: doc.errors.map((e) => ({
        path: `${fileLabel}:${e.linePos?.[0] ? `line ${e.linePos[0].line}` : '(yaml)'}`,
        message: e.message.split('\n')[0] ?? e.message,
      })),
    };
  }
  const result = rulesFileSchema.safeParse(doc.toJS() ?? {}, { reportInput: true });
  if (result.success) return { rules: result.data, problems: [] };
  return { problems: zodProblems(result.error, `${fileLabel}:`) };
}

export function readRulesFile(path: string): { rules?: RulesFile; problems: ConfigProblem[] } {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    return { problems: [{ path: `env.BOT_CONFIG`, message: code === 'ENOENT' ? 'rules file not found' : `rules file unreadable (${code})`, got: JSON.stringify(path) }] };
  }
  return parseRules(text, path);
}

/**
 * Validates the environment and the rules file together and reports every problem at once.
 * Runs before anything touches Redis or the network.
 */
export function loadConfig(source: NodeJS.ProcessEnv = process.env, rulesPathOverride?: string): Config {
  const { env, problems: envProblems } = parseEnv(source);
  const rulesPath = rulesPathOverride ?? env?.BOT_CONFIG ?? source.BOT_CONFIG ?? 'config/rules.example.yaml';
  const { rules, problems: ruleProblems } = readRulesFile(rulesPath);
  const problems = [...envProblems, ...ruleProblems];
  if (problems.length > 0 || !env || !rules) throw new ConfigError(problems);
  registerSecret(env.TELEGRAM_BOT_TOKEN);
  registerSecret(env.TELEGRAM_WEBHOOK_SECRET);
  registerSecret(env.B24_APPLICATION_TOKEN);
  registerSecret(env.ADMIN_PASSWORD);
  registerSecret(env.B24_BOT_TOKEN);
  registerSecret(env.B24_BOT_APPLICATION_TOKEN);
  registerSecret(env.CALLBACK_SIGNING_KEY);
  if (env.B24_WEBHOOK_URL) registerSecret(new URL(env.B24_WEBHOOK_URL).pathname.split('/').filter(Boolean)[2]);
  return { env, rules, rulesPath };
}
