import { Composer } from 'grammy';
import type { ActionRegistry } from '../actions.js';
import type { BotContext } from '../context.js';
import type { DealsCapability } from '../../jobs/deals/index.js';

// Scaffolding: replaced by the deals capability's grammY glue (commands, button actions).
export function dealsBotFeature(_capability: DealsCapability): (actions: ActionRegistry) => Composer<BotContext> {
  return () => new Composer<BotContext>();
}
