import { Composer } from 'grammy';
import { t } from '../../i18n/index.js';
import type { BotContext } from '../context.js';

export function helpText(ctx: BotContext): string {
  const lines = [t(ctx.locale, 'help.title'), t(ctx.locale, 'help.start'), t(ctx.locale, 'help.help'),
    t(ctx.locale, 'help.settings'), t(ctx.locale, 'help.report'), t(ctx.locale, 'help.unlink')];
  return lines.join('\n');
}

export function helpFeature(): Composer<BotContext> {
  const composer = new Composer<BotContext>();
  composer.command('help', (ctx) => ctx.reply(helpText(ctx)));
  return composer;
}
