/**
 * @file The relevance rules on `toy-clip-gap` (real CLIP's score shape) through the whole
 * pipeline (sharp, tokenizer, onnxruntime-node, LanceDB, ffmpeg): a nonsense query
 * returns next to nothing in a mixed library, every photo of the queried colour
 * survives, long and short queries keep the same photos, a one-subject library keeps
 * its subject, negative terms drop what looks like them, and videos pass the photos'
 * gate (a video whose best frame is background is not returned).
 */
import { utimes } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Library } from '../../electron/engine/library.js';
import { locateFfmpeg } from '../../native/ffmpeg/index.js';
import { Prng } from '../bench/measure.js';
import { realLookingGrid, writeGridPhoto, type ColourGrid } from '../fixtures/grid-photos.js';
import { openGapLibrary, removeDir, tempDir } from '../fixtures/library.js';
import { writeColourVideo, type ColourVideo } from '../fixtures/videos.js';
import { TOY_COLOURS, type ColourWord, type Rgb } from '../toy-models/colours.js';

const clampByte = (v: number) => Math.max(0, Math.min(255, Math.round(v)));

/** A photo of `colour`: solid with noise, or three of four rows of it over a real-looking photo. */
function colourGrid(rng: Prng, colour: ColourWord, dominant: boolean): ColourGrid {
  const base = realLookingGrid(rng);
  const rgb = TOY_COLOURS[colour];
  const free = rng.int(4);
  return Array.from({ length: 4 }, (_, row) =>
    Array.from({ length: 4 }, (_, col): Rgb => {
      if (dominant && row === free) return base[row]?.[col] ?? [128, 128, 128];
      const shade = 1 + 0.05 * rng.gaussian();
      return [
        clampByte(rgb[0] * shade + 6 * rng.gaussian()),
        clampByte(rgb[1] * shade + 6 * rng.gaussian()),
        clampByte(rgb[2] * shade + 6 * rng.gaussian()),
      ];
    }),
  );
}

const LONG = (c: string) => `a photo of something ${c} on a table in the evening`;
const COLOURS = ['red', 'orange', 'blue', 'green'] as const;
const PER_COLOUR = 6;

describe('relevance on toy-clip-gap: a mixed library of real-looking photos', () => {
  let root: string;
  let db: string;
  let library: Library;
  const photosOf = new Map<ColourWord, string[]>();

  beforeAll(async () => {
    root = await tempDir();
    db = await tempDir();
    const rng = new Prng(0x8e1e);
    for (let i = 0; i < 100; i++)
      await writeGridPhoto(path.join(root, 'real'), {
        grid: realLookingGrid(rng),
        name: `real-${i}.jpg`,
      });
    let day = 0;
    for (const colour of COLOURS) {
      const files: string[] = [];
      for (let i = 0; i < PER_COLOUR; i++) {
        const file = await writeGridPhoto(path.join(root, i % 2 ? 'a' : 'b'), {
          grid: colourGrid(rng, colour, i % 2 === 1),
          name: `${colour}-${i}.jpg`,
        });
        // Distinct dates, for sorting: no EXIF, so the file's mtime is its date.
        const when = new Date(Date.UTC(2020, 0, 1 + day++));
        await utimes(file, when, when);
        files.push(file);
      }
      photosOf.set(colour, files);
    }
    library = await openGapLibrary(db);
    const report = await library.index([root]);
    expect(report.failed).toEqual([]);
    expect(report.indexed).toBe(100 + COLOURS.length * PER_COLOUR);
  }, 240_000);

  afterAll(async () => {
    await library?.close();
    await removeDir(root);
    await removeDir(db);
  });

  it.each(['zxqv', 'the of and', 'qwerty uiop'])(
    'a nonsense query (%s) returns at most a handful',
    async (query) => {
      const answer = await library.searchWithHidden(query);
      expect(answer.results.length).toBeLessThanOrEqual(5);
      // The rest is still there for "show weaker matches".
      expect(answer.hidden).toBeGreaterThan(100);
    },
  );

  /** Colours far from each other in the toy (warm red/orange, blue, green). */
  const UNRELATED: Record<(typeof COLOURS)[number], ColourWord[]> = {
    red: ['blue', 'green'],
    orange: ['blue', 'green'],
    blue: ['red', 'orange', 'green'],
    green: ['red', 'orange', 'blue'],
  };

  it.each(COLOURS)('every photo of %s survives, short and long phrasing alike', async (colour) => {
    for (const query of [colour, LONG(colour)]) {
      const found = (await library.search(query, { limit: 500 })).map((r) => r.path);
      for (const file of photosOf.get(colour) ?? []) expect(found).toContain(file);
      for (const other of UNRELATED[colour])
        for (const file of photosOf.get(other) ?? []) expect(found).not.toContain(file);
    }
  });

  it('a negative term drops the photos that look more like it, and only those', async () => {
    const orange = (await library.search('orange', { limit: 500 })).map((r) => r.path);
    const withoutRed = (await library.search('orange -red', { limit: 500 })).map((r) => r.path);
    // The solid photos are unambiguous (a dominant one over a brick-red row may look
    // more red than orange, and is then rightly dropped).
    const solid = (colour: ColourWord) =>
      (photosOf.get(colour) ?? []).filter((_, i) => i % 2 === 0);
    for (const file of solid('orange')) expect(withoutRed).toContain(file);
    for (const file of solid('red')) {
      expect(orange).toContain(file); // red is a neighbour of orange, as dusk is of night
      expect(withoutRed).not.toContain(file);
    }
    // A negative term only lowers scores: nothing comes in that "orange" did not find.
    for (const file of withoutRed) expect(orange).toContain(file);
  });

  it('date sort, folder filter and "show weaker matches" work on top of the cut-off', async () => {
    const byDate = await library.search('blue', { sort: 'date', limit: 500 });
    expect(byDate.map((r) => r.path)).toEqual(expect.arrayContaining(photosOf.get('blue') ?? []));
    // Newest first among the blue photos (their mtimes are days apart).
    const bluePaths = (photosOf.get('blue') ?? []).slice().reverse();
    expect(byDate.map((r) => r.path).filter((p) => bluePaths.includes(p))).toEqual(bluePaths);

    const inA = await library.search('blue', { folder: path.join(root, 'a'), limit: 500 });
    expect(inA.map((r) => r.path).sort()).toEqual(
      (photosOf.get('blue') ?? []).filter((p) => p.includes(`${path.sep}a${path.sep}`)).sort(),
    );

    const all = await library.searchWithHidden('zxqv', { noCutoff: true, limit: 40 });
    expect(all.results).toHaveLength(40);
    expect(all.hidden).toBe(0);
  });
});

describe('relevance on toy-clip-gap: a library that is all one subject', () => {
  let root: string;
  let db: string;
  let library: Library;
  const COUNT = 80;

  beforeAll(async () => {
    root = await tempDir();
    db = await tempDir();
    const rng = new Prng(0x5b1ec7);
    for (let i = 0; i < COUNT; i++)
      await writeGridPhoto(root, {
        grid: colourGrid(rng, 'green', i % 2 === 1),
        name: `g${i}.jpg`,
      });
    library = await openGapLibrary(db);
    expect((await library.index([root])).indexed).toBe(COUNT);
  }, 240_000);

  afterAll(async () => {
    await library?.close();
    await removeDir(root);
    await removeDir(db);
  });

  it.each(['green', LONG('green')])('"%s" keeps (nearly) all of it', async (query) => {
    const results = await library.search(query, { limit: 500 });
    expect(results.length).toBeGreaterThanOrEqual(Math.ceil(0.95 * COUNT));
  });
});

describe('relevance on toy-clip-gap: videos pass the same gate as photos', () => {
  let root: string;
  let db: string;
  let library: Library;
  let mixed: ColourVideo;
  const INTERVAL = 2;

  beforeAll(async () => {
    root = await tempDir();
    db = await tempDir();
    const ff = await locateFfmpeg();
    await writeColourVideo(root, ff, { name: 'grey', stretches: [{ colour: 'gray', seconds: 6 }] });
    await writeColourVideo(root, ff, { name: 'sea', stretches: [{ colour: 'blue', seconds: 6 }] });
    mixed = await writeColourVideo(root, ff, {
      name: 'sunset',
      stretches: [
        { colour: 'gray', seconds: 4 },
        { colour: 'orange', seconds: 4 },
        { colour: 'gray', seconds: 4 },
      ],
    });
    library = await openGapLibrary(db);
    expect((await library.index([root])).indexed).toBe(3);
  }, 240_000);

  afterAll(async () => {
    await library?.close();
    await removeDir(root);
    await removeDir(db);
  });

  it('"orange" returns only the video with orange in it, with its range', async () => {
    const results = await library.search('orange');
    expect(results.map((r) => r.path)).toEqual([mixed.path]);
    expect(Math.abs((results[0]?.start ?? 0) - 4)).toBeLessThanOrEqual(INTERVAL);
    expect(Math.abs((results[0]?.end ?? 0) - 8)).toBeLessThanOrEqual(INTERVAL);

    const scenes = await library.scenes('orange');
    expect(scenes.map((s) => s.path)).toEqual([mixed.path]);
    expect(Math.abs((scenes[0]?.start ?? 0) - 4)).toBeLessThanOrEqual(INTERVAL);
    expect(Math.abs((scenes[0]?.end ?? 0) - 8)).toBeLessThanOrEqual(INTERVAL);
  });

  it('a video with no matching frame yields no scene, and no video appears in every search', async () => {
    expect(await library.scenes('green')).toEqual([]);
    // They are still there behind "show weaker matches".
    expect(await library.searchWithHidden('green')).toEqual({ results: [], hidden: 3 });
    expect(await library.scenes('orange', { video: path.join(root, 'grey.mp4') })).toEqual([]);
  });
});
