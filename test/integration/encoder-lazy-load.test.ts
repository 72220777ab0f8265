/**
 * @file [Note: each encoder loads on first use] (clip/encoder.ts): opening a library
 * loads no model, a search loads the text encoder only, an index run the image encoder
 * only, an up-to-date folder loads nothing, and a closed one loads nothing again; the
 * command line's search starts the text encoder's load while the library opens and frees
 * it once its query is encoded.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { cachedSessionCount } from '../../native/onnx/index.js';
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

  it('freeTextAfterUse frees the text encoder once a query is encoded; the next loads it again', async () => {
    const photos = `${dir}/photos`;
    for (const colour of ['red', 'blue'] as const) await writePhoto(photos, { colour });
    const indexing = await openToyLibrary(`${dir}/db`);
    try {
      await indexing.index([photos]);
    } finally {
      await indexing.close();
    }
    // A library of the same process that keeps its text encoder (the cache's session).
    const keeping = await openToyLibrary(`${dir}/db`, { access: 'read' });
    await keeping.search('red');
    const sessionsBefore = cachedSessionCount();
    const library = await openToyLibrary(`${dir}/db`, {
      access: 'read',
      prepare: 'text',
      freeTextAfterUse: true,
    });
    try {
      const [first] = await library.search('red');
      expect(first?.path).toMatch(/red\.jpg$/);
      // [Note: a one-shot search frees the text encoder]: released; it was never the cache's.
      expect(library.encoder.loaded).toEqual({ image: false, text: false });
      expect(cachedSessionCount()).toBe(sessionsBefore);
      const [again] = await library.search('blue');
      expect(again?.path).toMatch(/blue\.jpg$/);
      expect(library.encoder.loaded.text).toBe(false);
      // Texts encoded at once share one load and one release.
      const vectors = await Promise.all([
        library.encoder.encodeTexts(['red']),
        library.encoder.encodeTexts(['blue']),
      ]);
      expect(vectors.map((list) => list.length)).toEqual([1, 1]);
      expect(cachedSessionCount()).toBe(sessionsBefore);
      // What was freed was the one-shot library's own session, not the shared one.
      const [kept] = await keeping.search('blue');
      expect(kept?.path).toMatch(/blue\.jpg$/);
      expect(keeping.encoder.loaded.text).toBe(true);
    } finally {
      await library.close();
      await keeping.close();
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
