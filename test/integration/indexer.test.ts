/**
 * @file The indexer on real files: incremental runs after edits, deletions and moves,
 * bad files recorded and skipped, EXIF orientation and dates, skipped folders, links.
 */
import { chmod, mkdir, readFile, rename, rm, symlink, utimes, writeFile } from 'node:fs/promises';
import path from 'node:path';
import sharp from 'sharp';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Library } from '../../electron/engine/library.js';
import { trashLibraryFiles } from '../../electron/engine/duplicates/trash-files.js';
import { writePhoto } from '../fixtures/photos.js';
import { writeColourVideo } from '../fixtures/videos.js';
import { locateFfmpeg } from '../../native/ffmpeg/index.js';
import { openToyLibrary, removeDir, tempDir } from '../fixtures/library.js';

describe('incremental indexing', () => {
  let root: string;
  let db: string;
  let library: Library;

  beforeEach(async () => {
    root = await tempDir();
    db = await tempDir();
    for (const colour of ['red', 'green', 'blue', 'yellow'] as const)
      await writePhoto(root, { colour });
    library = await openToyLibrary(db);
    const first = await library.index([root]);
    expect(first).toMatchObject({ indexed: 4, unchanged: 0, removed: 0, failed: [] });
  });

  afterEach(async () => {
    await library.close();
    await removeDir(root);
    await removeDir(db);
  });

  const paths = async () => (await library.store.listMedia()).map((row) => row.path).sort();

  it('leaves unchanged files alone', async () => {
    const again = await library.index([root]);
    expect(again).toMatchObject({ indexed: 0, unchanged: 4, removed: 0, moved: 0 });
  });

  it('re-embeds a modified file', async () => {
    // Same name, new content: the red photo is now purple.
    const file = path.join(root, 'red.jpg');
    await writePhoto(root, { colour: 'purple', name: 'red.jpg' });
    const later = new Date(Date.now() + 5000);
    await utimes(file, later, later);
    const report = await library.index([root]);
    expect(report).toMatchObject({ indexed: 1, unchanged: 3 });
    const results = await library.search('purple');
    expect(results[0]?.path).toBe(file);
    expect(await paths()).toHaveLength(4);
  });

  it('removes rows of deleted files', async () => {
    await rm(path.join(root, 'green.jpg'));
    const report = await library.index([root]);
    expect(report).toMatchObject({ indexed: 0, unchanged: 3, removed: 1 });
    expect(await paths()).not.toContain(path.join(root, 'green.jpg'));
  });

  it('keeps the row of a moved file without re-embedding it', async () => {
    await mkdir(path.join(root, 'sub'));
    await rename(path.join(root, 'blue.jpg'), path.join(root, 'sub', 'renamed.jpg'));
    const report = await library.index([root]);
    expect(report).toMatchObject({ indexed: 0, moved: 1, removed: 0, unchanged: 3 });
    const all = await paths();
    expect(all).toContain(path.join(root, 'sub', 'renamed.jpg'));
    expect(all).not.toContain(path.join(root, 'blue.jpg'));
    expect(all).toHaveLength(4);
    const results = await library.search('blue');
    expect(results[0]?.path).toBe(path.join(root, 'sub', 'renamed.jpg'));
  });

  it('records unreadable files with a reason and indexes the rest', async () => {
    await writeFile(
      path.join(root, 'corrupt.jpg'),
      Buffer.from('this is not a jpeg at all, just text'),
    );
    await writeFile(path.join(root, 'empty.png'), Buffer.alloc(0));
    // 110 megapixels, over the 100 MP guard; a solid PNG stays small on disk.
    await sharp({ create: { width: 11_000, height: 10_000, channels: 3, background: '#204080' } })
      .png({ compressionLevel: 1 })
      .toFile(path.join(root, 'huge.png'));
    await writePhoto(root, { colour: 'pink' });
    const report = await library.index([root]);
    expect(report.indexed).toBe(1);
    const reasons = new Map(report.failed.map((f) => [path.basename(f.path), f.error]));
    expect([...reasons.keys()].sort()).toEqual(['corrupt.jpg', 'empty.png', 'huge.png']);
    expect(reasons.get('empty.png')).toMatch(/empty/i);
    expect(reasons.get('huge.png')).toMatch(/megapixel|pixels/i);
    const status = await library.status();
    expect(status.failed).toBe(3);
    expect(status.images).toBe(5);
    // Fixing the file clears its failure on the next run.
    await writePhoto(root, { colour: 'brown', name: 'corrupt.jpg' });
    const next = await library.index([root]);
    expect(next.failed.map((f) => path.basename(f.path)).sort()).toEqual(['empty.png', 'huge.png']);
    expect((await library.status()).failed).toBe(2);
  }, 120_000);

  it('stores EXIF-oriented dimensions and the capture date', async () => {
    const file = await writePhoto(root, {
      colour: 'orange',
      width: 200,
      height: 100,
      orientation: 6,
      takenAt: '2019:07:04 10:30:00',
    });
    await library.index([root]);
    const row = (await library.store.listMedia()).find((r) => r.path === file);
    expect(row).toMatchObject({ width: 100, height: 200, takenAt: Date.UTC(2019, 6, 4, 10, 30) });
    expect(row?.camera).toMatch(/Lantern.*Test Camera/);
  });

  it('skips hidden and system folders and survives a symlink loop', async () => {
    await writePhoto(path.join(root, '.hidden'), { colour: 'white' });
    await writePhoto(path.join(root, 'node_modules'), { colour: 'black' });
    await writePhoto(path.join(root, '@eaDir'), { colour: 'gray' });
    await mkdir(path.join(root, 'nested'));
    await symlink(root, path.join(root, 'nested', 'loop'));
    const report = await library.index([root]);
    expect(report).toMatchObject({ indexed: 0, unchanged: 4 });
  });

  it('cancels cleanly and finishes on the next run', async () => {
    for (let i = 0; i < 40; i++)
      await writePhoto(root, { colour: 'gray', name: `gray-${i}.png`, format: 'png' });
    // Deterministic, not timed: the photo pipeline holds at most three batch tensors, so
    // once the first batch is written and the run aborted, at most three more batches (the
    // ones decoded or decoding ahead) reach the store. Batches of 2 bound that to 8 of 40
    // files whatever the machine's load; with the default 16, three batches were all 40.
    await library.close();
    library = await openToyLibrary(db, { indexer: { batchSize: 2 } });
    const controller = new AbortController();
    const report = await library.index([root], {
      signal: controller.signal,
      onProgress: (p) => {
        if (p.phase === 'indexing' && p.done >= 1) controller.abort();
      },
    });
    expect(report.cancelled).toBe(true);
    expect(report.indexed).toBeGreaterThanOrEqual(2);
    expect(report.indexed).toBeLessThanOrEqual(8);
    const finished = await library.index([root]);
    expect(finished.cancelled).toBe(false);
    expect(finished.indexed + report.indexed).toBe(40);
    expect(await paths()).toHaveLength(44);
  });

  it('does not write back the row of a file trashed while it was indexed again', async () => {
    // [Note: no row for a file gone meanwhile]: a changed photo still has its old row, so
    // it can be trashed from Duplicates while the run holds its new row, unwritten for up
    // to the write interval (here a minute, so the row is certainly still waiting).
    await library.close();
    library = await openToyLibrary(db, { indexer: { batchSize: 1, writeIntervalMs: 60_000 } });
    const later = new Date(Date.now() + 5000);
    for (const colour of ['red', 'green', 'blue', 'yellow'] as const) {
      await writePhoto(root, { colour: 'purple', name: `${colour}.jpg`, width: 80 });
      await utimes(path.join(root, `${colour}.jpg`), later, later);
    }
    // The person trashes the first photo written to the run's pending rows; the next batch's
    // encode waits for the trash to finish, so the run's last write comes after it.
    let trashed: ReturnType<typeof trashLibraryFiles> | null = null;
    let target = '';
    const encoder = library.encoder;
    const encode = encoder.encodeImages.bind(encoder);
    encoder.encodeImages = async (batch, count) => {
      await trashed;
      return encode(batch, count);
    };
    const report = await library.index([root], {
      onProgress: (p) => {
        if (trashed || p.phase !== 'indexing' || p.done < 1 || !p.currentFile) return;
        target = p.currentFile;
        trashed = trashLibraryFiles(library.store, library.thumbnailsDir, [target], (file) =>
          rm(file),
        );
      },
    });
    expect(trashed).not.toBeNull();
    expect((await trashed!).trashed).toEqual([target]);
    expect(report).toMatchObject({ indexed: 3, failed: [] });
    const left = await paths();
    expect(left).toHaveLength(3);
    expect(left).not.toContain(target);
  });
});

describe('a video trashed while it is indexed again', () => {
  it('does not get its row back', async () => {
    const root = await tempDir();
    const db = await tempDir();
    const library = await openToyLibrary(db);
    try {
      const ff = await locateFfmpeg();
      const spec = { name: 'clip', stretches: [{ colour: 'red' as const, seconds: 2 }] };
      const { path: video } = await writeColourVideo(root, ff, spec);
      expect(await library.index([root])).toMatchObject({ indexed: 1, failed: [] });
      // New content: the video is indexed again while its old row stays until then.
      await writeColourVideo(root, ff, { ...spec, stretches: [{ colour: 'blue', seconds: 3 }] });
      const later = new Date(Date.now() + 5000);
      await utimes(video, later, later);
      // The person trashes it from Duplicates while its frames are being encoded.
      const encoder = library.encoder;
      const encode = encoder.encodeImages.bind(encoder);
      let trashed: Awaited<ReturnType<typeof trashLibraryFiles>> | null = null;
      encoder.encodeImages = async (batch, count) => {
        trashed ??= await trashLibraryFiles(library.store, library.thumbnailsDir, [video], (file) =>
          rm(file),
        );
        return encode(batch, count);
      };
      const report = await library.index([root]);
      expect(trashed).toMatchObject({ trashed: [video], failed: [] });
      expect(report).toMatchObject({ indexed: 0, failed: [] });
      expect(await library.store.listMedia()).toEqual([]);
    } finally {
      await library.close();
      await removeDir(root);
      await removeDir(db);
    }
  });
});

describe('ffmpeg at index time', () => {
  it('is looked for only when a run has a video to index', async () => {
    const root = await tempDir();
    const db = await tempDir();
    const bin = await tempDir();
    const real = await locateFfmpeg();
    // Wrappers that note each start, then run the real tools.
    const log = path.join(bin, 'started.log');
    const wrap = async (name: 'ffmpeg' | 'ffprobe', target: string) => {
      const file = path.join(bin, name);
      await writeFile(file, `#!/bin/sh\necho "${name} $*" >> '${log}'\nexec '${target}' "$@"\n`);
      await chmod(file, 0o755);
      return file;
    };
    const ffmpegPaths = {
      ffmpeg: await wrap('ffmpeg', real.ffmpeg),
      ffprobe: await wrap('ffprobe', real.ffprobe),
    };
    const library = await openToyLibrary(db, { ffmpegPaths });
    const started = () => readFile(log, 'utf8').catch(() => '');
    try {
      await writePhoto(root, { colour: 'red' });
      expect(await library.index([root])).toMatchObject({ indexed: 1, failed: [] });
      // A run of photos alone starts no ffmpeg process.
      expect(await started()).toBe('');
      const spec = { name: 'clip', stretches: [{ colour: 'blue' as const, seconds: 2 }] };
      await writeColourVideo(root, real, spec);
      expect(await library.index([root])).toMatchObject({ indexed: 1, unchanged: 1, failed: [] });
      expect(await started()).toMatch(/^ffmpeg .*-version/m);
      expect(await started()).toMatch(/^ffprobe .*-version/m);
    } finally {
      await library.close();
      await removeDir(root);
      await removeDir(db);
      await removeDir(bin);
    }
  });
});
