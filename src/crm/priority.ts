import { AsyncLocalStorage } from 'node:async_hooks';
import type { CallPriority } from './rate-budget.js';

/**
 * What a person is waiting for. The conversation edge runs each press, typed answer and command inside
 * `asInteractive`; every CRM call made from there (however deep) takes the budget's interactive lane, and reads
 * of one entity are shared within that one interaction: the registry's owner check at press time and the
 * capability's own fresh read become one request. A write to the entity drops its shared read, so a read after
 * a write sees the portal again. Carried by AsyncLocalStorage: nothing between the edge and the gateway passes it.
 */
interface Interaction {
  reads: Map<string, Promise<unknown>>;
}

const current = new AsyncLocalStorage<Interaction>();

export function asInteractive<T>(work: () => Promise<T>): Promise<T> {
  // Nested calls (a text that runs a command) stay in the outer interaction.
  if (current.getStore()) return work();
  return current.run({ reads: new Map() }, work);
}

export function currentPriority(): CallPriority {
  return current.getStore() ? 'interactive' : 'background';
}

/** One read per entity per interaction; outside an interaction every read goes to the portal. */
export function sharedRead<T>(key: string, read: () => Promise<T>): Promise<T> {
  const interaction = current.getStore();
  if (!interaction) return read();
  const known = interaction.reads.get(key) as Promise<T> | undefined;
  if (known !== undefined) return known;
  const pending = read();
  interaction.reads.set(key, pending);
  pending.catch(() => interaction.reads.delete(key));
  return pending;
}

export function forgetRead(key: string): void {
  current.getStore()?.reads.delete(key);
}
