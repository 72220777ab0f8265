/**
 * @file What an index run and a status read of a library's rows: the few columns an index
 * run compares with the disk, streamed ([Note: an index run's view of the library] in
 * native/store/stored-files.ts), the whole row of a moved file, and counts made by LanceDB
 * ([Note: a status counts rows where they are] in engine/library-status.ts). Real LanceDB
 * in temporary folders.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LibraryStore } from '../../native/store/index.js';
import { libraryStatus } from '../../electron/engine/library-status.js';
import { hashOf, mediaRow } from '../fixtures/store-rows.js';

let base = '';
let counter = 0;
beforeAll(async () => {
  base = await mkdtemp(join(tmpdir(), 'lantern-stored-files-'));
});
afterAll(async () => {
  await rm(base, { recursive: true, force: true });
});

async function openStore(): Promise<LibraryStore> {
  counter += 1;
  return LibraryStore.open(join(base, `library-${counter}`), { dim: 4, model: 'toy-clip' });
}

/** `count` photos under `folder`, each with its own size, time and hash. */
function photos(folder: string, count: number, from = 0) {
  return Array.from({ length: count }, (_, i) =>
    mediaRow(`${folder}/${from + i}.jpg`, {
      root: folder,
      size: 1000 + from + i,
      mtime: Date.UTC(2020, 0, 1) + from + i,
      hash: hashOf(from + i),
    }),
  );
}

describe('the rows an index run compares with the disk', () => {
  it('streams every row a filter keeps, across record batches, with its size, time and model', async () => {
    const store = await openStore();
    // More rows than one streamed batch holds (8192), in several writes (fragments).
    const kept = photos('/lib/a', 9000);
    await store.upsertMedia(kept.slice(0, 5000));
    await store.upsertMedia(photos('/lib/b', 300, 9000));
    await store.upsertMedia(kept.slice(5000));
    const files = await store.listFiles((path) => path.startsWith('/lib/a/'));
    expect(files).toHaveLength(9000);
    const byPath = new Map(files.map((file) => [file.path, file]));
    expect(byPath.size).toBe(9000);
    for (const row of [kept[0]!, kept[4999]!, kept[5000]!, kept[8999]!])
      expect(byPath.get(row.path)).toEqual({
        path: row.path,
        size: row.size,
        mtime: row.mtime,
        model: 'toy-clip',
      });
    expect(await store.listFiles(() => false)).toEqual([]);
    await store.close();
  });

  it('reads the id and hash of the rows at the paths asked for, and nothing when none is', async () => {
    const store = await openStore();
    const rows = photos('/lib', 40);
    await store.upsertMedia(rows);
    const asked = new Set([rows[3]!.path, rows[27]!.path, '/lib/not-stored.jpg']);
    const vanished = await store.listVanished(asked);
    expect(vanished.sort((a, b) => a.path.localeCompare(b.path))).toEqual(
      [rows[27]!, rows[3]!].map((row) => ({ id: row.id, path: row.path, hash: row.hash })),
    );
    expect(await store.listVanished(new Set())).toEqual([]);
    await store.close();
  });

  it('lists whole records streamed, only those a filter keeps, and every hash', async () => {
    const store = await openStore();
    const rows = photos('/lib/a', 9000).map((row, i) =>
      Object.assign(row, { camera: i % 2 === 0 ? 'even' : null }),
    );
    await store.upsertMedia(rows.slice(0, 4000));
    await store.upsertMedia(rows.slice(4000));
    const kept = await store.listMedia({ keep: (row) => row.size % 1000 === 7 });
    expect(kept.map((row) => row.path).sort()).toEqual(
      rows
        .filter((row) => row.size % 1000 === 7)
        .map((row) => row.path)
        .sort(),
    );
    expect(kept.find((row) => row.path === '/lib/a/8007.jpg')).toMatchObject({
      id: rows[8007]!.id,
      hash: rows[8007]!.hash,
      camera: null,
      width: 640,
    });
    expect(await store.listMedia({ where: "path = '/lib/a/8000.jpg'" })).toHaveLength(1);
    expect((await store.listMedia()).length).toBe(9000);
    const hashes = await store.listHashes();
    expect(hashes.size).toBe(9000);
    expect(hashes.has(rows[8999]!.hash)).toBe(true);
    await store.close();
  });

  it('lists the files a tag run chooses as id, hash, kind and duration, across batches', async () => {
    // [Note: what a tag run holds of a file] in native/store/stored-files.ts.
    const store = await openStore();
    const rows = photos('/lib/t', 9000).map((row, i) =>
      i % 1000 === 3
        ? Object.assign(row, {
            path: row.path.replace('.jpg', '.mp4'),
            kind: 'video' as const,
            duration: i / 100,
          })
        : row,
    );
    await store.upsertMedia(rows);
    const chosen = await store.listTagTargets(
      (file) =>
        file.path.endsWith('.mp4') || file.id === rows[8500]!.id || file.hash === rows[20]!.hash,
    );
    const expected = [...rows.filter((row) => row.kind === 'video'), rows[20]!, rows[8500]!].map(
      ({ id, hash, kind, duration }) => ({ id, hash, kind, duration }),
    );
    const byId = (a: { id: string }, b: { id: string }) => (a.id < b.id ? -1 : 1);
    expect([...chosen].sort(byId)).toEqual(expected.sort(byId));
    expect(chosen.filter((file) => file.kind === 'video')).toHaveLength(9);
    expect(Object.keys(chosen[0]!).sort()).toEqual(['duration', 'hash', 'id', 'kind']);
    await store.close();
  });

  it('reads whole rows by id, vector included, in the order asked', async () => {
    const store = await openStore();
    const rows = photos('/lib', 5).map((row, i) =>
      Object.assign(row, { camera: `camera ${i}`, vector: Float32Array.from([0, 0, 1, 0]) }),
    );
    rows[2]!.vector = Float32Array.from([0, 1, 0, 0]);
    await store.upsertMedia(rows);
    const found = await store.getRows([rows[2]!.id, 'no-such-id', rows[0]!.id]);
    expect(found.map((row) => row.path)).toEqual([rows[2]!.path, rows[0]!.path]);
    expect(found[0]!.camera).toBe('camera 2');
    expect([...found[0]!.vector]).toEqual([0, 1, 0, 0]);
    expect(found[1]!.hash).toBe(rows[0]!.hash);
    await store.close();
  });
});

describe("a library's status", () => {
  it('counts files per root (a nested root counted in both), photos and videos, in LanceDB', async () => {
    const store = await openStore();
    await store.upsertMedia([
      ...photos('/lib/a', 7),
      ...photos('/lib/a/inner', 2, 100),
      ...photos('/lib/ab', 3, 200),
      mediaRow('/lib/a/clip.mp4', { root: '/lib/a', kind: 'video', hash: hashOf(300) }),
    ]);
    await store.recordFailures([
      { path: '/lib/a/broken.jpg', root: '/lib/a', code: 'DECODE_FAILED', error: 'corrupt' },
    ]);
    const status = await libraryStatus({
      store,
      roots: ['/lib/a', '/lib/a/inner', '/lib/ab', '/lib/empty'],
      model: 'toy-clip',
      encoder: { id: 'toy-clip', provider: null, providerNotes: [] },
      pending: null,
      warnings: [],
    });
    expect(status.roots.map(({ path, files, failed }) => ({ path, files, failed }))).toEqual([
      { path: '/lib/a', files: 10, failed: 1 },
      { path: '/lib/a/inner', files: 2, failed: 0 },
      { path: '/lib/ab', files: 3, failed: 0 },
      { path: '/lib/empty', files: 0, failed: 0 },
    ]);
    expect(status.images).toBe(12);
    expect(status.videos).toBe(1);
    expect(status.failed).toBe(1);
    expect(status.roots.every((root) => root.offline !== null)).toBe(true);
    await store.close();
  });
});
