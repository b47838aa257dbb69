/**
 * One scenario, two messengers: a driver acts as a person in Telegram or in Bitrix24 chat through the
 * sandboxes, so each scenario in this folder is written once and run against both.
 */

import { type TranscriptEntry as BitrixEntry, imbotOf } from '@dealpilot/sandbox/bitrix/imbot';
import type { TranscriptEntry as TelegramEntry } from '@dealpilot/sandbox/telegram/transcript';
import type { SandboxEnvironment } from '../../src/demo/environment.js';
import { sleep } from '../../src/infra/timing.js';
import { bbCodeToPlainText } from '../../src/messengers/bitrix24/render.js';
import { waitFor } from '../support/eventually.js';

/** `bitrix24-push`: Bitrix24 chat with the bot's events posted by the portal (webhook mode) instead of pulled. */
export type MessengerName = 'telegram' | 'bitrix24' | 'bitrix24-push';
export const MESSENGERS: readonly MessengerName[] = ['telegram', 'bitrix24'];

/** A bot message as the person sees it now (after edits), in plain text. */
export interface SeenMessage {
  messageId: number;
  text: string;
  /** Texts of its buttons, row after row (action and link buttons). */
  buttons: string[];
  /** Action buttons that can still be pressed (not links; Bitrix24 blocks a pressed button until the message changes). */
  pressable: string[];
}

export interface Feedback {
  /** Telegram: the toast/alert text of the answered press; Bitrix24: the bot messages the press produced. */
  notice: string;
}

export interface MessengerDriver {
  readonly name: MessengerName;
  /** Makes the person use this messenger: Telegram linked and preferred, or Bitrix24 chat preferred. */
  enrol(b24UserId: number): Promise<void>;
  /** Bot messages in the person's dialog, oldest first. */
  botMessages(b24UserId: number): SeenMessage[];
  /** Waits until a bot message matches (checked in its latest state). */
  waitFor(b24UserId: number, match: (m: SeenMessage) => boolean, timeoutMs?: number): Promise<SeenMessage>;
  /** Presses a button by its text, as the person would, and resolves once the bot has handled the press. */
  press(b24UserId: number, message: SeenMessage, button: string): Promise<Feedback>;
  /** Button data a person did not get from the bot (a modified client; `im.message.command` in Bitrix24). */
  forge(b24UserId: number, message: SeenMessage, data: string): Promise<Feedback>;
  /** Writes a command or a text and resolves once the bot has handled it. */
  write(b24UserId: number, text: string): Promise<void>;
}


function telegramSeen(entry: TelegramEntry): SeenMessage {
  const markup = entry.replyMarkup as { inline_keyboard?: Array<Array<{ text: string; callback_data?: string }>> } | undefined;
  const flat = (markup?.inline_keyboard ?? []).flat();
  return {
    messageId: entry.messageId!, text: entry.text, buttons: flat.map((b) => b.text),
    pressable: flat.filter((b) => b.callback_data !== undefined).map((b) => b.text),
  };
}

function bitrixSeen(entry: BitrixEntry): SeenMessage {
  const flat = entry.buttons.flat();
  return {
    messageId: entry.messageId,
    text: bbCodeToPlainText(entry.text),
    buttons: flat.map((b) => b.text),
    pressable: flat.filter((b) => !b.blocked && b.command !== undefined).map((b) => b.text),
  };
}

export function telegramDriver(env: SandboxEnvironment): MessengerDriver {
  const tg = (b24UserId: number) => env.telegramUserFor(b24UserId);
  const seen = (b24UserId: number) => env.telegram.transcript(tg(b24UserId))
    .filter((e) => e.direction === 'bot' && e.messageId !== undefined && !e.deleted).map(telegramSeen);
  async function answerOf(queryId: string): Promise<Feedback> {
    const answer = await env.telegram.waitForCallbackAnswer(queryId, 15_000);
    return { notice: answer.text ?? '' };
  }
  return {
    name: 'telegram',
    async enrol(b24UserId) {
      await env.app.store.link(b24UserId, tg(b24UserId), String(tg(b24UserId)));
      await env.app.store.setPreferences(b24UserId, { channel: 'telegram', quietStart: '00:00', quietEnd: '00:00', weekendsOff: false });
    },
    botMessages: seen,
    waitFor: (b24UserId, match, timeoutMs = 15_000) =>
      waitFor(() => seen(b24UserId).find(match), `a Telegram message to ${b24UserId}`, timeoutMs),
    async press(b24UserId, message, button) {
      // A person does not press faster than the bot's per-user flood limit (10 updates per 2 s).
      await sleep(250);
      return answerOf(env.telegram.pressButton(tg(b24UserId), message.messageId, button));
    },
    async forge(b24UserId, message, data) {
      await sleep(250);
      // Signed as the bot signs: the press reaches the action registry, whose authorization is what scenarios test.
      return answerOf(env.pressPayload(tg(b24UserId), message.messageId, data));
    },
    async write(b24UserId, text) {
      const before = seen(b24UserId).length;
      if (text.startsWith('/')) env.telegram.sendCommand(tg(b24UserId), text);
      else env.telegram.sendText(tg(b24UserId), text);
      await waitFor(() => (seen(b24UserId).length > before ? true : undefined), `an answer to "${text}"`);
    },
  };
}

export function bitrixDriver(env: SandboxEnvironment): MessengerDriver {
  const chat = env.app.bitrixChat;
  if (!chat) throw new Error('start the environment with bitrixChat: true');
  const imbot = () => imbotOf(env.bitrix.store);
  const seen = (b24UserId: number) => imbot().transcript(b24UserId).filter((e) => e.from === 'bot').map(bitrixSeen);
  /** Runs what the person did through the poller and returns the bot messages it produced. */
  async function handled(b24UserId: number, act: () => void): Promise<Feedback> {
    const before = new Set(seen(b24UserId).map((m) => m.messageId));
    act();
    const pushed = env.app.bitrixBotEvents;
    if (pushed) {
      await imbot().flushWebhooks();
      await pushed.settled();
    } else {
      await chat!.poll({ wait: true });
    }
    return { notice: seen(b24UserId).filter((m) => !before.has(m.messageId)).map((m) => m.text).join('\n') };
  }
  return {
    name: env.app.bitrixBotEvents ? 'bitrix24-push' : 'bitrix24',
    async enrol(b24UserId) {
      await env.app.store.setPreferences(b24UserId, { channel: 'bitrix24', quietStart: '00:00', quietEnd: '00:00', weekendsOff: false });
    },
    botMessages: seen,
    waitFor: (b24UserId, match, timeoutMs = 15_000) =>
      waitFor(() => seen(b24UserId).find(match), `a Bitrix24 chat message to ${b24UserId}`, timeoutMs),
    press: (b24UserId, message, button) => handled(b24UserId, () => { imbot().pressButton(b24UserId, message.messageId, button); }),
    forge: (b24UserId, message, data) => handled(b24UserId, () => { imbot().forgeKeyboardPress(b24UserId, message.messageId, data); }),
    async write(b24UserId, text) {
      await handled(b24UserId, () => { imbot().personWrites(b24UserId, text); });
    },
  };
}

export function driverFor(name: MessengerName, env: SandboxEnvironment): MessengerDriver {
  return name === 'telegram' ? telegramDriver(env) : bitrixDriver(env);
}
