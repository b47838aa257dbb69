import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { startTelegramSandbox, type TelegramSandbox } from '@dealpilot/sandbox/telegram';
import { Bot, GrammyError, InlineKeyboard, InputFile, webhookCallback } from 'grammy';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

let sandbox: TelegramSandbox;
const cleanups: Array<() => Promise<void> | void> = [];

beforeEach(async () => {
  sandbox = await startTelegramSandbox({ limits: { perChatIntervalMs: 0 } });
});
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  await sandbox.close();
});

function sandboxBot(): { bot: Bot; errors: unknown[] } {
  const bot = new Bot(sandbox.token, { client: { apiRoot: sandbox.apiRoot } });
  const errors: unknown[] = [];
  bot.catch((err) => {
    errors.push(err.error);
  });
  return { bot, errors };
}

async function listen(server: Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanups.push(() => new Promise<void>((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  }));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

describe('grammY in long-polling mode', () => {
  it('answers /start from a sandbox user and handles a button press', async () => {
    const { bot, errors } = sandboxBot();
    bot.command('start', (ctx) =>
      ctx.reply(`Привет, <b>${ctx.from?.first_name}</b>! Код: ${ctx.match}`, {
        parse_mode: 'HTML',
        reply_markup: new InlineKeyboard().text('Взять в работу', 'take:17'),
      }));
    bot.callbackQuery(/^take:(\d+)$/, async (ctx) => {
      await ctx.answerCallbackQuery({ text: `Лид ${ctx.match[1]} ваш` });
      await ctx.editMessageText('Лид 17 взят в работу');
    });
    await new Promise<void>((resolve) => {
      void bot.start({ drop_pending_updates: true, onStart: () => resolve() });
    });
    cleanups.push(() => bot.stop());

    const user = sandbox.addUser({ firstName: 'Мария', username: 'maria' });
    sandbox.sendCommand(user.id, '/start abc');
    const greeting = await sandbox.waitForMessage(user.id, { textIncludes: 'Привет' });
    expect(greeting.text).toBe('Привет, Мария! Код: abc');
    expect(greeting.entities).toEqual([{ type: 'bold', offset: 8, length: 5 }]);

    const queryId = sandbox.pressButton(user.id, greeting.messageId ?? 0, 'Взять в работу');
    expect(await sandbox.waitForCallbackAnswer(queryId)).toMatchObject({ answered: true, text: 'Лид 17 ваш' });
    const edited = await sandbox.waitForMessage(user.id, (e) => e.edited === 1);
    expect(edited).toMatchObject({ messageId: greeting.messageId, text: 'Лид 17 взят в работу' });
    expect(edited.replyMarkup).toBeUndefined();
    expect(errors).toEqual([]);
    expect(sandbox.formatTranscript(user.id)).toContain('you pressed [Взять в работу]');
  });

  it('surfaces Bot API errors as GrammyError with the documented fields', async () => {
    const { bot } = sandboxBot();
    sandbox.setLimits({ perChatIntervalMs: 60_000 });
    const user = sandbox.addUser({ firstName: 'Olga' });
    await bot.api.sendMessage(user.id, 'first');
    const limited = await bot.api.sendMessage(user.id, 'second').catch((e: unknown) => e);
    expect(limited).toBeInstanceOf(GrammyError);
    expect((limited as GrammyError).error_code).toBe(429);
    expect((limited as GrammyError).parameters.retry_after).toBeGreaterThan(0);
    const tooLong = await bot.api.sendMessage(user.id + 1, 'x').catch((e: unknown) => e);
    expect((tooLong as GrammyError).description).toBe('Bad Request: chat not found');
  });

  it('uploads a photo as multipart/form-data with an inline keyboard', async () => {
    const { bot } = sandboxBot();
    const user = sandbox.addUser({ firstName: 'Olga' });
    const photo = new InputFile(Buffer.from('\x89PNG fake image bytes'), 'chart.png');
    const message = await bot.api.sendPhoto(user.id, photo, {
      caption: 'Воронка за неделю',
      reply_markup: new InlineKeyboard().url('Открыть', 'https://example.bitrix24.ru/crm/'),
    });
    expect(message.caption).toBe('Воронка за неделю');
    expect(message.photo?.length).toBeGreaterThan(0);
    expect(message.reply_markup).toEqual({ inline_keyboard: [[{ text: 'Открыть', url: 'https://example.bitrix24.ru/crm/' }]] });
    expect(sandbox.transcript(user.id)[0]).toMatchObject({ kind: 'photo', text: 'Воронка за неделю' });
  });
});

describe('grammY in webhook mode', () => {
  it('delivers a button press to a callbackQuery handler with the secret token checked', async () => {
    const { bot, errors } = sandboxBot();
    const pressed: string[] = [];
    bot.callbackQuery(/^approve:/, async (ctx) => {
      pressed.push(ctx.callbackQuery.data);
      await ctx.answerCallbackQuery({ text: 'Согласовано' });
    });
    const url = await listen(createServer(webhookCallback(bot, 'http', { secretToken: 'right-secret' })));
    const user = sandbox.addUser({ firstName: 'Olga' });
    const sent = await bot.api.sendMessage(user.id, 'Скидка 15% по сделке 42?', {
      reply_markup: new InlineKeyboard().text('Согласовать', 'approve:42').text('Отклонить', 'reject:42'),
    });

    // A wrong secret is refused by grammY: the sandbox records the failure and keeps the update.
    await bot.api.setWebhook(`${url}/hook`, { secret_token: 'wrong-secret' });
    const queryId = sandbox.pressButton(user.id, sent.message_id, 'approve:42');
    await expect.poll(() => sandbox.webhookInfo().last_error_message).toMatch(/^Wrong response from the webhook: 401/);
    expect(sandbox.webhookInfo().pending_update_count).toBe(1);
    expect(pressed).toEqual([]);

    // With the right secret the same update is redelivered.
    await bot.api.setWebhook(`${url}/hook`, { secret_token: 'right-secret' });
    expect(await sandbox.waitForCallbackAnswer(queryId)).toMatchObject({ answered: true, text: 'Согласовано' });
    expect(pressed).toEqual(['approve:42']);
    // The update counts as delivered once the handler finished and grammY answered 200.
    await expect.poll(() => sandbox.webhookInfo().pending_update_count).toBe(0);
    expect(sandbox.stats().webhookDeliveries).toBe(1);
    expect(errors).toEqual([]);
  });

  it('executes a method returned in the webhook response body', async () => {
    const replies = createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ method: 'sendMessage', chat_id: user.id, text: 'webhook reply' }));
      });
    });
    const url = await listen(replies);
    const user = sandbox.addUser({ firstName: 'Olga' });
    const { bot } = sandboxBot();
    await bot.api.setWebhook(url);
    sandbox.sendText(user.id, 'hello');
    expect((await sandbox.waitForMessage(user.id)).text).toBe('webhook reply');
  });

  it('drops an update after webhookMaxAttempts failed deliveries', async () => {
    sandbox.setLimits({ webhookMaxAttempts: 3, webhookRetryBaseMs: 10, webhookMaxBackoffMs: 20 });
    let hits = 0;
    const failing = createServer((req, res) => {
      hits += 1;
      req.resume();
      res.writeHead(500).end();
    });
    const url = await listen(failing);
    const user = sandbox.addUser({ firstName: 'Olga' });
    const { bot } = sandboxBot();
    await bot.api.setWebhook(url);
    sandbox.sendText(user.id, 'lost');
    await expect.poll(() => sandbox.stats().webhookDropped).toBe(1);
    expect(hits).toBe(3);
    expect(sandbox.stats().webhookFailures).toBe(3);
    expect(sandbox.webhookInfo()).toMatchObject({
      pending_update_count: 0,
      last_error_message: 'Wrong response from the webhook: 500 Internal Server Error',
    });
  });
});
