/**
 * @file [Note: each encoder loads on first use] (clip/encoder.ts): opening a library
 * loads no model, a search loads the text encoder only, an index run the image encoder
 * only, an up-to-date folder loads nothing, and a closed one loads nothing again; the
 * command line's search starts the text encoder's load while the library opens.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { writePhoto } from '../fixtures/photos.js';
import { openToyLibrary, removeDir, tempDir } from '../fixtures/library.js';

let dir: string;

beforeEach(async () => {
  dir = await tempDir('lantern-lazy-');
});

afterEach(async () => {
  await removeDir(dir);
});

describe('a library loads each encoder on first use', () => {
  it('status and browsing load nothing; search loads text only; index loads images only', async () => {
    const photos = `${dir}/photos`;
    for (const colour of ['red', 'blue'] as const) await writePhoto(photos, { colour });

    const indexing = await openToyLibrary(`${dir}/db`);
    try {
      expect(indexing.encoder.loaded).toEqual({ image: false, text: false });
      const before = await indexing.status();
      expect(before.provider).toBeNull();
      expect((await indexing.index([photos])).indexed).toBe(2);
      expect(indexing.encoder.loaded).toEqual({ image: true, text: false });
      expect((await indexing.status()).provider).toBe('cpu');
    } finally {
      await indexing.close();
    }

    const searching = await openToyLibrary(`${dir}/db`);
    try {
      await searching.status();
      expect(searching.encoder.loaded).toEqual({ image: false, text: false });
      // Nothing new in the folder: the run hashes nothing new and loads no model.
      expect((await searching.index([photos])).unchanged).toBe(2);
      expect(searching.encoder.loaded).toEqual({ image: false, text: false });
      const [top] = await searching.search('red');
      expect(top?.path).toMatch(/red\.jpg$/);
      expect(searching.encoder.loaded).toEqual({ image: false, text: true });
    } finally {
      await searching.close();
    }
  });

  it("prepare: 'text' starts the text encoder's load with the open, before any search (lantern search)", async () => {
    const library = await openToyLibrary(`${dir}/db`, { access: 'read', prepare: 'text' });
    try {
      // The load runs off the JavaScript thread; it ends without anything asking for text.
      await expect
        .poll(() => library.encoder.loaded, { timeout: 10_000 })
        .toEqual({
          image: false,
          text: true,
        });
    } finally {
      await library.close();
    }
    const plain = await openToyLibrary(`${dir}/db`, { access: 'read' });
    try {
      await new Promise((resolve) => setTimeout(resolve, 200));
      expect(plain.encoder.loaded).toEqual({ image: false, text: false });
    } finally {
      await plain.close();
    }
  });

  it('a closed library loads no model afterwards: a late search is refused, not loaded', async () => {
    const library = await openToyLibrary(`${dir}/db`);
    const encoder = library.encoder;
    await library.close();
    await expect(encoder.encodeTexts(['red'])).rejects.toThrow(/closed/);
    expect(encoder.loaded).toEqual({ image: false, text: false });
  });
});
