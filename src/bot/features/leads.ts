import { Composer } from 'grammy';
import type { ActionRegistry } from '../actions.js';
import type { BotContext } from '../context.js';
import type { LeadsCapability } from '../../jobs/leads/index.js';

// Scaffolding: replaced by the leads capability's grammY glue (commands, button actions).
export function leadsBotFeature(_capability: LeadsCapability): (actions: ActionRegistry) => Composer<BotContext> {
  return () => new Composer<BotContext>();
}
