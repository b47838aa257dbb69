export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Waits for `work` at most `ms`; the timer never outlives the race. A rejection of `work` passes through. */
export async function withinDeadline<T>(work: Promise<T>, ms: number): Promise<{ inTime: true; value: T } | { inTime: false }> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      work.then((value) => ({ inTime: true as const, value })),
      new Promise<{ inTime: false }>((resolve) => { timer = setTimeout(() => resolve({ inTime: false }), ms); }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}
