/**
 * The logging the sandboxes need: pino's method shape (an object of fields, then a message), so a pino logger
 * can be passed in as it is. Silent by default: a test or a demo decides what it wants to see.
 */
export interface SandboxLogger {
  debug(fields: object, message?: string): void;
  warn(fields: object, message?: string): void;
  error(fields: object, message?: string): void;
}

export function silentLogger(): SandboxLogger {
  const nothing = (): void => {};
  return { debug: nothing, warn: nothing, error: nothing };
}
