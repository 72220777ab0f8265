/**
 * @file `lantern duplicates` as a person runs it, on toy-clip-gap: JSON when piped with
 * `{"groups":[{"similarity","paths",…}]}`, the keeper first, --folder limiting the groups,
 * --threshold refused below 0.5 with a sentence. Real CLI, real store, nothing moved.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { lantern } from '../fixtures/cli.js';
import {
  writeDuplicateSet,
  writeUnrelatedPhotos,
  type DuplicateSet,
} from '../fixtures/duplicate-photos.js';
import { removeDir, tempDir } from '../fixtures/library.js';

interface Answer {
  groups: { similarity: number; paths: string[]; keeper: string; keeperReason: string }[];
  threshold: number;
  scanned: number;
}

describe('lantern duplicates', () => {
  let root: string;
  let db: string;
  let global: string[];
  let trip: DuplicateSet;
  let walk: DuplicateSet;

  beforeAll(async () => {
    [root, db] = await Promise.all([tempDir(), tempDir()]);
    global = ['--db', db, '--models', inject('toyModelsDir'), '--model', 'toy-clip-gap'];
    trip = await writeDuplicateSet(path.join(root, 'trip'), 7);
    walk = await writeDuplicateSet(path.join(root, 'walk'), 99);
    await writeUnrelatedPhotos(path.join(root, 'real'), 10, 2024);
    expect((await lantern(['index', root, ...global])).code).toBe(0);
  }, 120_000);

  afterAll(async () => {
    await removeDir(root);
    await removeDir(db);
  });

  it('prints the groups as JSON when piped, keeper first, and moves nothing', async () => {
    const result = await lantern(['duplicates', ...global]);
    expect(result.code).toBe(0);
    const answer = JSON.parse(result.stdout) as Answer;
    expect(answer.scanned).toBe(18);
    expect(answer.groups.map((g) => g.paths).sort()).toEqual(
      [
        [trip.original, trip.cropped, trip.resized],
        [walk.original, walk.cropped, walk.resized],
      ].sort(),
    );
    for (const group of answer.groups) {
      expect(group.similarity).toBeGreaterThanOrEqual(answer.threshold);
      expect(group.keeperReason).toBe('largest: 480×360');
    }
    for (const file of Object.values(trip) as string[]) expect(existsSync(file)).toBe(true);
  });

  it('limits the groups to --folder and takes --threshold', async () => {
    const result = await lantern([
      'duplicates',
      '--folder',
      path.join(root, 'walk'),
      '--threshold',
      '0.97',
      '--json',
      ...global,
    ]);
    expect(result.code).toBe(0);
    const answer = JSON.parse(result.stdout) as Answer;
    expect(answer).toMatchObject({ threshold: 0.97, scanned: 4 });
    expect(answer.groups.map((g) => g.keeper)).toEqual([walk.original]);
  });

  it('refuses a threshold that would group unrelated photos, with what to use', async () => {
    const result = await lantern(['duplicates', '--threshold', '0.3', ...global]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(
      /--threshold 0\.3 would group unrelated photos; use a similarity between 0\.5 and 1/,
    );
  });
});
