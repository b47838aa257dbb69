/**
 * The portal's clock. Every timestamp the sandbox writes (DATE_CREATE, DATE_MODIFY, MOVED_TIME, stage history,
 * task and notification dates, the envelope's `time`) comes from here, so tests can move time.
 * A frozen clock stands still until set/advanced (deterministic tests); a running clock follows the real clock
 * from its starting point (demo).
 */
export interface SandboxClock {
  now(): Date;
  nowMs(): number;
  set(date: Date | string | number): void;
  advance(ms: number): void;
  readonly frozen: boolean;
}

export function createClock(start?: Date, frozen = start !== undefined): SandboxClock {
  let offset = start ? start.getTime() - Date.now() : 0;
  let frozenAt = start ? start.getTime() : Date.now();
  const nowMs = (): number => (frozen ? frozenAt : Date.now() + offset);
  return {
    now: () => new Date(nowMs()),
    nowMs,
    set(date) {
      const ms = new Date(date).getTime();
      if (Number.isNaN(ms)) throw new Error(`clock.set: not a date: ${String(date)}`);
      frozenAt = ms;
      offset = ms - Date.now();
    },
    advance(ms) {
      frozenAt += ms;
      offset += ms;
    },
    get frozen() {
      return frozen;
    },
  };
}
