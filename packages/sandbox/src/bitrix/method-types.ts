import type { PortalTime } from './portal-time.js';
import type { BitrixStore } from './store.js';

/** What a REST method handler takes and returns (methods.ts holds the CRM methods, imbot.ts the chat bot's). */
export type Params = Record<string, unknown>;

export interface MethodResult {
  result: unknown;
  total?: number;
  next?: number;
}

export interface MethodContext {
  store: BitrixStore;
  time: PortalTime;
  /** The webhook's user. */
  userId: number;
}

export type MethodHandler = (params: Params, ctx: MethodContext) => MethodResult;
