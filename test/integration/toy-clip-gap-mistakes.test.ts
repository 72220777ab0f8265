/**
 * @file The toy must not hide real mistakes (issue 8). For each mistake Lantern could
 * make feeding a real CLIP export — wrong mean/std, a missing or moved end token,
 * padding in the wrong place, truncating long texts in the wrong place — these tests
 * run Lantern's real path on `toy-clip-gap` twice, once as it is and once with the
 * mistake put in (a manifest copy with other figures, or the tokenizer's batch
 * encoding replaced), and show that the mistake moves the scores far beyond the
 * tolerance within which Lantern's own path matches the reference maths.
 *
 * [Note: padding after the end token] Real CLIP ViT-B/32 reads the text at the first
 * end token under a causal mask, so the value padded *after* that token cannot change
 * a score (OpenAI's tokenizer pads with 0, Hugging Face's with 49407, and both give
 * the same embedding). The toy is faithful to that; the padding mistakes that do move
 * real scores are padding before the text or in place of the end token, tested here.
 */
import { cp, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, inject, it, vi } from 'vitest';
import type { Library } from '../../electron/engine/library.js';
import { ManifestSchema } from '../../electron/engine/models/manifest.js';
import type { ClipModel } from '../../electron/engine/models/manifest.js';
import { ClipTokenizer } from '../../electron/engine/tokenizer/clip-bpe.js';
import { Prng } from '../bench/measure.js';
import { gridPixels, realLookingGrid, writeGridPhoto } from '../fixtures/grid-photos.js';
import type { ColourGrid } from '../fixtures/grid-photos.js';
import { openGapLibrary, removeDir, tempDir } from '../fixtures/library.js';
import { TOY_COLOURS } from '../toy-models/colours.js';
import { CLIP_VOCABULARY } from '../toy-models/toy-clip.js';
import {
  CLIP_END_TOKEN,
  CLIP_MEAN,
  CLIP_START_TOKEN,
  CLIP_STD,
  clipTokenIds,
  gapCosine,
  gapImageEmbedding,
  gapTextEmbedding,
} from '../toy-models/toy-clip-gap-reference.js';

/** Lantern's path matches the reference within this (scores come rounded to 4 decimals); every mistake must move a score by far more. */
const TOLERANCE = 2e-4;
const MISTAKE_SHOWS = 0.005;
const SIDE = 224;

const tokenizer = ClipTokenizer.fromFile(CLIP_VOCABULARY);
let root: string;
let library: Library;
const dbs: string[] = [];
/** Photo path → its grid; 224 px PNGs, so Lantern's pixels are exactly the grid's. */
const photos = new Map<string, ColourGrid>();

async function newDb(): Promise<string> {
  const db = await tempDir();
  dbs.push(db);
  return db;
}

beforeAll(async () => {
  root = await tempDir();
  const rng = new Prng(88);
  const grids: [string, ColourGrid][] = [
    ['orange', [[TOY_COLOURS.orange]]],
    ['blue', [[TOY_COLOURS.blue]]],
    ['red', [[TOY_COLOURS.red]]],
    ['purple', [[TOY_COLOURS.purple]]],
    ...Array.from({ length: 4 }, (_, i): [string, ColourGrid] => [
      `real-${i}`,
      realLookingGrid(rng),
    ]),
  ];
  for (const [name, grid] of grids) {
    const file = await writeGridPhoto(root, {
      grid,
      name: `${name}.png`,
      format: 'png',
      width: SIDE,
      height: SIDE,
    });
    photos.set(file, grid);
  }
  library = await openGapLibrary(await newDb());
  expect((await library.index([root])).failed).toEqual([]);
});

afterAll(async () => {
  await library.close();
  await removeDir(root);
  for (const db of dbs) await removeDir(db);
});

/** Every photo's score for `query`, by path. */
async function scoresOf(lib: Library, query: string): Promise<Map<string, number>> {
  const results = await lib.search(query, { noCutoff: true, limit: 100 });
  expect(results).toHaveLength(photos.size);
  return new Map(results.map((r) => [r.path, r.score]));
}

/** What the reference maths says a photo scores for the token ids of a query. */
function referenceScores(ids: readonly number[]): Map<string, number> {
  const text = gapTextEmbedding(ids);
  const plane = SIDE * SIDE;
  return new Map(
    [...photos].map(([file, grid]) => {
      const hwc = gridPixels(grid, SIDE, SIDE);
      const pixels = new Float32Array(3 * plane);
      for (let c = 0; c < 3; c++)
        for (let i = 0; i < plane; i++)
          pixels[c * plane + i] =
            ((hwc[i * 3 + c] ?? 0) / 255 - (CLIP_MEAN[c] ?? 0)) / (CLIP_STD[c] ?? 1);
      return [file, gapCosine(text, gapImageEmbedding({ pixels, height: SIDE, width: SIDE }))];
    }),
  );
}

function largestDifference(a: Map<string, number>, b: Map<string, number>): number {
  let worst = 0;
  for (const [file, score] of a) worst = Math.max(worst, Math.abs(score - (b.get(file) ?? NaN)));
  return Number.isNaN(worst) ? Infinity : worst;
}

const QUERIES = ['orange', 'a photo of a blue car', 'purple flowers in a garden'];

/** A model folder whose models.json is toy-clip-gap's with other figures. */
async function mistakenModels(
  vision: Partial<ClipModel['vision']>,
  text: Partial<ClipModel['text']> = {},
): Promise<string> {
  const source = inject('toyModelsDir');
  const manifest = ManifestSchema.parse(
    JSON.parse(await readFile(path.join(source, 'models.json'), 'utf8')),
  );
  const entry = manifest.models.find((m) => m.id === 'toy-clip-gap');
  if (entry?.task !== 'clip') throw new Error('toy-clip-gap missing from the toy models.json');
  const dir = await newDb();
  await cp(path.join(source, entry.id), path.join(dir, entry.id), { recursive: true });
  const mistaken = {
    ...entry,
    vision: { ...entry.vision, ...vision },
    text: { ...entry.text, ...text },
  };
  await writeFile(
    path.join(dir, 'models.json'),
    JSON.stringify({ version: 1, models: [mistaken] }),
  );
  return dir;
}

describe('a wrong mean/std in the manifest changes the scores', () => {
  it("Lantern's path with the right figures matches the reference", async () => {
    for (const query of QUERIES) {
      const ids = clipTokenIds(tokenizer, query);
      expect(largestDifference(await scoresOf(library, query), referenceScores(ids))).toBeLessThan(
        TOLERANCE,
      );
    }
  });

  it.each<[string, Pick<ClipModel['vision'], 'mean' | 'std'>]>([
    ['ImageNet mean/std', { mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225] }],
    ['mean/std of 0.5', { mean: [0.5, 0.5, 0.5], std: [0.5, 0.5, 0.5] }],
    ['no normalisation', { mean: [0, 0, 0], std: [1, 1, 1] }],
    ['mean and std swapped', { mean: CLIP_STD, std: CLIP_MEAN }],
  ])('%s', async (_, vision) => {
    const mistaken = await openGapLibrary(await newDb(), {
      modelsDir: await mistakenModels(vision),
    });
    try {
      expect((await mistaken.index([root])).failed).toEqual([]);
      let worst = 0;
      for (const query of QUERIES) {
        const difference = largestDifference(
          await scoresOf(mistaken, query),
          await scoresOf(library, query),
        );
        worst = Math.max(worst, difference);
      }
      expect(worst).toBeGreaterThan(MISTAKE_SHOWS);
    } finally {
      await mistaken.close();
    }
  });
});

type EncodeBatch = ClipTokenizer['encodeBatch'];
type RowEncoder = (tokens: number[], contextLength: number, padToken: number) => number[];

/** Replaces Lantern's batch encoding by one that lays out each row with `row`. */
function mistake(row: RowEncoder): void {
  vi.spyOn(ClipTokenizer.prototype, 'encodeBatch').mockImplementation(function (
    this: ClipTokenizer,
    texts,
    contextLength,
    padToken,
  ): ReturnType<EncodeBatch> {
    const ids = new BigInt64Array(texts.length * contextLength);
    const mask = new BigInt64Array(texts.length * contextLength).fill(1n);
    texts.forEach((text, n) => {
      const laid = row(this.encode(text), contextLength, padToken);
      if (laid.length !== contextLength) throw new Error(`a row of ${laid.length} ids`);
      ids.set(laid.map(BigInt), n * contextLength);
    });
    return { ids, mask };
  });
}

const fill = (length: number, value: number) => new Array<number>(Math.max(0, length)).fill(value);

describe('token layout mistakes change the scores', () => {
  afterEach(() => vi.restoreAllMocks());

  async function expectMistakeShows(row: RowEncoder, queries: readonly string[]): Promise<void> {
    const correct = await Promise.all(queries.map((q) => scoresOf(library, q)));
    queries.forEach((q, i) => {
      const reference = referenceScores(clipTokenIds(tokenizer, q));
      expect(largestDifference(correct[i] ?? new Map<string, number>(), reference), q).toBeLessThan(
        TOLERANCE,
      );
    });
    mistake(row);
    let worst = 0;
    for (const [i, q] of queries.entries())
      worst = Math.max(
        worst,
        largestDifference(await scoresOf(library, q), correct[i] ?? new Map<string, number>()),
      );
    expect(worst).toBeGreaterThan(MISTAKE_SHOWS);
  }

  const S = CLIP_START_TOKEN;
  const E = CLIP_END_TOKEN;

  it('the mistake replacement itself changes nothing when it lays rows out correctly', async () => {
    const before = await scoresOf(library, QUERIES[1] ?? '');
    mistake((t, n, pad) => [S, ...t.slice(0, n - 2), E, ...fill(n - t.length - 2, pad)]);
    expect(largestDifference(await scoresOf(library, QUERIES[1] ?? ''), before)).toBeLessThan(1e-6);
  });

  it.each<[string, RowEncoder]>([
    ['end token missing, padded with 0', (t, n) => [S, ...t, ...fill(n - t.length - 1, 0)]],
    ['end token moved to the end, 0 between', (t, n) => [S, ...t, ...fill(n - t.length - 2, 0), E]],
    ['start token missing', (t, n, pad) => [...t, E, ...fill(n - t.length - 1, pad)]],
    ['padded before the text', (t, n, pad) => [...fill(n - t.length - 2, pad), S, ...t, E]],
    [
      'padded with 0 before the end token',
      (t, n) => [S, ...t, 0, 0, 0, E, ...fill(n - t.length - 5, 0)],
    ],
  ])('%s', async (_, row) => {
    await expectMistakeShows(row, QUERIES);
  });

  it('padding with 0 after the end token changes nothing, as in real CLIP', async () => {
    const before = await Promise.all(QUERIES.map((q) => scoresOf(library, q)));
    mistake((t, n) => [S, ...t, E, ...fill(n - t.length - 2, 0)]);
    for (const [i, q] of QUERIES.entries())
      expect(
        largestDifference(await scoresOf(library, q), before[i] ?? new Map<string, number>()),
      ).toBeLessThan(1e-6);
  });
});

describe('truncating a long text anywhere but after 75 tokens changes the scores', () => {
  afterEach(() => vi.restoreAllMocks());

  const FILLER = 'the old house near a river with tall trees and a small garden'.split(' ');
  /** 74 filler tokens, "blue" as the 75th, "red" as the 76th, then more filler. */
  const LONG = [
    ...Array.from({ length: 74 }, (_, i) => FILLER[i % FILLER.length]),
    'blue',
    'red',
    ...FILLER,
  ].join(' ');
  const S = CLIP_START_TOKEN;
  const E = CLIP_END_TOKEN;

  it('the long text is laid out as the test needs', () => {
    const tokens = tokenizer.encode(LONG);
    expect(tokens.length).toBeGreaterThan(77);
    expect(tokens[74]).toBe(tokenizer.encode('blue')[0]);
    expect(tokens[75]).toBe(tokenizer.encode('red')[0]);
  });

  it('Lantern keeps the start token, the first 75 tokens and the end token, as the reference does', async () => {
    const ids = clipTokenIds(tokenizer, LONG);
    expect(ids).toHaveLength(77);
    const scores = await scoresOf(library, LONG);
    expect(largestDifference(scores, referenceScores(ids))).toBeLessThan(TOLERANCE);
  });

  it.each<[string, (t: number[], n: number) => number[]]>([
    ['keeping 76 tokens and dropping the end token', (t, n) => [S, ...t.slice(0, n - 1)]],
    ['keeping only 74 tokens', (t, n) => [S, ...t.slice(0, n - 3), E, E]],
    ['keeping the last 75 tokens', (t, n) => [S, ...t.slice(-(n - 2)), E]],
  ])('%s', async (_, row) => {
    const correct = await scoresOf(library, LONG);
    mistake((t, n) => row(t, n));
    expect(largestDifference(await scoresOf(library, LONG), correct)).toBeGreaterThan(
      MISTAKE_SHOWS,
    );
  });

  it('a context longer than the real export takes fails on the toy as on the real model', async () => {
    const mistaken = await openGapLibrary(await newDb(), {
      modelsDir: await mistakenModels({}, { contextLength: 78 }),
    });
    try {
      // Padded only to the longest text (the manifest's `padding`), a short query never
      // reaches the 78th position; a text as long as the context does.
      await expect(mistaken.search(LONG, { noCutoff: true })).rejects.toThrow();
    } finally {
      await mistaken.close();
    }
  });
});
