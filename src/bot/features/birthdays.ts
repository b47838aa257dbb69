import { Composer } from 'grammy';
import type { ActionRegistry } from '../actions.js';
import type { BotContext } from '../context.js';
import type { BirthdaysCapability } from '../../jobs/birthdays/index.js';

// Scaffolding: replaced by the birthdays capability's grammY glue (commands, button actions).
export function birthdaysBotFeature(_capability: BirthdaysCapability): (actions: ActionRegistry) => Composer<BotContext> {
  return () => new Composer<BotContext>();
}
