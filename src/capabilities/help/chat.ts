import { t } from '../../i18n/index.js';
import type { Directory } from '../../identity/directory.js';
import { subordinatesOf } from '../../identity/org.js';
import type { ChatFeature } from '../chat.js';

/** /help lists what the user's role can do (in Bitrix24 chat there is nothing to link or unlink). */
export function helpFeature(deps: { directory: Directory; admins: readonly number[] }): ChatFeature {
  return {
    commands: {
      async help(press) {
        const { locale, actor } = press;
        const lines = [t(locale, 'help.title'), t(locale, 'help.report'), t(locale, 'help.settings')];
        if (press.channel === 'telegram') lines.push(t(locale, 'help.unlink'));
        lines.push(t(locale, 'help.help'));
        const org = await deps.directory.org();
        if (subordinatesOf(org, actor.b24UserId).length > 0) lines.push('', t(locale, 'help.supervisor'));
        if (deps.admins.includes(actor.b24UserId)) lines.push('', t(locale, 'help.admin'));
        await press.reply({ text: lines.join('\n') });
      },
    },
  };
}
