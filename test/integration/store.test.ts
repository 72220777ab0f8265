/**
 * @file Integration tests of the store adapter (native/store) on real LanceDB in
 * temporary folders, written as examples of its use. Runs under vitest in plain Node.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as lancedb from '@lancedb/lancedb';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  buildFilter,
  LibraryStore,
  SHUFFLE_BUFFER_BYTES,
  VECTOR_INDEX_MIN_ROWS,
  mediaIdFor,
  whereDateBetween,
  whereKind,
  whereUnderFolder,
} from '../../native/store/index.js';
import { mediaRow } from '../fixtures/store-rows.js';
import type { MediaRow } from '../../native/store/index.js';

const DIM = 8;
let base = '';
let counter = 0;
beforeAll(async () => {
  base = await mkdtemp(join(tmpdir(), 'lantern-store-'));
});
afterAll(async () => {
  await rm(base, { recursive: true, force: true });
});

/** A fresh library folder per test. */
function freshDir(): string {
  counter += 1;
  return join(base, `library-${counter}`);
}

function normalise(values: ArrayLike<number>): Float32Array {
  const vector = Float32Array.from(values);
  const norm = Math.hypot(...vector);
  return vector.map((v) => v / norm);
}

/** A unit vector pointing mostly along `axis`, a little along the next one. */
function axisVector(axis: number, lean = 0, dim = DIM): Float32Array {
  const values = new Float32Array(dim);
  values[axis % dim] = 1;
  values[(axis + 1) % dim] = lean;
  return normalise(values);
}

function row(path: string, overrides: Partial<MediaRow> = {}): MediaRow {
  return mediaRow(path, { vector: axisVector(0), ...overrides });
}

/** Deterministic pseudo-random numbers (mulberry32), so failures reproduce. */
function random(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe('LibraryStore: rows', () => {
  it('upserts idempotently by id: same count, new values', async () => {
    const store = await LibraryStore.open(freshDir(), { dim: DIM, model: 'toy-clip' });
    const rows = ['/lib/a.jpg', '/lib/b.jpg', '/lib/c.jpg'].map((path) => row(path));
    await store.upsertMedia(rows);
    await store.upsertMedia(rows);
    expect(await store.count()).toBe(3);

    const changed = row('/lib/b.jpg', {
      size: 2222,
      thumbnail: '/thumbs/b.webp',
      takenAt: 123,
      camera: 'Canon EOS R5',
      lat: 1.5,
      lon: -2.5,
    });
    // A batch naming one id twice: the last row wins (mergeInsert alone would refuse it).
    await store.upsertMedia([row('/lib/b.jpg', { size: 1 }), changed]);
    expect(await store.count()).toBe(3);
    const listed = await store.listMedia();
    const expected: Partial<MediaRow> = { ...changed };
    delete expected.vector;
    expect(listed.find((r) => r.path === '/lib/b.jpg')).toEqual(expected);
    expect(listed.every((r) => !('vector' in r))).toBe(true);
    await store.close();
  });

  it('lists every row (more than a default page), by root when asked', async () => {
    const store = await LibraryStore.open(freshDir(), { dim: DIM, model: 'toy-clip' });
    const rows = Array.from({ length: 40 }, (_, i) =>
      row(`/r${i % 2}/p${i}.jpg`, { root: `/r${i % 2}` }),
    );
    await store.upsertMedia(rows);
    expect(await store.listMedia()).toHaveLength(40);
    const underR1 = await store.listMedia({ root: '/r1' });
    expect(underR1).toHaveLength(20);
    expect(underR1.every((r) => r.root === '/r1')).toBe(true);
    await store.close();
  });

  it('deletes by id and reads vectors back in the order asked', async () => {
    const store = await LibraryStore.open(freshDir(), { dim: DIM, model: 'toy-clip' });
    const rows = [0, 1, 2, 3].map((axis) =>
      row(`/lib/${axis}.jpg`, { vector: axisVector(axis, 0.25) }),
    );
    await store.upsertMedia(rows);
    await store.deleteMedia([rows[1]!.id, 'no-such-id']);
    expect((await store.listMedia()).map((r) => r.path).sort()).toEqual([
      '/lib/0.jpg',
      '/lib/2.jpg',
      '/lib/3.jpg',
    ]);
    const vectors = await store.getVectors([rows[3]!.id, rows[1]!.id, rows[0]!.id]);
    expect(vectors).toHaveLength(2);
    expect(Array.from(vectors[0]!)).toEqual(Array.from(rows[3]!.vector));
    expect(Array.from(vectors[1]!)).toEqual(Array.from(rows[0]!.vector));
    await store.deleteMedia([]);
    await store.close();
  });

  it('samples vectors evenly through the rows a scan returns, deleted rows skipped', async () => {
    const store = await LibraryStore.open(freshDir(), { dim: DIM, model: 'toy-clip' });
    expect(await store.sampleVectors(5)).toEqual([]); // an empty table
    const rows = Array.from(
      { length: 12 },
      (_, i) => row(`/lib/s${i}.jpg`, { vector: axisVector(i, 0.1 + i / 20) }), // each one its own
    );
    await store.upsertMedia(rows.slice(0, 8));
    await store.upsertMedia(rows.slice(8));
    await store.deleteMedia([rows[0]!.id, rows[5]!.id]);
    // The rows in storage order, as listMedia (a scan) returns them: 10 left.
    const scanned = (await store.listMedia()).map((r) => r.id);
    expect(scanned).toHaveLength(10);
    const key = (vector: Float32Array) => Array.from(vector).join(',');
    const byVector = new Map(rows.map((r) => [key(r.vector), r.id]));
    const sampled = async (count: number, knownRows?: number) =>
      (await store.sampleVectors(count, knownRows)).map((v) => byVector.get(key(v)));
    // Every 2.5th row of 10: offsets 0, 2, 5, 7.
    expect(await sampled(4)).toEqual([0, 2, 5, 7].map((i) => scanned[i]));
    expect(await sampled(4, 10)).toEqual([0, 2, 5, 7].map((i) => scanned[i]));
    // More asked than there are: every row once.
    expect(await sampled(50)).toEqual(scanned);
    // A count that went stale (rows deleted since): offsets past the end are left out.
    expect(await sampled(4, 16)).toEqual([0, 4, 8].map((i) => scanned[i]));
    expect(await store.sampleVectors(0)).toEqual([]);
    await store.close();
  });

  it('keeps the sample beside the table for the same state of it, and reads the table after a write', async () => {
    // [Note: a kept background sample] in native/store/kept-sample.ts.
    const dir = freshDir();
    const store = await LibraryStore.open(dir, { dim: DIM, model: 'toy-clip' });
    const rows = Array.from({ length: 6 }, (_, i) =>
      row(`/lib/k${i}.jpg`, { vector: axisVector(i, 0.1 + i / 20) }),
    );
    await store.upsertMedia(rows);
    const key = (vectors: Float32Array[]) => vectors.map((v) => Array.from(v).join(','));
    const read = key(await store.sampleVectors(3));
    expect(read).toHaveLength(3);
    const [file] = (await readdir(dir)).filter((name) => name.endsWith('.sample'));
    expect(file).toBeDefined();
    // The kept copy answers the same state: altered on disk, it comes back altered.
    const bytes = await readFile(join(dir, file!));
    const altered = new Float32Array(bytes.length / 4 - 8).fill(0.25);
    bytes.set(new Uint8Array(altered.buffer), 32);
    await writeFile(join(dir, file!), bytes);
    const fromFile = await store.sampleVectors(3);
    expect(fromFile.every((v) => v.every((x) => x === 0.25))).toBe(true);
    // A read-only store reads it too.
    const reader = await LibraryStore.open(dir, { dim: DIM, model: 'toy-clip', readOnly: true });
    expect(key(await reader.sampleVectors(3))).toEqual(key(fromFile));
    await reader.close();
    // A write moves the table on: the table is read again, and kept again.
    await store.upsertMedia([row('/lib/k6.jpg', { vector: axisVector(6, 0.4) })]);
    const after = await store.sampleVectors(3);
    expect(after.some((v) => v.every((x) => x === 0.25))).toBe(false);
    expect(key(await store.sampleVectors(3))).toEqual(key(after));
    // A damaged file is a miss, not an error.
    await truncate(join(dir, file!), 40);
    expect(key(await store.sampleVectors(3))).toEqual(key(after));
    await store.close();
  });

  it('leaves the kept sample alone from a read-only store', async () => {
    const dir = freshDir();
    const store = await LibraryStore.open(dir, { dim: DIM, model: 'toy-clip' });
    await store.upsertMedia([row('/lib/r.jpg', { vector: axisVector(1, 0.3) })]);
    await store.close();
    const reader = await LibraryStore.open(dir, { dim: DIM, model: 'toy-clip', readOnly: true });
    expect(await reader.sampleVectors(3)).toHaveLength(1);
    await reader.close();
    expect((await readdir(dir)).filter((name) => name.endsWith('.sample'))).toEqual([]);
  });

  it('keeps rows and vectors across close and reopen', async () => {
    const dir = freshDir();
    const first = await LibraryStore.open(dir, { dim: DIM, model: 'toy-clip' });
    const saved = row('/lib/keep.jpg', { vector: axisVector(5, 0.5) });
    await first.upsertMedia([saved]);
    await first.close();
    const second = await LibraryStore.open(dir, { dim: DIM, model: 'toy-clip' });
    expect(second.model).toBe('toy-clip');
    expect(await second.count()).toBe(1);
    expect(Array.from((await second.getVectors([saved.id]))[0]!)).toEqual(Array.from(saved.vector));
    await second.close();
  });

  it('refuses a vector of the wrong size', async () => {
    const store = await LibraryStore.open(freshDir(), { dim: DIM, model: 'toy-clip' });
    await expect(
      store.upsertMedia([row('/lib/x.jpg', { vector: new Float32Array(3) })]),
    ).rejects.toMatchObject({
      code: 'INVALID_INPUT',
    });
    await expect(store.vectorSearch(new Float32Array(3), { limit: 1 })).rejects.toMatchObject({
      code: 'INVALID_INPUT',
    });
    await store.close();
  });

  it('round-trips non-ASCII text and nulls', async () => {
    const store = await LibraryStore.open(freshDir(), { dim: DIM, model: 'toy-clip' });
    const rows = [
      row('/lib/Фото/été 🌅.jpg', { camera: 'Ricoh GR Ⅲ', thumbnail: null }),
      row('/lib/plain.jpg', { camera: null, thumbnail: '/t/p.webp', lat: 0, lon: 0 }),
    ];
    await store.upsertMedia(rows);
    const listed = new Map((await store.listMedia()).map((r) => [r.path, r]));
    expect(listed.get('/lib/Фото/été 🌅.jpg')).toMatchObject({
      camera: 'Ricoh GR Ⅲ',
      thumbnail: null,
    });
    expect(listed.get('/lib/plain.jpg')).toMatchObject({
      camera: null,
      thumbnail: '/t/p.webp',
      lat: 0,
      lon: 0,
    });
    await store.close();
  });

  it('derives ids from absolute paths', () => {
    expect(mediaIdFor('/lib/a.jpg')).toMatch(/^[0-9a-f]{32}$/);
    expect(mediaIdFor('/lib/a.jpg')).toBe(mediaIdFor('/lib/x/../a.jpg'));
    expect(mediaIdFor('/lib/a.jpg')).not.toBe(mediaIdFor('/lib/b.jpg'));
  });
});

describe('LibraryStore: one set of tables per model', () => {
  it('keeps each model its own vectors: another model or size never empties the first', async () => {
    const dir = freshDir();
    const small = await LibraryStore.open(dir, { dim: DIM, model: 'toy-clip' });
    await small.upsertMedia([row('/lib/a.jpg'), row('/lib/b.jpg')]);
    await small.recordFailures([
      { path: '/lib/bad.jpg', root: '/lib', code: 'DECODE_FAILED', error: 'broken' },
    ]);
    await small.markIndexed(true);
    await small.close();

    const large = await LibraryStore.open(dir, { dim: 16, model: 'bigger-clip' });
    expect(await large.count()).toBe(0);
    // Failures are about files, not models: they are shared.
    expect(await large.listFailures()).toHaveLength(1);
    await large.upsertMedia([
      row('/lib/a.jpg', { vector: axisVector(3, 0, 16), model: 'bigger-clip' }),
    ]);
    await large.close();

    const sameSize = await LibraryStore.open(dir, { dim: DIM, model: 'other-clip' });
    expect(await sameSize.count()).toBe(0);
    await sameSize.close();

    // Back to the first model: nothing was dropped, and it is still complete.
    const back = await LibraryStore.open(dir, { dim: DIM, model: 'toy-clip' });
    expect(await back.count()).toBe(2);
    expect(back.complete).toBe(true);
    await back.close();
    const models = await LibraryStore.models(dir);
    expect(models.map((m) => [m.model, m.rows, m.complete]).sort()).toEqual([
      ['bigger-clip', 1, false],
      ['other-clip', 0, false],
      ['toy-clip', 2, true],
    ]);
  });

  it("adopts the tables of a version-1 library as its model's", async () => {
    const dir = freshDir();
    const store = await LibraryStore.open(dir, { dim: DIM, model: 'toy-clip' });
    await store.upsertMedia([row('/lib/a.jpg')]);
    await store.close();
    // What a version-1 library looked like: unnamed tables and { dim, model }.
    const { connect } = await import('@lancedb/lancedb');
    const db = await connect(dir);
    const [name] = (await db.tableNames()).filter((n) => n.startsWith('media-'));
    const old = await db.openTable(name!);
    const data = await old.query().toArrow();
    old.close();
    await db.createTable('media', data);
    await db.dropTable(name!);
    db.close();
    await writeFile(
      join(dir, 'lantern-store.json'),
      JSON.stringify({ version: 1, dim: DIM, model: 'toy-clip' }),
    );

    const reopened = await LibraryStore.open(dir, { dim: DIM, model: 'toy-clip' });
    expect(await reopened.count()).toBe(1);
    expect(reopened.complete).toBe(true);
    await reopened.close();
  });

  it('rebuilds an unreadable table list from the rows and keeps the broken file', async () => {
    const dir = freshDir();
    const store = await LibraryStore.open(dir, { dim: DIM, model: 'toy-clip' });
    await store.upsertMedia([row('/lib/a.jpg'), row('/lib/b.jpg')]);
    await store.close();
    await writeFile(join(dir, 'lantern-store.json'), '{"version": 2, "models": {"toy-cl');

    const reopened = await LibraryStore.open(dir, { dim: DIM, model: 'toy-clip' });
    expect(await reopened.count()).toBe(2);
    expect(reopened.warnings.join(' ')).toMatch(/could not be read; it was kept as .*broken-/);
    await reopened.close();
    const kept = (await readdir(dir)).filter((f) => f.startsWith('lantern-store.json.broken-'));
    expect(kept).toHaveLength(1);
    expect(await readFile(join(dir, kept[0]!), 'utf8')).toBe('{"version": 2, "models": {"toy-cl');
  });

  it('recovers from a truncated newest manifest to the last good version, and says so', async () => {
    const dir = freshDir();
    const store = await LibraryStore.open(dir, { dim: DIM, model: 'toy-clip' });
    await store.upsertMedia([row('/lib/a.jpg'), row('/lib/b.jpg')]);
    await store.upsertMedia([row('/lib/c.jpg')]);
    await store.close();
    const [media] = (await readdir(dir)).filter((n) => n.startsWith('media-'));
    const versions = join(dir, media!, '_versions');
    const manifests = (await readdir(versions)).filter((f) => f.endsWith('.manifest'));
    // Inverted names (u64::MAX − version) sort newest first.
    const newest = manifests.sort()[0]!;
    await truncate(join(versions, newest), 20);

    const reopened = await LibraryStore.open(dir, { dim: DIM, model: 'toy-clip' });
    expect(reopened.warnings.join(' ')).toMatch(/was damaged.*went back to version/);
    // The last write (c.jpg) is lost; the rows before it are intact and writable.
    expect((await reopened.listMedia()).map((r) => r.path).sort()).toEqual([
      '/lib/a.jpg',
      '/lib/b.jpg',
    ]);
    await reopened.upsertMedia([row('/lib/c.jpg')]);
    expect(await reopened.count()).toBe(3);
    await reopened.close();
  });

  it('opens read-only without creating anything, and refuses writes', async () => {
    const dir = freshDir();
    const empty = await LibraryStore.open(dir, { dim: DIM, model: 'toy-clip', readOnly: true });
    expect(await empty.count()).toBe(0);
    expect(await empty.listMedia()).toEqual([]);
    await expect(empty.upsertMedia([row('/lib/a.jpg')])).rejects.toThrow(/reading only/);
    await empty.close();
    expect(existsSync(dir)).toBe(false);
  });
});

describe('LibraryStore: vector search and filters', () => {
  const dir = () => join(base, 'search');
  let store: LibraryStore;
  const day = (d: number) => Date.UTC(2023, 5, d);
  const library = [
    row("/lib/it's 100%/beach.jpg", { vector: axisVector(0), takenAt: day(1) }),
    row("/lib/it's 100%/dunes.jpg", { vector: axisVector(0, 0.5), takenAt: day(10) }),
    row("/lib/it's 100%x/boat.jpg", { vector: axisVector(0, 1), takenAt: day(20) }),
    row('/lib/its_100/forest.mp4', {
      vector: axisVector(1),
      kind: 'video',
      duration: 12.5,
      takenAt: null,
      mtime: day(5),
    }),
    row('/lib/other/night.jpg', { vector: axisVector(4), takenAt: null, mtime: day(30) }),
    row('C:\\Photos\\Trip\\x.jpg', { vector: axisVector(0, 2), root: 'C:\\Photos' }),
  ];

  beforeAll(async () => {
    store = await LibraryStore.open(dir(), { dim: DIM, model: 'toy-clip' });
    await store.upsertMedia(library);
  });
  afterAll(async () => {
    await store.close();
  });

  const search = async (where?: string) =>
    (
      await store.vectorSearch(axisVector(0), {
        limit: 10,
        ...(where === undefined ? {} : { where }),
      })
    ).map((hit) => hit.path.split(/[/\\]/).at(-1));

  it('returns the nearest first, with cosine distance', async () => {
    const hits = await store.vectorSearch(axisVector(0), { limit: 3 });
    expect(hits.map((hit) => hit.path.split('/').at(-1))).toEqual([
      'beach.jpg',
      'dunes.jpg',
      'boat.jpg',
    ]);
    expect(hits[0]!.distance).toBeCloseTo(0, 5);
    // cos(angle of (1, 0.5)) = 1 / √1.25.
    expect(hits[1]!.distance).toBeCloseTo(1 - 1 / Math.sqrt(1.25), 5);
    expect(hits[0]).toMatchObject({ kind: 'image', takenAt: day(1), width: 640 });
    // Cosine ignores length: a scaled query finds the same distances.
    const scaled = await store.vectorSearch(
      axisVector(0).map((v) => v * 3),
      { limit: 1, exact: true },
    );
    expect(scaled[0]!.distance).toBeCloseTo(0, 5);
  });

  it('filters by kind', async () => {
    expect(await search(whereKind('video'))).toEqual(['forest.mp4']);
    expect(await store.count(whereKind('image'))).toBe(5);
  });

  it('filters by folder, with quotes, % and _ in the name, at a separator boundary', async () => {
    expect(await search(whereUnderFolder("/lib/it's 100%", '/'))).toEqual([
      'beach.jpg',
      'dunes.jpg',
    ]);
    expect(await search(whereUnderFolder('/lib/its_100/', '/'))).toEqual(['forest.mp4']);
    // "_" is not a wildcard: "its_100" must not match "it's 100".
    expect(await search(whereUnderFolder('/lib/its 100', '/'))).toEqual([]);
    expect(await search(whereUnderFolder('C:\\Photos', '\\'))).toEqual(['x.jpg']);
  });

  it('filters by date: capture time, else modification time', async () => {
    expect((await search(whereDateBetween(day(1), day(10)))).sort()).toEqual([
      'beach.jpg',
      'dunes.jpg',
      'forest.mp4',
    ]);
    expect((await search(whereDateBetween(day(15)))).sort()).toEqual(['boat.jpg', 'night.jpg']);
    // x.jpg has no capture time and was modified in 2020.
    expect((await search(whereDateBetween(undefined, day(1)))).sort()).toEqual([
      'beach.jpg',
      'x.jpg',
    ]);
  });

  it('combines filters with buildFilter', async () => {
    expect(buildFilter({})).toBeUndefined();
    const where = buildFilter({ kind: 'image', folder: '/lib', from: day(5), to: day(25) });
    expect((await search(where)).sort()).toEqual(['boat.jpg', 'dunes.jpg']);
    expect(await search(buildFilter({ model: "someone's model" }))).toEqual([]);
  });
});

describe('LibraryStore: failures', () => {
  it('records, updates, lists by root and clears failures', async () => {
    const store = await LibraryStore.open(freshDir(), { dim: DIM, model: 'toy-clip' });
    await store.recordFailures([
      { path: '/a/1.jpg', root: '/a', code: 'DECODE_FAILED', error: 'truncated' },
      {
        path: '/b/2.jpg',
        root: '/b',
        code: 'EMPTY_FILE',
        error: 'empty',
        size: 0,
        mtime: 1700000000000.5,
      },
    ]);
    await store.recordFailures([
      { path: '/a/1.jpg', root: '/a', code: 'TOO_LARGE', error: 'huge', size: 9, mtime: 2 },
    ]);
    expect(await store.listFailures('/a')).toEqual([
      { path: '/a/1.jpg', root: '/a', code: 'TOO_LARGE', error: 'huge', size: 9, mtime: 2 },
    ]);
    expect(await store.listFailures()).toHaveLength(2);
    expect((await store.listFailures('/b'))[0]).toMatchObject({ size: 0, mtime: 1700000000000.5 });
    await store.clearFailures(['/a/1.jpg']);
    expect((await store.listFailures()).map((f) => f.path)).toEqual(['/b/2.jpg']);
    await store.close();
  });
});

describe('LibraryStore: vector index', () => {
  it.each([
    ['IVF_PQ', 'vector_ivf_pq_rows_2000', 'IvfPq'],
    ['IVF_HNSW_SQ', 'vector_hnsw_sq_rows_2000', 'IvfHnswSq'],
  ])(
    "replaces an earlier version's %s index once with IVF_RQ, which finds the exact nearest",
    async (_kind, former, formerType) => {
      // [Note: 4-bit RaBitQ partitions] in native/store/vector-index.ts.
      const dim = 512;
      const next = random(7);
      const dir = freshDir();
      const store = await LibraryStore.open(dir, { dim, model: 'toy-clip' });
      const rows = Array.from({ length: 2000 }, (_, i) =>
        row(`/clip/${i}.jpg`, {
          vector: normalise(Array.from({ length: dim }, () => next() * 2 - 1)),
        }),
      );
      for (let i = 0; i < rows.length; i += 1000) await store.upsertMedia(rows.slice(i, i + 1000));
      // The index an earlier Lantern built, under the name it gave it.
      const db = await lancedb.connect(dir);
      const [name] = (await db.tableNames()).filter((table) => table.startsWith('media'));
      const table = await db.openTable(name!);
      await table.createIndex('vector', {
        config:
          formerType === 'IvfPq'
            ? lancedb.Index.ivfPq({ distanceType: 'cosine', numSubVectors: 64 })
            : lancedb.Index.hnswSq({ distanceType: 'cosine', numPartitions: 1 }),
        name: former,
      });
      table.close();
      db.close();
      await store.close();

      const reopened = await LibraryStore.open(dir, { dim, model: 'toy-clip' });
      expect(await reopened.vectorIndexType()).toBe(formerType);
      expect(await reopened.ensureVectorIndex()).toBe(true);
      expect(await reopened.vectorIndexType()).toBe('IvfRq');
      // Replaced once: the next run keeps it.
      expect(await reopened.ensureVectorIndex()).toBe(false);
      for (const probe of [3, 1234, 1999]) {
        const query = normalise(rows[probe]!.vector.map((v) => v + (next() - 0.5) * 0.02));
        const [top] = await reopened.vectorSearch(query, { limit: 5 });
        expect(top!.path).toBe(`/clip/${probe}.jpg`);
      }
      await reopened.close();
    },
  );

  it('gives the kinds a bitmap and the ids a btree with the vector index, and still finds rows written after it', async () => {
    // [Note: a bitmap of kinds], [Note: a btree of ids] in native/store/vector-index.ts.
    const dim = 32;
    const next = random(5);
    const dir = freshDir();
    const indexOn = async (column: string) => {
      const db = await lancedb.connect(dir);
      const [name] = (await db.tableNames()).filter((table) => table.startsWith('media'));
      const table = await db.openTable(name!);
      const found = (await table.listIndices()).find((index) => index.columns.includes(column));
      table.close();
      db.close();
      return found;
    };
    const kindIndex = () => indexOn('kind');
    let store = await LibraryStore.open(dir, { dim, model: 'toy-clip' });
    const rows = Array.from({ length: 600 }, (_, i) =>
      row(`/kinds/${i}.${i % 3 === 0 ? 'mp4' : 'jpg'}`, {
        kind: i % 3 === 0 ? 'video' : 'image',
        vector: normalise(Array.from({ length: dim }, () => next() * 2 - 1)),
      }),
    );
    await store.upsertMedia(rows);
    expect(await kindIndex()).toBeUndefined();
    expect(await indexOn('id')).toBeUndefined();
    expect(await store.createVectorIndex({ minRows: 300 })).toBe(true);
    expect((await kindIndex())?.indexType).toBe('Bitmap');
    expect((await indexOn('id'))?.indexType).toBe('BTree');
    // A video written after the index is still found, and only videos, by a kind filter.
    const late = row('/kinds/late.mp4', { kind: 'video', vector: axisVector(1, 0, dim) });
    await store.upsertMedia([late]);
    const hits = await store.vectorSearch(late.vector, { limit: 5, where: whereKind('video') });
    expect(hits[0]!.path).toBe('/kinds/late.mp4');
    expect(hits.every((hit) => hit.kind === 'video')).toBe(true);
    expect(await store.count(whereKind('video'))).toBe(201);
    // By id, through the btree and past it: rows before the index, the late one, and a row
    // rewritten after the index (one row still, with its new vector).
    const moved = { ...rows[4]!, vector: axisVector(2, 0, dim) };
    await store.upsertMedia([moved]);
    const byId = await store.getVectors([rows[0]!.id, late.id, moved.id, 'no-such-id']);
    expect(byId.map((vector) => Array.from(vector))).toEqual(
      [rows[0]!.vector, late.vector, moved.vector].map((vector) => Array.from(vector)),
    );
    expect(await store.count()).toBe(601);
    await store.close();
    // A vector index built before the kinds had their bitmap gets one from the next run.
    const db = await lancedb.connect(dir);
    const [name] = (await db.tableNames()).filter((table) => table.startsWith('media'));
    const table = await db.openTable(name!);
    await table.dropIndex((await kindIndex())!.name);
    await table.dropIndex((await indexOn('id'))!.name);
    table.close();
    db.close();
    store = await LibraryStore.open(dir, { dim, model: 'toy-clip' });
    expect(await kindIndex()).toBeUndefined();
    expect(await store.ensureVectorIndex()).toBe(false);
    expect((await kindIndex())?.indexType).toBe('Bitmap');
    expect((await indexOn('id'))?.indexType).toBe('BTree');
    await store.close();
  });

  it('builds with a 32 MiB shuffle buffer unless one is set, after a garbage collection', async () => {
    // [Note: the index build's shuffle buffer], [Note: garbage collected before an index
    // build] in native/store/vector-index.ts.
    const variable = 'LANCE_SHUFFLE_BATCH_BYTES';
    const saved = process.env[variable];
    const gc = vi.fn();
    const global = globalThis as { gc?: () => void };
    const savedGc = global.gc;
    global.gc = gc;
    try {
      delete process.env[variable];
      const next = random(3);
      const store = await LibraryStore.open(freshDir(), { dim: 16, model: 'toy-clip' });
      await store.upsertMedia(
        Array.from({ length: 300 }, (_, i) =>
          row(`/shuffle/${i}.jpg`, {
            vector: normalise(Array.from({ length: 16 }, () => next() * 2 - 1)),
          }),
        ),
      );
      // No build, no collection and nothing set.
      expect(await store.createVectorIndex()).toBe(false);
      expect(gc).not.toHaveBeenCalled();
      expect(process.env[variable]).toBeUndefined();
      expect(await store.createVectorIndex({ minRows: 256 })).toBe(true);
      expect(gc).toHaveBeenCalledOnce();
      expect(process.env[variable]).toBe(String(SHUFFLE_BUFFER_BYTES));
      // A value someone set stays theirs.
      process.env[variable] = '1048576';
      expect(await store.createVectorIndex({ minRows: 256 })).toBe(true);
      expect(process.env[variable]).toBe('1048576');
      expect(gc).toHaveBeenCalledTimes(2);
      await store.close();
    } finally {
      if (saved === undefined) delete process.env[variable];
      else process.env[variable] = saved;
      if (savedGc === undefined) delete global.gc;
      else global.gc = savedGc;
    }
  });

  it('builds IVF_RQ past the threshold, loads it into memory and still finds the exact nearest', async () => {
    const dim = 32;
    const next = random(42);
    const store = await LibraryStore.open(freshDir(), { dim, model: 'toy-clip' });
    const rows = Array.from({ length: 3000 }, (_, i) =>
      row(`/big/${i}.jpg`, {
        vector: normalise(Array.from({ length: dim }, () => next() * 2 - 1)),
      }),
    );
    for (let i = 0; i < rows.length; i += 1000) await store.upsertMedia(rows.slice(i, i + 1000));

    expect(await store.createVectorIndex()).toBe(false);
    expect(await store.hasVectorIndex()).toBe(false);
    // Nothing to load into memory yet ([Note: a warm index from the start]).
    expect(await store.prewarmVectorIndex()).toBe(false);
    expect(await store.createVectorIndex({ minRows: 1000 })).toBe(true);
    expect(await store.hasVectorIndex()).toBe(true);
    // Loaded before any search; the searches below are answered from it as before.
    expect(await store.prewarmVectorIndex()).toBe(true);

    for (const probe of [7, 512, 1999, 2999]) {
      // A query near (not at) a stored vector: its own row must come first.
      const query = normalise(rows[probe]!.vector.map((v) => v + (next() - 0.5) * 0.02));
      const indexed = await store.vectorSearch(query, { limit: 5 });
      const exact = await store.vectorSearch(query, { limit: 5, exact: true });
      expect(indexed[0]!.path).toBe(`/big/${probe}.jpg`);
      expect(exact[0]!.path).toBe(`/big/${probe}.jpg`);
      expect(indexed[0]!.distance).toBeCloseTo(exact[0]!.distance, 4);
    }

    // Rows written after the index are searched too, before and after optimize().
    const late = row('/big/late.jpg', { vector: axisVector(2, 0, dim) });
    await store.upsertMedia([late]);
    expect((await store.vectorSearch(late.vector, { limit: 1, nprobes: 4 }))[0]!.path).toBe(
      '/big/late.jpg',
    );
    await store.optimize();
    expect((await store.vectorSearch(late.vector, { limit: 1 }))[0]!.path).toBe('/big/late.jpg');
    expect(await store.count()).toBe(3001);
    await store.close();
  });

  it('builds the index at VECTOR_INDEX_MIN_ROWS and it finds the exact best match of text queries', async () => {
    const dim = 128;
    const cone = textImageCone(dim, random(7));
    const store = await LibraryStore.open(freshDir(), { dim, model: 'toy-clip-gap' });
    const photos = Array.from({ length: VECTOR_INDEX_MIN_ROWS }, (_, i) =>
      row(`/cone/${i}.jpg`, { vector: cone.photo() }),
    );
    for (let i = 0; i < photos.length - 1; i += 2500)
      await store.upsertMedia(photos.slice(i, Math.min(i + 2500, photos.length - 1)));
    expect(await store.ensureVectorIndex()).toBe(false);
    expect(await store.hasVectorIndex()).toBe(false);
    await store.upsertMedia(photos.slice(-1));
    expect(await store.ensureVectorIndex()).toBe(true);
    expect(await store.hasVectorIndex()).toBe(true);
    expect(await store.ensureVectorIndex()).toBe(false);

    for (let q = 0; q < 20; q++) {
      const query = cone.text();
      // The engine's request: 200 candidates, of which the relevance cut-off keeps the top.
      const indexed = await store.vectorSearch(query, { limit: 200 });
      const exact = await store.vectorSearch(query, { limit: 200, exact: true });
      // Real CLIP's text-to-image band: every photo scores far from the query.
      expect(1 - exact[0]!.distance).toBeLessThan(0.5);
      expect(indexed[0]!.path).toBe(exact[0]!.path);
      expect(indexed[0]!.distance).toBeCloseTo(exact[0]!.distance, 4);
    }
    await store.close();
  });

  it('rebuilds the index once the library has grown fourfold past the rows it was trained on', async () => {
    const dim = 32;
    const cone = textImageCone(dim, random(11));
    const store = await LibraryStore.open(freshDir(), { dim, model: 'toy-clip-gap' });
    const photos = Array.from({ length: 1200 }, (_, i) =>
      row(`/grow/${i}.jpg`, { vector: cone.photo() }),
    );
    await store.upsertMedia(photos.slice(0, 300));
    expect(await store.createVectorIndex({ minRows: 300 })).toBe(true);
    await store.upsertMedia(photos.slice(300, 1199));
    await store.optimize();
    expect(await store.ensureVectorIndex()).toBe(false);
    await store.upsertMedia(photos.slice(1199));
    expect(await store.ensureVectorIndex()).toBe(true);
    expect(await store.hasVectorIndex()).toBe(true);
    expect(await store.ensureVectorIndex()).toBe(false);
    await store.close();
  });
});

/**
 * Photos and text queries with real CLIP's text-to-image geometry, as toy-clip-gap and
 * the search benchmark draw it ([Note: text-to-image geometry of real CLIP] in
 * test/bench/vectors.ts): a shared direction, one direction per modality, and content
 * clumped in bursts around 20 topics; a query describes one topic loosely.
 */
function textImageCone(dim: number, next: () => number) {
  const gaussian = () => Math.sqrt(-2 * Math.log(1 - next())) * Math.cos(2 * Math.PI * next());
  // Axes 0, 1, 2: shared, image, text; content lives in the other dimensions.
  const content = (around: Float32Array | null, cosine: number) => {
    const sigma = Math.sqrt((1 / cosine ** 2 - 1) / (dim - 3));
    const values = Array.from({ length: dim }, (_, i) =>
      i < 3 ? 0 : (around?.[i] ?? 0) + (around ? sigma : 1) * gaussian(),
    );
    return normalise(values);
  };
  const pick = <T>(list: readonly T[]) => list[Math.floor(next() * list.length)]!;
  const topics = Array.from({ length: 20 }, () => content(null, 1));
  // Bursts of shots of one moment around each subject, as in a real library.
  const events = Array.from({ length: 400 }, () => content(pick(topics), 0.75));
  const mix = (modality: number, body: Float32Array) =>
    normalise(body.map((v, i) => 0.695 * v + (i === 0 ? 0.47 : 0) + (i === modality ? 0.545 : 0)));
  return {
    photo: () => mix(1, content(pick(events), 0.92)),
    text: () => mix(2, content(pick(topics), 0.3)),
  };
}
