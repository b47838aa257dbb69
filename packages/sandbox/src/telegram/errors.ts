/**
 * Bot API error answers. Descriptions are the strings the real api.telegram.org sends, so code under test that
 * matches on them (e.g. "message is not modified") behaves here as in production.
 */
export class BotApiError extends Error {
  constructor(
    readonly errorCode: number,
    readonly description: string,
    readonly retryAfter?: number,
  ) {
    super(description);
    this.name = 'BotApiError';
  }

  toJSON(): Record<string, unknown> {
    return {
      ok: false,
      error_code: this.errorCode,
      description: this.description,
      ...(this.retryAfter !== undefined ? { parameters: { retry_after: this.retryAfter } } : {}),
    };
  }
}

export const Descriptions = {
  unauthorized: 'Unauthorized',
  notFound: 'Not Found',
  textEmpty: 'Bad Request: message text is empty',
  textTooLong: 'Bad Request: message is too long',
  captionTooLong: 'Bad Request: message caption is too long',
  buttonDataInvalid: 'Bad Request: BUTTON_DATA_INVALID',
  buttonUrlInvalid: 'Bad Request: BUTTON_URL_INVALID',
  buttonTypeInvalid: 'Bad Request: BUTTON_TYPE_INVALID',
  /** A web_app URL that is not HTTPS (the sandbox also takes plain http on loopback, for local runs). */
  webAppUrlInvalid: 'Bad Request: BUTTON_URL_INVALID: Only HTTPS links are allowed',
  textButtonsInInlineKeyboard: 'Bad Request: text buttons are unallowed in the inline keyboard',
  replyMarkupInvalid: "Bad Request: can't parse reply keyboard markup JSON object",
  notModified:
    'Bad Request: message is not modified: specified new message content and reply markup are exactly the same as a current content and reply markup of the message',
  blocked: 'Forbidden: bot was blocked by the user',
  cantInitiate: "Forbidden: bot can't initiate conversation with a user",
  chatNotFound: 'Bad Request: chat not found',
  chatIdEmpty: 'Bad Request: chat_id is empty',
  messageToEditNotFound: 'Bad Request: message to edit not found',
  messageCantBeEdited: "Bad Request: message can't be edited",
  noTextToEdit: 'Bad Request: there is no text in the message to edit',
  noCaptionToEdit: 'Bad Request: there is no caption in the message to edit',
  messageToDeleteNotFound: 'Bad Request: message to delete not found',
  replyNotFound: 'Bad Request: message to be replied not found',
  webhookConflict:
    "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to delete the webhook first",
  pollingConflict:
    'Conflict: terminated by other getUpdates request; make sure that only one bot instance is running',
  queryTooOld: 'Bad Request: query is too old and response timeout expired or query ID is invalid',
  unsupportedParseMode: 'Bad Request: unsupported parse_mode',
  cantParseJson: "Bad Request: can't parse JSON",
  botCommandInvalid: 'Bad Request: BOT_COMMAND_INVALID',
  botCommandDescriptionInvalid: 'Bad Request: BOT_COMMAND_DESCRIPTION_INVALID',
  wrongFileIdentifier: 'Bad Request: wrong file identifier/HTTP URL specified',
  photoMissing: 'Bad Request: there is no photo in the request',
  badWebhookUrl: 'Bad Request: bad webhook: Failed to resolve host: Name or service not known',
  secretTokenInvalid: 'Bad Request: secret token contains unallowed characters',
  answerTextTooLong: 'Bad Request: MESSAGE_TOO_LONG',
} as const;

export function badRequest(description: string): BotApiError {
  return new BotApiError(400, description);
}

export function tooManyRequests(retryAfterSeconds: number): BotApiError {
  return new BotApiError(429, `Too Many Requests: retry after ${retryAfterSeconds}`, retryAfterSeconds);
}

export function cantParseEntities(detail: string): BotApiError {
  return badRequest(`Bad Request: can't parse entities: ${detail}`);
}

/** Misuse of the control API (a test asked for something impossible): not a Bot API answer. */
export class SandboxControlError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SandboxControlError';
  }
}
