/**
 * @file Faults that must never cost a person their library: switching model (and back),
 * a root or subfolder that cannot be read, identical files deleted together, a folder
 * removed while it is being indexed, settings changed under a running job. Real sharp,
 * onnxruntime-node and LanceDB on temporary folders, with the toy models.
 */
import { createHash } from 'node:crypto';
import { mkdir, rename, rm, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, inject, it, vi } from 'vitest';
import { ClipEncoder } from '../../electron/engine/clip/encoder.js';
import type { JobSnapshot } from '../../electron/shared/contract.js';
import type { IndexProgress } from '../../electron/shared/types.js';
import { LanternService } from '../../electron/engine/service/service.js';
import { openToyLibrary, removeDir, tempDir, writeSecondModel } from '../fixtures/library.js';
import { writePhoto } from '../fixtures/photos.js';
import type { ColourWord } from '../toy-models/colours.js';

const COLOURS: ColourWord[] = ['red', 'green', 'blue', 'yellow', 'purple', 'orange'];

/** `count` small PNGs cycling through the colours (PNG: slower to decode, so runs last a while). */
async function writeManyPhotos(dir: string, count: number): Promise<void> {
  for (let i = 0; i < count; i++)
    await writePhoto(dir, {
      colour: COLOURS[i % COLOURS.length] ?? 'red',
      name: `p${i}.png`,
      format: 'png',
    });
}

/** A service on the toy models that records its job events, and a wait for a job's end. */
async function recordingService(db: string, extraModelDirs: string[] = []) {
  const service = await LanternService.create({
    shell: 'browser',
    dbDir: db,
    modelsDir: inject('toyModelsDir'),
    extraModelDirs,
    modelId: 'toy-clip',
  });
  const jobs: JobSnapshot[] = [];
  service.on('job:progress', (job) => jobs.push(job));
  const finished = async (id: string): Promise<JobSnapshot> => {
    const end = Date.now() + 60_000;
    while (Date.now() < end) {
      const last = jobs.findLast((j) => j.id === id);
      if (last && ['done', 'failed', 'cancelled'].includes(last.state)) return last;
      await new Promise((r) => setTimeout(r, 20));
    }
    throw new Error(`timed out waiting for job ${id}`);
  };
  return { service, jobs, finished };
}

describe('library faults', () => {
  let root: string;
  let db: string;
  let second: string;

  beforeEach(async () => {
    root = await tempDir();
    db = await tempDir();
    second = await tempDir();
    await writeSecondModel(second);
  });
  afterEach(async () => {
    for (const dir of [root, db, second]) await removeDir(dir);
  });

  it('keeps answering from the old model while the new one indexes, then switches, and back instantly', async () => {
    for (const colour of COLOURS) await writePhoto(root, { colour });
    const first = await openToyLibrary(db, { indexer: { batchSize: 2 } });
    expect((await first.index([root])).indexed).toBe(6);
    await first.close();

    const options = { extraModelDirs: [second], modelId: 'toy-clip-b', indexer: { batchSize: 2 } };
    const switched = await openToyLibrary(db, options);
    try {
      const before = await switched.status();
      expect(before.model).toBe('toy-clip-b');
      expect(before.reindex).toEqual({
        model: 'toy-clip-b',
        servingModel: 'toy-clip',
        done: 0,
        total: 6,
      });
      // Search still answers, from the old model's complete index.
      expect((await switched.search('red'))[0]?.path).toBe(path.join(root, 'red.jpg'));

      // A run cancelled midway leaves the old index serving.
      const controller = new AbortController();
      const seen: IndexProgress[] = [];
      const cancelled = await switched.index([root], {
        signal: controller.signal,
        onProgress: (p) => {
          seen.push(p);
          if (p.phase === 'indexing' && p.done > 0) controller.abort();
        },
      });
      expect(cancelled.cancelled).toBe(true);
      expect(seen.some((p) => p.reindexModel === 'toy-clip-b')).toBe(true);
      const during = await switched.status();
      expect(during.reindex?.servingModel).toBe('toy-clip');
      expect(during.reindex?.done).toBeLessThan(6);
      expect(during.images).toBe(6);
      expect((await switched.search('blue'))[0]?.path).toBe(path.join(root, 'blue.jpg'));
    } finally {
      await switched.close();
    }

    const resumed = await openToyLibrary(db, options);
    try {
      const report = await resumed.index([root]);
      expect(report.cancelled).toBe(false);
      const after = await resumed.status();
      expect(after.reindex).toBeNull();
      expect(after.model).toBe('toy-clip-b');
      expect(resumed.encoder.id).toBe('toy-clip-b');
      expect(after.images).toBe(6);
      expect((await resumed.search('green'))[0]?.path).toBe(path.join(root, 'green.jpg'));
    } finally {
      await resumed.close();
    }

    // Back to the first model: its index was never dropped, nothing to re-embed.
    const back = await openToyLibrary(db);
    try {
      const status = await back.status();
      expect(status.reindex).toBeNull();
      expect(status.images).toBe(6);
      expect((await back.index([root])).unchanged).toBe(6);
    } finally {
      await back.close();
    }
  });

  it('keeps the rows of an unreachable root and subfolder, marks them offline, and removes only what is gone', async () => {
    const disk = await tempDir();
    try {
      for (const colour of ['red', 'green'] as const)
        await writePhoto(path.join(disk, 'trip'), { colour });
      await writePhoto(root, { colour: 'blue' });
      await writePhoto(root, { colour: 'yellow' });
      // The subfolder lives on another disk, linked into the root.
      await symlink(path.join(disk, 'trip'), path.join(root, 'trip'));
      const library = await openToyLibrary(db);
      try {
        expect((await library.index([root])).indexed).toBe(4);

        // The other disk is unplugged, and one photo of the readable folder is deleted.
        await rename(disk, `${disk}-unplugged`);
        await rm(path.join(root, 'yellow.jpg'));
        const report = await library.index([root]);
        expect(report.removed).toBe(1);
        expect(report.offline).toEqual([
          {
            path: path.join(root, 'trip'),
            error: expect.stringMatching(/could not be read/) as string,
          },
        ]);
        const paths = (await library.store.listMedia()).map((r) => r.path).sort();
        expect(paths).toEqual(
          [
            path.join(root, 'blue.jpg'),
            path.join(root, 'trip', 'green.jpg'),
            path.join(root, 'trip', 'red.jpg'),
          ].sort(),
        );
        const failures = await library.failures();
        expect(failures).toContainEqual(
          expect.objectContaining({ path: path.join(root, 'trip'), code: 'FOLDER_UNREADABLE' }),
        );

        // Now the whole root goes away (a USB disk unplugged): offline, never emptied.
        const away = `${root}-away`;
        await rename(root, away);
        try {
          const gone = await library.index([root]);
          expect(gone.removed).toBe(0);
          expect(gone.offline.map((o) => o.path)).toEqual([root]);
          expect(await library.store.count()).toBe(3);
          const status = await library.status();
          expect(status.roots[0]?.offline).toMatch(/not found/);
        } finally {
          await rename(away, root);
        }
        // Plugged back in: online again, and the subfolder's rows are still there.
        await rename(`${disk}-unplugged`, disk);
        const back = await library.index([root]);
        expect(back).toMatchObject({ removed: 0, offline: [], indexed: 0, unchanged: 3 });
        expect((await library.status()).roots[0]?.offline).toBeNull();
        // Readable again: the folder failures of the offline time are cleared.
        expect(await library.failures()).toEqual([]);
        expect((await library.status()).failed).toBe(0);
      } finally {
        await library.close();
      }
    } finally {
      await removeDir(`${disk}-unplugged`);
      await removeDir(disk);
    }
  });

  it('removes every row of identical files deleted together', async () => {
    for (const name of ['a.jpg', 'b.jpg', 'c.jpg'])
      await writePhoto(root, { colour: 'green', name });
    await writePhoto(root, { colour: 'red' });
    const library = await openToyLibrary(db);
    try {
      expect((await library.index([root])).indexed).toBe(4);
      for (const name of ['a.jpg', 'b.jpg', 'c.jpg']) await rm(path.join(root, name));
      const report = await library.index([root]);
      expect(report).toMatchObject({ removed: 3, moved: 0 });
      expect((await library.store.listMedia()).map((r) => r.path)).toEqual([
        path.join(root, 'red.jpg'),
      ]);
    } finally {
      await library.close();
    }
  });

  it('stops indexing a folder that is removed meanwhile, and leaves none of its rows', async () => {
    await writeManyPhotos(root, 40);
    const library = await openToyLibrary(db, { indexer: { batchSize: 2 } });
    try {
      const removal: { promise?: Promise<void> } = {};
      const report = await library.index([root], {
        onProgress: (p) => {
          if (p.phase === 'indexing' && p.done > 0 && !removal.promise)
            removal.promise = library.removeRoot(root);
        },
      });
      expect(removal.promise).toBeDefined();
      await removal.promise;
      expect(report.cancelled).toBe(true);
      expect(await library.store.count()).toBe(0);
      expect(library.roots).toEqual([]);
    } finally {
      await library.close();
    }
  });

  it('applies indexer settings without closing the library under a running job', async () => {
    await writeManyPhotos(root, 30);
    const { service, finished } = await recordingService(db);
    try {
      const started = (await service.invoke('library:addRoots', { paths: [root] })) as {
        value: JobSnapshot;
      };
      expect(await service.invoke('settings:set', { thumbnailSize: 128 })).toMatchObject({
        ok: true,
      });
      const last = await finished(started.value.id);
      expect(last).toMatchObject({ state: 'done', report: { indexed: 30 } });
      expect(await service.invoke('library:status', {})).toMatchObject({
        ok: true,
        value: { images: 30 },
      });
    } finally {
      await service.close();
    }
  });

  it('in the app, choosing another model starts its index at once and search keeps answering', async () => {
    for (const colour of COLOURS) await writePhoto(root, { colour });
    const { service, jobs, finished: waitFor } = await recordingService(db, [second]);
    try {
      const first = (await service.invoke('library:addRoots', { paths: [root] })) as {
        value: JobSnapshot;
      };
      expect(await waitFor(first.value.id)).toMatchObject({ state: 'done' });

      expect(await service.invoke('settings:set', { model: 'toy-clip-b' })).toMatchObject({
        ok: true,
        value: { model: 'toy-clip-b' },
      });
      const reindex = jobs.find((j) => j.kind === 'index' && j.id !== first.value.id);
      expect(reindex).toBeDefined();
      const during = await service.invoke('search:query', { query: 'red' });
      expect(during.ok).toBe(true);
      expect((during as { value: { results: { path: string }[] } }).value.results[0]?.path).toBe(
        path.join(root, 'red.jpg'),
      );
      expect(await waitFor(reindex?.id ?? '')).toMatchObject({ state: 'done' });
      expect(
        jobs.some((j) => j.id === reindex?.id && j.progress?.reindexModel === 'toy-clip-b'),
      ).toBe(true);
      expect(await service.invoke('library:status', {})).toMatchObject({
        ok: true,
        value: { model: 'toy-clip-b', reindex: null, images: 6 },
      });
    } finally {
      await service.close();
    }
  });

  it('closes the model again when the store fails to open after the model loaded', async () => {
    // A model table that is not a LanceDB table: found only once the store opens it.
    const digest = createHash('sha256').update('toy-clip', 'utf8').digest('hex').slice(0, 8);
    const versions = path.join(db, 'store', `media-toy-clip-${digest}.lance`, '_versions');
    await mkdir(versions, { recursive: true });
    await writeFile(path.join(versions, '1.manifest'), 'not a manifest');
    const close = vi.spyOn(ClipEncoder.prototype, 'close');
    try {
      await expect(openToyLibrary(db)).rejects.toThrow(/library database/);
      // Its inference thread would otherwise keep the process alive after the error.
      expect(close).toHaveBeenCalledTimes(1);
    } finally {
      close.mockRestore();
    }
    // The writer lock was released too: a second open meets the same error, not "in use".
    await expect(openToyLibrary(db)).rejects.toThrow(/library database/);
  });
});
