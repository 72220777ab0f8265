/**
 * @file A tag run's batches ([Note: a tag run overlaps its reads and writes] in
 * engine/tags/tagger.ts): reads and writes overlap the deciding, yet the writes come one at
 * a time and in order, a paused job waits with no write under way, a batch is marked done
 * (the resume marker) only once its suggestions are stored, and a cancelled run lets the
 * write under way finish and writes nothing after it; a long run compacts the tags table as
 * it goes ([Note: a tag run compacts as it goes] in native/store/tags.ts).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect } from '@lancedb/lancedb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LibraryStore, TAGS_TABLE } from '../../native/store/index.js';
import type { StoredMedia } from '../../native/store/index.js';
import { LanternError } from '../../electron/shared/errors.js';
import { Tagger } from '../../electron/engine/tags/tagger.js';
import type { Vocabulary } from '../../electron/engine/tags/vocabulary.js';
import { normalize } from '../../electron/engine/util/vectors.js';
import { hashOf, mediaRow } from '../fixtures/store-rows.js';

const DIM = 4;
/** Three batches of 256 files and a short last one. */
const FILES = 256 * 3 + 40;
let root = '';

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'lantern-tag-batches-'));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

/** One tag, "red", along the first axis; every third photo leans its way. */
const vocabulary: Vocabulary = {
  version: 1,
  tags: [
    {
      id: 'colours/red',
      name: 'red',
      category: 'Colours',
      synonyms: [],
      templates: ['a {} photo'],
      exclusive: false,
      hidden: false,
    },
  ],
};

async function library(
  name: string,
  files = FILES,
): Promise<{ store: LibraryStore; media: StoredMedia[] }> {
  const store = await LibraryStore.open(join(root, name), { dim: DIM, model: 'toy-clip' });
  await store.upsertMedia(
    Array.from({ length: files }, (_, i) =>
      mediaRow(`/lib/${String(i).padStart(4, '0')}.jpg`, {
        hash: hashOf(i + 1),
        vector: normalize(Float32Array.from(i % 3 === 0 ? [1, 0.1, 0, 0] : [0, 1, 0.1, 0])),
      }),
    ),
  );
  const media = (await store.listMedia()).sort((a, b) => (a.id < b.id ? -1 : 1));
  return { store, media };
}

/** The files leaning red (every third) among `media`. */
function reds(media: readonly StoredMedia[]): number {
  return media.filter((row) => Number(/(\d+)\.jpg$/.exec(row.path)?.[1]) % 3 === 0).length;
}

/** A tagger over `store` whose text encoder points every prompt along the first axis. */
async function taggerFor(store: LibraryStore, name: string): Promise<Tagger> {
  return Tagger.prepare(
    {
      store,
      modelId: 'toy-clip',
      matchFloor: 0.5,
      encodeText: (texts) => Promise.resolve(texts.map(() => Float32Array.from([1, 0, 0, 0]))),
      background: () => store.sampleVectors(200),
      cacheDir: join(root, name),
    },
    vocabulary,
  );
}

/**
 * Watches the store's tag writes: how many are under way, and the files of each, in order;
 * `onWrite` is told as each starts.
 */
function watchWrites(store: LibraryStore, onWrite: () => void = () => undefined) {
  const writes: string[][] = [];
  const state = { underWay: 0, mostAtOnce: 0 };
  const original = store.tags.replaceSuggestionsOfFiles.bind(store.tags);
  store.tags.replaceSuggestionsOfFiles = async (...args) => {
    onWrite();
    state.underWay += 1;
    state.mostAtOnce = Math.max(state.mostAtOnce, state.underWay);
    try {
      await new Promise((resolve) => setTimeout(resolve, 20)); // a slow disk
      await original(...args);
      writes.push(args[1].map((file) => file.hash));
    } finally {
      state.underWay -= 1;
    }
  };
  return { writes, state };
}

describe('a tag run in batches', () => {
  it('writes one batch at a time, in order, and marks a batch done only once it is stored', async () => {
    const { store, media } = await library('order');
    const { writes, state } = watchWrites(store);
    const tagger = await taggerFor(store, 'order');
    const marks: { last: string; stored: number }[] = [];
    const pausedWithWriteUnderWay: number[] = [];
    const progress: number[] = [];
    const tagged = await tagger.tagMedia(media, {
      beforeBatch: () => {
        pausedWithWriteUnderWay.push(state.underWay);
        return Promise.resolve();
      },
      afterBatch: async (last) => {
        // The suggestions of every file up to this one are readable now.
        const stored = await store.tags.forFiles(
          media.filter((row) => row.id <= last).map((row) => row.hash),
        );
        marks.push({ last, stored: stored.length });
      },
      onProgress: (done) => progress.push(done),
    });
    expect(tagged).toBe(reds(media));
    expect(state.mostAtOnce).toBe(1);
    expect(pausedWithWriteUnderWay).toEqual([0, 0, 0, 0]);
    expect(writes.flat()).toEqual(media.map((row) => row.hash));
    const ends = [255, 511, 767, FILES - 1];
    expect(marks.map((mark) => mark.last)).toEqual(ends.map((end) => media[end]!.id));
    // The red-leaning files carry a suggestion, all of them up to each mark.
    expect(marks.map((mark) => mark.stored)).toEqual(
      ends.map((end) => reds(media.slice(0, end + 1))),
    );
    expect(progress).toEqual([256, 512, 768, FILES]);
    await store.close();
  });

  it('stops when cancelled: the write under way finishes, nothing is written after it', async () => {
    // Cancelled as the second batch is about to be written (no write under way then), or
    // as the first write starts (the run sees it while that write is under way).
    for (const when of ['before the second write', 'during the first write'] as const) {
      const { store, media } = await library(`cancel ${when}`);
      const stop = new AbortController();
      const { writes, state } = watchWrites(store, () => {
        if (when === 'during the first write') stop.abort();
      });
      const tagger = await taggerFor(store, `cancel ${when}`);
      const marks: string[] = [];
      let batches = 0;
      const run = tagger.tagMedia(media, {
        signal: stop.signal,
        beforeBatch: () => {
          batches += 1;
          if (when === 'before the second write' && batches === 2) stop.abort();
          return Promise.resolve();
        },
        afterBatch: (last) => {
          marks.push(last);
          return Promise.resolve();
        },
      });
      await expect(run, when).rejects.toMatchObject({ code: 'CANCELLED' });
      await expect(run, when).rejects.toBeInstanceOf(LanternError);
      expect(state.underWay, when).toBe(0);
      expect(writes, when).toHaveLength(1);
      expect(marks, when).toEqual([media[255]!.id]);
      expect(await store.tags.count(), when).toBe(reds(media.slice(0, 256)));
      await store.close();
    }
  });

  it('compacts the tags table every 32 batches, so a long run does not pile up fragments', async () => {
    // 33 batches: compacted after the 32nd write, the 33rd's fragment left to the next optimize.
    const { store, media } = await library('compact', 256 * 33);
    const tagger = await taggerFor(store, 'compact');
    expect(await tagger.tagMedia(media)).toBe(reds(media));
    const db = await connect(join(root, 'compact'));
    const table = await db.openTable(TAGS_TABLE);
    const { numFragments } = (await table.stats()).fragmentStats;
    expect(numFragments).toBeGreaterThanOrEqual(1);
    expect(numFragments).toBeLessThanOrEqual(2);
    expect(await table.countRows()).toBe(reds(media));
    table.close();
    db.close();
    await store.close();
  }, 60_000);
});
