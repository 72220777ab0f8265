/**
 * @file When a search reads its relevance gate's background ([Note: the background sample] in
 * native/store/library-store.ts): `lantern search` (prepare: 'text', freeTextAfterUse) reads
 * it once its text encoder is freed, from the rows the open counted; any other search asks
 * for it before its query is encoded (readGateEarly), so the store reads while the encoder
 * runs; a search without the cut-off does not read it.
 */
import { readdir, rm } from 'node:fs/promises';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { ClipEncoder } from '../../electron/engine/clip/encoder.js';
import type { Library } from '../../electron/engine/library.js';
import { LibraryStore } from '../../native/store/index.js';
import { writePhoto } from '../fixtures/photos.js';
import { openGapLibrary, removeDir, tempDir } from '../fixtures/library.js';

const COLOURS = ['red', 'blue', 'green', 'yellow', 'purple'] as const;
let dir: string;

beforeAll(async () => {
  dir = await tempDir('lantern-gate-read-');
  for (const colour of COLOURS) await writePhoto(`${dir}/photos`, { colour });
  const library = await openGapLibrary(`${dir}/db`);
  try {
    expect((await library.index([`${dir}/photos`])).indexed).toBe(COLOURS.length);
  } finally {
    await library.close();
  }
});

afterAll(async () => {
  await removeDir(dir);
});

afterEach(() => {
  vi.restoreAllMocks();
});

describe("a search's gate background", () => {
  it("lantern search's library reads it once, from the counted rows, after its text encoder is freed", async () => {
    // eslint-disable-next-line @typescript-eslint/unbound-method -- applied to the store below
    const original = LibraryStore.prototype.sampleVectors;
    const textLoaded: boolean[] = [];
    let library: Library | null = null;
    const sample = vi.spyOn(LibraryStore.prototype, 'sampleVectors').mockImplementation(function (
      this: LibraryStore,
      ...args
    ) {
      textLoaded.push(library?.encoder.loaded.text ?? true);
      return original.apply(this, args);
    });
    library = await openGapLibrary(`${dir}/db`, {
      access: 'read',
      prepare: 'text',
      freeTextAfterUse: true,
    });
    try {
      expect(sample).not.toHaveBeenCalled();
      const answer = await library.searchWithHidden('a photo of a red thing');
      expect(answer.results[0]?.path).toMatch(/red\.jpg$/);
      expect(sample).toHaveBeenCalledTimes(1);
      expect(sample.mock.calls[0]?.[1]).toBe(COLOURS.length);
      // [Note: a one-shot search reads its gate after the text encoder]: the peak stays the run's.
      expect(textLoaded).toEqual([false]);
      // The same answer as a library that counted the rows itself.
      const plain = await openGapLibrary(`${dir}/db`, { access: 'read' });
      try {
        expect(await plain.searchWithHidden('a photo of a red thing')).toEqual(answer);
      } finally {
        await plain.close();
      }
      expect(sample.mock.calls[1]?.[1]).toBeUndefined();
    } finally {
      await library.close();
    }
  });

  it('any other search asks for it before the query is encoded; one without the cut-off does not', async () => {
    const sample = vi.spyOn(LibraryStore.prototype, 'sampleVectors');
    const encode = vi.spyOn(ClipEncoder.prototype, 'encodeTexts');
    const library = await openGapLibrary(`${dir}/db`, { access: 'read' });
    try {
      await library.search('blue', { noCutoff: true });
      expect(encode).toHaveBeenCalledTimes(1);
      expect(sample).not.toHaveBeenCalled();
      await library.search('green');
      expect(sample).toHaveBeenCalledTimes(1);
      expect(sample.mock.calls[0]?.[1]).toBeUndefined(); // counted by the store itself
      expect(sample.mock.invocationCallOrder[0]).toBeLessThan(encode.mock.invocationCallOrder[1]!);
    } finally {
      await library.close();
    }
  });

  it('is kept by the index run for the searches after it, which answer the same without it', async () => {
    // [Note: a kept background sample] in native/store/kept-sample.ts.
    const kept = (await readdir(`${dir}/db`, { recursive: true })).filter((name) =>
      name.endsWith('.sample'),
    );
    expect(kept).toHaveLength(1);
    const answer = async () => {
      const library = await openGapLibrary(`${dir}/db`, { access: 'read' });
      try {
        return await library.searchWithHidden('a photo of a green thing');
      } finally {
        await library.close();
      }
    };
    const fromKept = await answer();
    expect(fromKept.results[0]?.path).toMatch(/green\.jpg$/);
    await rm(`${dir}/db/${kept[0]!}`);
    expect(await answer()).toEqual(fromKept);
  });
});
