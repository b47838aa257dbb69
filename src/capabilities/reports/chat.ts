import type { ChatMessage } from '../../chat/message.js';
import { t } from '../../i18n/index.js';
import type { ChatFeature, Interaction } from '../chat.js';
import type { ReportsCapability } from './index.js';

async function sendAll(press: Interaction, messages: ChatMessage[]): Promise<void> {
  for (const message of messages) await press.reply(message);
}

/**
 * /report and its period buttons. Scope comes from the actor only (see reportScope), so neither the command's
 * arguments nor a button's data can show another manager's row; the capability builds the messages.
 */
export function reportsFeature(capability: ReportsCapability): ChatFeature {
  return {
    commands: {
      async report(press, args) {
        await press.working();
        await sendAll(press, await capability.reportCommand(press.actor.b24UserId, `/report ${args}`.trim(), press.locale));
      },
    },
    actions(actions) {
      actions.on('report.period', {
        async handle({ press, actor, args: [key] }) {
          const messages = await capability.reportForKey(actor.b24UserId, key, press.locale);
          if (!messages) return press.notify(t(press.locale, 'errors.outdated_button'));
          await press.notify();
          // A new report is a new set of messages (its length varies); the old one stays as it was.
          await sendAll(press, messages);
        },
      });
    },
  };
}
