import { SandboxControlError } from './errors.js';
import type { TelegramSandboxLimits } from './limits.js';
import type { MessageMatcher } from './transcript.js';
import type { TelegramSandbox } from './types.js';
import type { AddUserInput, ContactInput } from './world.js';

export interface ControlAnswer {
  status: number;
  body: { ok: true; result: unknown } | { ok: false; error: string };
}

type Args = Record<string, unknown>;

function num(args: Args, key: string): number {
  const value = typeof args[key] === 'string' ? Number(args[key]) : args[key];
  if (typeof value !== 'number' || !Number.isFinite(value)) throw new SandboxControlError(`"${key}" must be a number`);
  return value;
}

function optNum(args: Args, key: string): number | undefined {
  return args[key] === undefined ? undefined : num(args, key);
}

function str(args: Args, key: string): string {
  const value = args[key];
  if (typeof value !== 'string') throw new SandboxControlError(`"${key}" must be a string`);
  return value;
}

/**
 * The control API over HTTP, so another process (a worker in a crash test, the demo terminal) can act as a
 * person: `POST /sandbox/<action>` with a JSON object of named arguments (GET with query parameters works for
 * read-only actions). Answers `{ok:true,result}` or `{ok:false,error}`.
 */
const ACTIONS: Record<string, (sandbox: TelegramSandbox, args: Args) => unknown> = {
  addUser: (s, a) => s.addUser(a as unknown as AddUserInput),
  users: (s) => s.users(),
  sendText: (s, a) => s.sendText(num(a, 'userId'), str(a, 'text')),
  sendCommand: (s, a) => s.sendCommand(num(a, 'userId'), str(a, 'command')),
  sendContact: (s, a) => s.sendContact(num(a, 'userId'), (a.contact ?? {}) as ContactInput),
  tapReplyButton: (s, a) => s.tapReplyButton(num(a, 'userId'), str(a, 'text')),
  pressButton: (s, a) => s.pressButton(num(a, 'userId'), num(a, 'messageId'), str(a, 'button')),
  callbackAnswer: (s, a) => s.callbackAnswer(str(a, 'queryId')) ?? null,
  waitForCallbackAnswer: (s, a) => s.waitForCallbackAnswer(str(a, 'queryId'), optNum(a, 'timeoutMs')),
  block: (s, a) => (s.block(num(a, 'userId')), true),
  unblock: (s, a) => (s.unblock(num(a, 'userId')), true),
  transcript: (s, a) => s.transcript(num(a, 'chatId')),
  formatTranscript: (s, a) => s.formatTranscript(num(a, 'chatId')),
  waitForMessage: (s, a) =>
    s.waitForMessage(num(a, 'chatId'), (a.matcher ?? {}) as MessageMatcher, optNum(a, 'timeoutMs')),
  stats: (s) => s.stats(),
  limits: (s) => s.limits(),
  setLimits: (s, a) => (s.setLimits((a.limits ?? {}) as Partial<TelegramSandboxLimits>), s.limits()),
  webhookInfo: (s) => s.webhookInfo(),
  pendingUpdateCount: (s) => s.pendingUpdateCount(),
  commands: (s, a) =>
    s.commands(typeof a.scopeType === 'string' ? a.scopeType : undefined, typeof a.languageCode === 'string' ? a.languageCode : undefined),
  reset: (s) => (s.reset(), true),
};

export const CONTROL_ACTIONS = Object.keys(ACTIONS);

export async function handleControlRequest(
  sandbox: TelegramSandbox,
  httpMethod: string,
  url: URL,
  body: Buffer,
): Promise<ControlAnswer> {
  const action = ACTIONS[url.pathname.slice('/sandbox/'.length)];
  if (!action) return { status: 404, body: { ok: false, error: `unknown sandbox action ${url.pathname}` } };
  let args: Args = Object.fromEntries(url.searchParams.entries());
  if (httpMethod === 'POST' && body.length > 0) {
    try {
      const parsed: unknown = JSON.parse(body.toString('utf8'));
      if (parsed && typeof parsed === 'object') args = { ...args, ...(parsed as Args) };
    } catch {
      return { status: 400, body: { ok: false, error: 'body must be a JSON object' } };
    }
  }
  try {
    return { status: 200, body: { ok: true, result: (await action(sandbox, args)) ?? null } };
  } catch (error) {
    if (error instanceof SandboxControlError) return { status: 400, body: { ok: false, error: error.message } };
    throw error;
  }
}
