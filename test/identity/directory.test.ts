import { describe, expect, it } from 'vitest';
import { createDirectory, type DirectorySource } from '../../src/identity/directory.js';

function countingSource(): DirectorySource & { loads: number; fail: boolean; name: string } {
  const source = {
    loads: 0, fail: false, name: 'Анна',
    async users() {
      source.loads += 1;
      if (source.fail) throw new Error('portal down');
      return [{ id: 10, active: true, name: source.name, phones: [], departmentIds: [1] }];
    },
    async departments() {
      return [{ id: 1, parentId: null, headId: 10 }];
    },
  };
  return source;
}

describe('the directory cache', () => {
  it('serves a snapshot, reloads it in the background near its end of life, and waits only when it expired', async () => {
    let clock = 0;
    const source = countingSource();
    const directory = createDirectory({ source, ttlMs: 300_000, refreshAheadMs: 60_000, clock: () => clock });
    expect((await directory.user(10))?.name).toBe('Анна');
    expect(source.loads).toBe(1);
    clock = 200_000;
    await directory.org();
    expect(source.loads).toBe(1); // fresh: no load
    source.name = 'Анна Петрова';
    clock = 250_000; // in the last minute: served at once, reloaded behind
    expect((await directory.user(10))?.name).toBe('Анна');
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect(source.loads).toBe(2);
    expect((await directory.user(10))?.name).toBe('Анна Петрова');
    // A failed background load keeps the snapshot until it expires, then a read waits for (and sees) the failure.
    source.fail = true;
    clock = 250_000 + 250_000;
    expect((await directory.user(10))?.name).toBe('Анна Петрова');
    await new Promise((resolve) => setTimeout(resolve, 0));
    clock = 250_000 + 300_001;
    await expect(directory.org()).rejects.toThrow('portal down');
  });
});
