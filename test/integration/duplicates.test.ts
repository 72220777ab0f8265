/**
 * @file Near-duplicates end to end on toy-clip-gap (real CLIP's score shape), with real
 * sharp, onnxruntime-node and LanceDB: a photo, its resized re-encode and a slightly
 * cropped copy form one group without their colour neighbour, the larger is the keeper,
 * --folder limits the search, progress arrives and cancel stops it; the service moves a
 * chosen copy to the XDG trash (a temporary one) and forgets its row, and reports a
 * missing or foreign file in `failed`, untouched.
 */
import { existsSync } from 'node:fs';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  DEFAULT_DUPLICATE_THRESHOLD,
  findDuplicates,
} from '../../electron/engine/duplicates/find-duplicates.js';
import { LanternService } from '../../electron/engine/service/service.js';
import type { Library } from '../../electron/engine/library.js';
import type { DuplicateAnswer, TrashAnswer } from '../../electron/shared/channels-duplicates.js';
import type { DuplicateProgress } from '../../electron/shared/channels-duplicates.js';
import {
  writeDuplicateSet,
  writeUnrelatedPhotos,
  type DuplicateSet,
} from '../fixtures/duplicate-photos.js';
import { gapOptions, openGapLibrary, removeDir, tempDir } from '../fixtures/library.js';

describe('near-duplicates', () => {
  let root: string;
  let db: string;
  let home: string;
  let scene: DuplicateSet;
  let other: DuplicateSet;
  let library: Library;
  const previousEnv = { HOME: process.env.HOME, XDG_DATA_HOME: process.env.XDG_DATA_HOME };

  beforeAll(async () => {
    [root, db, home] = await Promise.all([tempDir(), tempDir(), tempDir()]);
    // The trash package finds the trash through HOME and XDG_DATA_HOME (read when it
    // loads, on the first move): a temporary one, on the device of the photos.
    process.env.HOME = home;
    process.env.XDG_DATA_HOME = path.join(home, 'data');
    scene = await writeDuplicateSet(path.join(root, 'scene'), 7);
    other = await writeDuplicateSet(path.join(root, 'other'), 99);
    await writeUnrelatedPhotos(path.join(root, 'real'), 20, 2024);
    library = await openGapLibrary(db);
    const report = await library.index([root]);
    expect(report.failed).toEqual([]);
  }, 120_000);

  afterAll(async () => {
    await library.close();
    process.env.HOME = previousEnv.HOME;
    if (previousEnv.XDG_DATA_HOME === undefined) delete process.env.XDG_DATA_HOME;
    else process.env.XDG_DATA_HOME = previousEnv.XDG_DATA_HOME;
    await Promise.all([removeDir(root), removeDir(db), removeDir(home)]);
  });

  it('measures the similarities the default threshold is calibrated on (docs/duplicates.md)', async () => {
    const similar = await library.similar(scene.original, { noCutoff: true, limit: 1000 });
    const score = new Map(similar.map((hit) => [hit.path, hit.score]));
    const resized = score.get(scene.resized) ?? 0;
    const cropped = score.get(scene.cropped) ?? 0;
    const neighbour = score.get(scene.neighbour) ?? 1;
    const unrelated = similar
      .filter((hit) => hit.path.includes(`${path.sep}real${path.sep}`))
      .map((hit) => hit.score);
    console.info(
      `toy-clip-gap similarity to the original: resized re-encode ${resized.toFixed(4)}, ` +
        `3 % crop ${cropped.toFixed(4)}, colour neighbour ${neighbour.toFixed(4)}, ` +
        `unrelated ${Math.min(...unrelated).toFixed(3)}–${Math.max(...unrelated).toFixed(3)}`,
    );
    expect(resized).toBeGreaterThan(DEFAULT_DUPLICATE_THRESHOLD);
    expect(cropped).toBeGreaterThan(DEFAULT_DUPLICATE_THRESHOLD);
    expect(neighbour).toBeLessThan(DEFAULT_DUPLICATE_THRESHOLD);
    expect(Math.max(...unrelated)).toBeLessThan(DEFAULT_DUPLICATE_THRESHOLD);
  });

  it('groups a photo with its resized re-encode and crop, not its neighbour; the largest is kept', async () => {
    const answer = await findDuplicates(library.store);
    expect(answer.scanned).toBe(28);
    expect(answer.groups).toHaveLength(2);
    const group = answer.groups.find((g) => g.paths.includes(scene.original));
    expect(group?.paths).toEqual([scene.original, scene.cropped, scene.resized]);
    expect(group?.keeper).toBe(scene.original);
    expect(group?.keeperReason).toBe('largest: 480×360');
    expect(group?.similarity).toBeGreaterThanOrEqual(answer.threshold);
    const files = new Map(group?.files.map((file) => [file.path, file]));
    expect(files.get(scene.resized)).toMatchObject({ width: 240, height: 180 });
    expect(files.get(scene.original)?.size).toBeGreaterThan(files.get(scene.resized)?.size ?? 0);
    // The enlarged small copy is the blurriest: its block edges spread over more pixels.
    expect(files.get(scene.original)?.sharpness).toBeGreaterThan(
      files.get(scene.resized)?.sharpness ?? 1,
    );
    for (const g of answer.groups) expect(g.paths).not.toContain(scene.neighbour);
  });

  it('limits the search to --folder, and a threshold of 1 finds nothing but identical vectors', async () => {
    const inScene = await findDuplicates(library.store, { folder: path.join(root, 'scene') });
    expect(inScene.scanned).toBe(4);
    expect(inScene.groups.map((g) => g.keeper)).toEqual([scene.original]);
    const strict = await findDuplicates(library.store, { threshold: 0.9999 });
    expect(strict.groups.flatMap((g) => g.paths)).not.toContain(scene.cropped);
  });

  it('reports progress up to the total, and stops with CANCELLED when cancelled', async () => {
    const seen: DuplicateProgress[] = [];
    await findDuplicates(library.store, { onProgress: (p) => seen.push(p) });
    expect(seen.at(-1)).toEqual({ done: 28, total: 28 });
    const controller = new AbortController();
    const cancelled = findDuplicates(library.store, {
      signal: controller.signal,
      onProgress: () => controller.abort(),
    });
    await expect(cancelled).rejects.toMatchObject({ code: 'CANCELLED' });
  });

  describe('through the service', () => {
    let service: LanternService;

    beforeAll(async () => {
      await library.close();
      const options = gapOptions(db);
      service = await LanternService.create({
        shell: 'browser',
        dbDir: db,
        modelsDir: options.modelsDir as string,
        modelId: 'toy-clip-gap',
      });
    });

    afterAll(async () => {
      await service.close();
      library = await openGapLibrary(db);
    });

    it('finds groups with progress events', async () => {
      const events: DuplicateProgress[] = [];
      const stop = service.on('duplicates:progress', (p) => events.push(p));
      const found = await service.invoke('duplicates:find', { folder: path.join(root, 'other') });
      stop();
      expect(found.ok).toBe(true);
      const answer = (found as { value: DuplicateAnswer }).value;
      expect(answer.groups.map((g) => g.keeper)).toEqual([other.original]);
      expect(events.at(-1)).toEqual({ done: 4, total: 4 });
    });

    it('moves a chosen copy to the trash and forgets it; a missing or foreign file is left alone', async () => {
      const foreign = path.join(root, 'scene', 'notes.txt');
      await writeFile(foreign, 'not a photo of the library');
      const missing = path.join(root, 'scene', 'gone.jpg');
      const announced: number[] = [];
      const stop = service.on('library:changed', (status) => announced.push(status.images));
      const result = await service.invoke('duplicates:trash', {
        paths: [scene.resized, missing, foreign],
      });
      stop();
      // Every window's counts follow: library:changed carries the library without it (the
      // watcher may announce the library too, so the last announcement is the one to read).
      expect(announced.at(-1)).toBe(27);
      expect(result.ok).toBe(true);
      const answer = (result as { value: TrashAnswer }).value;
      expect(answer.trashed).toEqual([scene.resized]);
      expect(answer.failed.map((f) => f.path)).toEqual([missing, foreign]);
      expect(answer.failed[0]?.message).toMatch(/not a file of the library/);
      expect(existsSync(scene.resized)).toBe(false);
      expect(existsSync(foreign)).toBe(true);
      // In the XDG trash, with the .trashinfo that lets the desktop put it back.
      const trash = path.join(home, 'data', 'Trash');
      expect(await readdir(path.join(trash, 'files'))).toHaveLength(1);
      const [info] = await readdir(path.join(trash, 'info'));
      expect(await readFile(path.join(trash, 'info', info as string), 'utf8')).toContain(
        `Path=${encodeURI(scene.resized)}`,
      );
      // Its row is gone: the scene's group now holds the original and the crop.
      const again = await service.invoke('duplicates:find', { folder: path.join(root, 'scene') });
      const groups = (again as { value: DuplicateAnswer }).value.groups;
      expect(groups.map((g) => g.paths)).toEqual([[scene.original, scene.cropped]]);
      const status = await service.invoke('library:status', {});
      expect((status as { value: { images: number } }).value.images).toBe(27);
    });
  });
});
