/**
 * @file Counting in search, end to end on the toy models (search/counting.ts): a library
 * on toy-clip with toy-detect installed beside it. Orange squares on grey, on the
 * detector's 32 px patch grid at 768 px so that each square is its own box: toy-clip
 * ranks by how much orange a photo holds, so the one big square outranks three and two
 * small ones for any orange query, and only the detector can put the right count first.
 */
import { cp, rm } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { Library } from '../../electron/engine/library.js';
import type { SearchResult } from '../../electron/shared/types.js';
import { countModelRuns } from '../fixtures/model-runs.js';
import { painted, type Rgb } from '../fixtures/images.js';
import { lantern } from '../fixtures/cli.js';
import { openToyLibrary, removeDir, tempDir } from '../fixtures/library.js';
import { writePhoto } from '../fixtures/photos.js';
import type { Rect } from '../fixtures/vision-photos.js';

const ORANGE: Rgb = [245, 140, 20];
const GREY: Rgb = [128, 128, 128];
const SIZE = 768;
const SQUARES: Record<'one' | 'two' | 'three', readonly Rect[]> = {
  // 256² of orange: the most, so toy-clip ranks it first for every orange query.
  one: [[256, 256, 512, 512]],
  three: [
    [64, 64, 192, 192],
    [448, 96, 576, 224],
    [256, 512, 384, 640],
  ],
  two: [
    [128, 128, 256, 256],
    [512, 448, 640, 576],
  ],
};

let root: string;
let db: string;
let models: string;
let library: Library;
const photoOf = new Map<string, string>();

async function squaresPhoto(name: string, squares: readonly Rect[]): Promise<string> {
  const file = path.join(root, `${name}.png`);
  const inside = (x: number, y: number) =>
    squares.some((r) => x >= r[0] && x < r[2] && y >= r[1] && y < r[3]);
  await painted(SIZE, SIZE, (x, y) => (inside(x, y) ? ORANGE : GREY))
    .png()
    .toFile(file);
  return file;
}

const order = (results: readonly SearchResult[]) =>
  results.map((r) => path.basename(r.path)).filter((name) => name.endsWith('.png'));

const resultOf = (results: readonly SearchResult[], name: string) =>
  results.find((r) => r.path === photoOf.get(name));

/** Counts the detector's runs, in-process or on its thread (fixtures/model-runs.ts). */
const countDetectorRuns = () => countModelRuns(path.join(models, 'toy-detect', 'model.onnx'));

beforeAll(async () => {
  root = await tempDir();
  db = await tempDir();
  models = inject('toyModelsDir');
  for (const [name, squares] of Object.entries(SQUARES))
    photoOf.set(name, await squaresPhoto(name, squares));
  // Unrelated photos, so that the library has a background to gate against.
  for (const colour of ['blue', 'green', 'purple', 'white'] as const)
    await writePhoto(root, { colour, width: 200, height: 150 });
  library = await openToyLibrary(db, { provider: 'cpu' });
  const report = await library.index([root]);
  expect(report.failed).toEqual([]);
});

afterAll(async () => {
  await library.close();
  await removeDir(root);
  await removeDir(db);
});

describe('search with a count and a detector installed', () => {
  it('toy-clip alone ranks by the amount of orange: one, three, two', async () => {
    const results = await library.search('orange squares');
    expect(order(results)).toEqual(['one.png', 'three.png', 'two.png']);
    // No count asked: nothing is checked, nothing moves.
    expect(results.every((r) => r.counted === undefined)).toBe(true);
  });

  it('"two orange squares" ranks the photo with two first, and says why', async () => {
    const results = await library.search('two orange squares');
    expect(order(results)).toEqual(['two.png', 'one.png', 'three.png']);
    expect(results[0]?.counted).toEqual({ noun: 'orange squares', found: 2, wanted: 2 });
    expect(resultOf(results, 'one')?.counted).toEqual({
      noun: 'orange squares',
      found: 1,
      wanted: 2,
    });
    expect(resultOf(results, 'three')?.counted?.found).toBe(3);
  });

  it('"one orange square" keeps the single square first, now counted', async () => {
    const results = await library.search('one orange square');
    expect(order(results)).toEqual(['one.png', 'three.png', 'two.png']);
    expect(results[0]?.counted).toEqual({ noun: 'orange square', found: 1, wanted: 1 });
    expect(resultOf(results, 'two')?.counted).toEqual({
      noun: 'orange square',
      found: 2,
      wanted: 1,
    });
  });

  it('"3 orange squares in a photo" ranks the three first', async () => {
    const results = await library.search('3 orange squares in a photo');
    expect(order(results)[0]).toBe('three.png');
    expect(results[0]?.counted).toEqual({ noun: 'orange squares', found: 3, wanted: 3 });
  });

  it('asks the detector once per photo and noun: a repeated search is answered from its cache', async () => {
    const runs = await countDetectorRuns();
    await library.search('two orange squares');
    await library.search('two orange squares', { sort: 'date' });
    expect(runs.count()).toBe(0);
    // A new noun is a new prompt for each checked photo (here the three orange ones at least).
    await library.search('two orange boxes');
    runs.stop();
    expect(runs.count()).toBeGreaterThanOrEqual(3);
  });
});

describe('search with a count and no detector installed', () => {
  let bare: string;
  let reader: Library;

  beforeAll(async () => {
    // The same toy models without the detector's file: listed, but not installed.
    bare = await tempDir();
    await cp(models, bare, { recursive: true });
    await rm(path.join(bare, 'toy-detect'), { recursive: true, force: true });
    reader = await openToyLibrary(db, { access: 'read', modelsDir: bare, provider: 'cpu' });
  });

  afterAll(async () => {
    await reader.close();
    await removeDir(bare);
  });

  it('searches as without counting', async () => {
    const results = await reader.search('two orange squares');
    expect(order(results)).toEqual(['one.png', 'three.png', 'two.png']);
    expect(results.every((r) => r.counted === undefined)).toBe(true);
  });
});

describe('counting on the command line', () => {
  it('says what it counted in lantern search --json', async () => {
    const result = await lantern([
      ...['search', 'two orange squares', '--db', db, '--models', models],
      ...['--model', 'toy-clip', '--json'],
    ]);
    expect(result.code, result.stderr).toBe(0);
    const answer = JSON.parse(result.stdout) as {
      results: { path: string; counted?: unknown }[];
    };
    expect(path.basename(answer.results[0]?.path ?? '')).toBe('two.png');
    expect(answer.results[0]?.counted).toEqual({ noun: 'orange squares', found: 2, wanted: 2 });
  });
});
