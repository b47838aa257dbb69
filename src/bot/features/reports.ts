import { Composer } from 'grammy';
import type { ActionRegistry } from '../actions.js';
import type { BotContext } from '../context.js';
import type { ReportsCapability } from '../../jobs/reports/index.js';

// Scaffolding: replaced by the reports capability's grammY glue (commands, button actions).
export function reportsBotFeature(_capability: ReportsCapability): (actions: ActionRegistry) => Composer<BotContext> {
  return () => new Composer<BotContext>();
}
