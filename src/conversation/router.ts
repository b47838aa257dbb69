import type { Interaction } from '../capabilities/chat.js';
import { asInteractive } from '../crm/priority.js';
import type { ActionRegistry } from './actions.js';

export type CommandHandler = (press: Interaction, args: string) => Promise<void>;

/** A capability's chat side: its buttons, its commands, and the free-text answers it waits for. */
export interface ChatFeature {
  actions?(registry: ActionRegistry): void;
  /** Commands without the "/" (e.g. `report`). */
  commands?: Record<string, CommandHandler>;
  /** A free-text message; resolves true when this feature took it (an answer it was waiting for). */
  text?(press: Interaction, text: string): Promise<boolean>;
}

/** Everything a person can do in chat, independent of the messenger: both chat glues drive this. */
export interface ChatRouter {
  readonly actions: ActionRegistry;
  readonly commands: readonly string[];
  /** Runs a command; false when no feature has it. */
  command(name: string, args: string, press: Interaction): Promise<boolean>;
  /** Offers a text to each feature in turn; false when none took it. */
  text(text: string, press: Interaction): Promise<boolean>;
}

export function createChatRouter(actions: ActionRegistry, features: readonly ChatFeature[]): ChatRouter {
  const commands = new Map<string, CommandHandler>();
  for (const feature of features) {
    feature.actions?.(actions);
    for (const [name, handler] of Object.entries(feature.commands ?? {})) {
      if (commands.has(name)) throw new Error(`two features register the command /${name}`);
      commands.set(name, handler);
    }
  }
  const textHandlers = features.flatMap((f) => (f.text ? [f.text.bind(f)] : []));
  return {
    actions,
    commands: [...commands.keys()],
    // A person waits for these: their portal calls take the budget's interactive lane (never behind a scan).
    command(name, args, press) {
      return asInteractive(async () => {
        const handler = commands.get(name.toLowerCase());
        if (!handler) return false;
        await handler(press, args);
        return true;
      });
    },
    text(text, press) {
      return asInteractive(async () => {
        for (const handler of textHandlers) if (await handler(press, text)) return true;
        return false;
      });
    },
  };
}
