import { Composer } from 'grammy';
import { t } from '../../i18n/index.js';
import type { Directory } from '../../identity/directory.js';
import { subordinatesOf } from '../../identity/org.js';
import type { BotContext } from '../context.js';

/** /help lists what the user's role can do. */
export function helpFeature(deps: { directory: Directory; admins: readonly number[] }): Composer<BotContext> {
  const composer = new Composer<BotContext>();
  composer.command('help', async (ctx) => {
    const { locale, actor } = ctx;
    if (!actor) {
      await ctx.reply([t(locale, 'help.title'), t(locale, 'help.start'), t(locale, 'help.help'), '', t(locale, 'help.unlinked')].join('\n'));
      return;
    }
    const lines = [t(locale, 'help.title'), t(locale, 'help.report'), t(locale, 'help.settings'), t(locale, 'help.unlink'), t(locale, 'help.help')];
    const org = await deps.directory.org();
    if (subordinatesOf(org, actor.b24UserId).length > 0) lines.push('', t(locale, 'help.supervisor'));
    if (deps.admins.includes(actor.b24UserId)) lines.push('', t(locale, 'help.admin'));
    await ctx.reply(lines.join('\n'));
  });
  return composer;
}
