/**
 * @file An index run asks the store about its vector index even when it changed nothing, so
 * a library whose files never change still has an earlier version's index replaced
 * (ensureVectorIndex, [Note: 4-bit RaBitQ partitions] in native/store/vector-index.ts);
 * compaction stays for runs that wrote.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { LibraryStore } from '../../native/store/index.js';
import { writePhoto } from '../fixtures/photos.js';
import { openToyLibrary, removeDir, tempDir } from '../fixtures/library.js';

let dir: string;

beforeAll(async () => {
  dir = await tempDir('lantern-index-run-');
  for (const colour of ['red', 'blue'] as const) await writePhoto(`${dir}/photos`, { colour });
});

afterAll(async () => {
  await removeDir(dir);
});

afterEach(() => {
  vi.restoreAllMocks();
});

describe('an index run and the vector index', () => {
  it('checks the vector index after every finished run, and compacts only after writes', async () => {
    const ensure = vi.spyOn(LibraryStore.prototype, 'ensureVectorIndex');
    const optimize = vi.spyOn(LibraryStore.prototype, 'optimize');
    const library = await openToyLibrary(`${dir}/db`);
    try {
      expect((await library.index([`${dir}/photos`])).indexed).toBe(2);
      expect(ensure).toHaveBeenCalledTimes(1);
      expect(optimize).toHaveBeenCalledTimes(1);
      const again = await library.index([`${dir}/photos`]);
      expect(again.indexed + again.moved + again.removed).toBe(0);
      expect(ensure).toHaveBeenCalledTimes(2);
      expect(optimize).toHaveBeenCalledTimes(1);
    } finally {
      await library.close();
    }
  });
});
