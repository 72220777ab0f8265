/**
 * @file When a search reads its relevance gate's background ([Note: the background sample] in
 * native/store/library-store.ts): `lantern search` (prepare: 'text') reads it as the library
 * opens, with the rows the open counted, and its search uses that read; any other search
 * asks for it before its query is encoded (readGateEarly), so the store reads while the
 * encoder runs; a search without the cut-off does not read it.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { ClipEncoder } from '../../electron/engine/clip/encoder.js';
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
  it("prepare: 'text' reads it with the open, from the counted rows; the search uses that read", async () => {
    const sample = vi.spyOn(LibraryStore.prototype, 'sampleVectors');
    const library = await openGapLibrary(`${dir}/db`, { access: 'read', prepare: 'text' });
    try {
      expect(sample).toHaveBeenCalledTimes(1);
      expect(sample.mock.calls[0]?.[1]).toBe(COLOURS.length);
      const answer = await library.searchWithHidden('a photo of a red thing');
      expect(answer.results[0]?.path).toMatch(/red\.jpg$/);
      expect(sample).toHaveBeenCalledTimes(1);
      // The same answer as a library that read its background when the search asked.
      const plain = await openGapLibrary(`${dir}/db`, { access: 'read' });
      try {
        expect(await plain.searchWithHidden('a photo of a red thing')).toEqual(answer);
      } finally {
        await plain.close();
      }
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
});
