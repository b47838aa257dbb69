import {
  type ChatAdapter, ChatRateLimitedError, ChatRejectedError, ChatTransientError, ChatUnreachableError,
} from '../../chat/adapter.js';
import type { ChatMessage, MessageRef } from '../../chat/message.js';
import {
  CrmError, CrmOperationLimitError, CrmRateLimitError, CrmUnavailableError,
} from '../../crm/errors.js';
import type { CrmGateway } from '../../crm/gateway.js';
import { currentPriority } from '../../crm/priority.js';
import { registerSecret } from '../../infra/secrets.js';
import { isRecord, positiveId } from '../../infra/values.js';
import { renderBitrixBbCode, renderBitrixKeyboard } from './render.js';

export interface BitrixChatOptions {
  /** The bot's id from `registerBitrixBot`. */
  botId: number;
  /** The botToken chosen at registration (≤ 40 characters); every webhook-authorized imbot.v2 call carries it. */
  botToken: string;
  /** Messages sent in one `batch` request at most (1–50; 1 = one request per message). Default 50. */
  maxBatch?: number;
  /** How long the first background message of a batch waits for others (default 250 ms). */
  collectMs?: number;
}

/** Codes meaning this person cannot be written to (fired, deleted, no dialog with the bot). */
const UNREACHABLE_CODES = new Set(['ACCESS_DENIED', 'USER_NOT_FOUND', 'DIALOG_NOT_FOUND', 'CHAT_NOT_FOUND', 'DIALOG_ID_EMPTY']);

/**
 * Maps portal failures onto the adapter's error classes (the only place that reads imbot error codes).
 * The transport has already retried what it could, so a limit still standing means "pause the channel".
 * `op` matters for ACCESS_DENIED: on send the dialog is closed to the bot, on update the message is not ours.
 */
export function toBitrixChatError(error: unknown, chatId: string, op: 'send' | 'edit'): Error {
  if (!(error instanceof CrmError)) return error instanceof Error ? error : new Error(String(error));
  if (error instanceof CrmRateLimitError) return new ChatRateLimitedError(2);
  if (error instanceof CrmOperationLimitError) return new ChatRateLimitedError(10);
  if (error instanceof CrmUnavailableError) return new ChatTransientError(error.message);
  if (op === 'send' && UNREACHABLE_CODES.has(error.code)) return new ChatUnreachableError(chatId, error.message);
  // Everything else (bad token, unknown bot, missing scope, empty message, bad keyboard) cannot succeed on retry.
  return new ChatRejectedError(error.message, error.code);
}


/**
 * Bitrix24 chat adapter over the CRM gateway's raw calls (`imbot.v2.Chat.Message.send` / `.update`).
 * chatId is the dialog id: the Bitrix24 user id for the private dialog with the bot, `chatN` for a group chat.
 */
export function createBitrixChatAdapter(crm: Pick<CrmGateway, 'call' | 'batch'>, options: BitrixChatOptions): ChatAdapter {
  const { botId, botToken } = options;
  registerSecret(botToken);
  const maxBatch = Math.max(1, Math.min(50, options.maxBatch ?? 50));
  const collectMs = options.collectMs ?? 250;

  function fields(message: ChatMessage, forEdit: boolean): Record<string, unknown> {
    const keyboard = renderBitrixKeyboard(message, botId);
    return {
      message: renderBitrixBbCode(message.text),
      // On update "N" removes a keyboard the message had; on send leaving it out means none.
      ...(keyboard ? { keyboard } : forEdit ? { keyboard: 'N' } : {}),
      urlPreview: forEdit ? 'N' : false,
    };
  }

  const refOf = (chatId: string, result: unknown): MessageRef => {
    const id = isRecord(result) ? positiveId(result.id) : undefined;
    if (id === undefined) throw new ChatRejectedError(`imbot.v2.Chat.Message.send answered without a message id`);
    return { channel: 'bitrix24', chatId, messageId: String(id) };
  };
  const sendParams = (chatId: string, message: ChatMessage) => ({ botId, botToken, dialogId: chatId, fields: fields(message, false) });

  async function sendOne(chatId: string, message: ChatMessage): Promise<MessageRef> {
    let result: unknown;
    try {
      // Not retried by the transport unless the portal provably did not act: a repeat would post twice.
      result = await crm.call('imbot.v2.Chat.Message.send', sendParams(chatId, message));
    } catch (error) {
      throw toBitrixChatError(error, chatId, 'send');
    }
    return refOf(chatId, result);
  }

  /**
   * Background sends (the outbox) share `batch` requests: each message costs one of the portal's 2 requests a
   * second otherwise. One batch is in flight at a time; what arrives while it waits for the budget goes into the
   * next one (up to 50). Each message keeps its own outcome: a refused one fails alone. A batch that fails as a
   * whole fails each of its messages (the outbox retries them; like any send whose answer is lost, a message the
   * portal did post may then be posted again).
   */
  const waiting: Array<{ chatId: string; message: ChatMessage; resolve: (ref: MessageRef) => void; reject: (error: unknown) => void }> = [];
  let inFlight = false;
  async function flush(): Promise<void> {
    if (inFlight || waiting.length === 0) return;
    inFlight = true;
    const group = waiting.splice(0, maxBatch);
    try {
      if (group.length === 1) {
        const [only] = group;
        await sendOne(only!.chatId, only!.message).then(only!.resolve, only!.reject);
        return;
      }
      let entries: Awaited<ReturnType<typeof crm.batch>>;
      try {
        entries = await crm.batch(Object.fromEntries(group.map((g, i) => [`m${i}`, ['imbot.v2.Chat.Message.send', sendParams(g.chatId, g.message)] as const])),
          { halt: false, idempotent: false });
      } catch (error) {
        for (const g of group) g.reject(toBitrixChatError(error, g.chatId, 'send'));
        return;
      }
      group.forEach((g, i) => {
        const entry = entries[`m${i}`];
        if (!entry) return g.reject(new ChatTransientError('batch answered without this message'));
        if (!entry.ok) return g.reject(toBitrixChatError(entry.error, g.chatId, 'send'));
        try {
          g.resolve(refOf(g.chatId, entry.result));
        } catch (error) {
          g.reject(error);
        }
      });
    } finally {
      inFlight = false;
      if (waiting.length > 0) setTimeout(() => void flush(), waiting.length >= maxBatch ? 0 : collectMs);
    }
  }

  return {
    channel: 'bitrix24',
    async send(chatId, message): Promise<MessageRef> {
      if (!/^(?:[1-9]\d*|chat[1-9]\d*)$/.test(chatId)) throw new ChatUnreachableError(chatId, 'not a Bitrix24 dialog id');
      // A person waiting for this answer does not wait for a batch; nor does a caller that wants one per request.
      if (currentPriority() === 'interactive' || maxBatch === 1) return sendOne(chatId, message);
      return new Promise<MessageRef>((resolve, reject) => {
        waiting.push({ chatId, message, resolve, reject });
        // The first of a batch waits a moment for the others the outbox is about to send (it paces them tens of
        // milliseconds apart); a full batch leaves at once.
        if (waiting.length >= maxBatch) setImmediate(() => void flush());
        else if (waiting.length === 1) setTimeout(() => void flush(), collectMs);
      });
    },
    async edit(ref, message) {
      try {
        await crm.call('imbot.v2.Chat.Message.update', {
          botId, botToken, messageId: Number(ref.messageId), fields: fields(message, true),
        }, { idempotent: true });
      } catch (error) {
        throw toBitrixChatError(error, ref.chatId, 'edit');
      }
    },
  };
}
