import { Composer, Keyboard } from 'grammy';
import { t } from '../../i18n/index.js';
import type { BotContext } from './context.js';

export function startFeature(): Composer<BotContext> {
  const composer = new Composer<BotContext>();
  composer.command('start', async (ctx) => {
    const name = ctx.from?.first_name ?? '';
    const keyboard = new Keyboard().requestContact(t(ctx.locale, 'start.share_phone')).resized().oneTime();
    await ctx.reply(`${t(ctx.locale, 'start.greeting', { name })}\n\n${t(ctx.locale, 'start.link_prompt')}`, {
      reply_markup: keyboard,
    });
  });
  return composer;
}
