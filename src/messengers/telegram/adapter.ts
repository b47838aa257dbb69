import { Api, GrammyError, HttpError } from 'grammy';
import {
  type ChatAdapter, ChatRateLimitedError, ChatRejectedError, ChatTransientError, ChatUnreachableError,
} from '../../chat/adapter.js';
import type { CallbackSigner } from '../../chat/callback-signature.js';
import type { ChatMessage, MessageRef } from '../../chat/message.js';
import { maskSecrets } from '../../infra/secrets.js';
import { renderTelegramHtml, renderTelegramKeyboard } from './render.js';

/** Maps grammY failures onto the adapter's error classes (the only place that reads Bot API error codes). */
export function toChatError(error: unknown, chatId: string): Error {
  if (error instanceof GrammyError) {
    if (error.error_code === 429) return new ChatRateLimitedError(error.parameters.retry_after ?? 1);
    if (error.error_code === 403) return new ChatUnreachableError(chatId, error.description);
    if (error.error_code === 400 && /chat not found|user is deactivated/i.test(error.description)) {
      return new ChatUnreachableError(chatId, error.description);
    }
    if (error.error_code >= 500) return new ChatTransientError(error.description);
    return new ChatRejectedError(error.description);
  }
  if (error instanceof HttpError) return new ChatTransientError(maskSecrets(error.message));
  return error instanceof Error ? error : new Error(String(error));
}

/** Telegram adapter over grammY's Api (usable in workers without a running bot). */
export function createTelegramAdapter(api: Api, options: { signer?: CallbackSigner } = {}): ChatAdapter {
  // Each button is signed for the chat it goes to: a press in any other chat, or of data never sent, fails the check.
  const signFor = (chatId: string) => (options.signer ? (data: string) => options.signer!.sign(data, chatId) : undefined);
  return {
    channel: 'telegram',
    async send(chatId, message: ChatMessage): Promise<MessageRef> {
      try {
        const markup = renderTelegramKeyboard(message, { privateChat: Number(chatId) > 0, sign: signFor(chatId) });
        const sent = await api.sendMessage(chatId, renderTelegramHtml(message.text), {
          parse_mode: 'HTML',
          link_preview_options: { is_disabled: true },
          ...(markup ? { reply_markup: markup } : {}),
        });
        return { channel: 'telegram', chatId, messageId: String(sent.message_id) };
      } catch (error) {
        throw toChatError(error, chatId);
      }
    },
    async edit(ref, message) {
      try {
        const markup = renderTelegramKeyboard(message, { privateChat: Number(ref.chatId) > 0, sign: signFor(ref.chatId) }) ?? { inline_keyboard: [] };
        await api.editMessageText(ref.chatId, Number(ref.messageId), renderTelegramHtml(message.text), {
          parse_mode: 'HTML',
          link_preview_options: { is_disabled: true },
          reply_markup: markup,
        });
      } catch (error) {
        if (error instanceof GrammyError && /message is not modified/i.test(error.description)) return;
        throw toChatError(error, ref.chatId);
      }
    },
  };
}

export function createTelegramApi(token: string, apiRoot: string): Api {
  return new Api(token, { apiRoot });
}
