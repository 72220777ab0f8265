/**
 * @file `toy-clip-gap` (TOY_MODELS.md, "toy CLIP with real geometry"): its ONNX graphs
 * compute exactly the maths of toy-clip-gap-reference.ts, and through Lantern's whole
 * pipeline (sharp, the CLIP tokenizer, onnxruntime-node, LanceDB) its scores have the
 * shape of real CLIP ViT-B/32 that TOY_MODELS.md states.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { Library } from '../../electron/engine/library.js';
import { ManifestSchema } from '../../electron/engine/models/manifest.js';
import type { ClipModel } from '../../electron/engine/models/manifest.js';
import { ClipTokenizer } from '../../electron/engine/tokenizer/clip-bpe.js';
import { loadSession, releaseSessions, runFloat } from '../../native/onnx/index.js';
import type { LoadedSession, OnnxError } from '../../native/onnx/index.js';
import { Prng } from '../bench/measure.js';
import { gridPixels, realLookingGrid, writeGridPhoto } from '../fixtures/grid-photos.js';
import type { ColourGrid } from '../fixtures/grid-photos.js';
import { openGapLibrary, removeDir, tempDir } from '../fixtures/library.js';
import { writePhoto } from '../fixtures/photos.js';
import { TOY_COLOURS } from '../toy-models/colours.js';
import type { ColourWord } from '../toy-models/colours.js';
import { CLIP_VOCABULARY, readBundledSignature } from '../toy-models/toy-clip.js';
import { gapImageEmbedding, gapTextEmbedding } from '../toy-models/toy-clip-gap-reference.js';

const tokenizer = ClipTokenizer.fromFile(CLIP_VOCABULARY);

function closeTo(actual: ArrayLike<number>, expected: ArrayLike<number>, what: string): void {
  expect(actual.length, what).toBe(expected.length);
  let worst = 0;
  for (let i = 0; i < expected.length; i++)
    worst = Math.max(worst, Math.abs((actual[i] ?? 0) - (expected[i] ?? 0)));
  expect(worst, what).toBeLessThan(1e-4);
}

/** A grid as the CHW tensor Lantern feeds: `(raw/255 − mean) / std` with the manifest's figures. */
function tensorOf(model: ClipModel, grid: ColourGrid, width: number, height: number): Float32Array {
  const hwc = gridPixels(grid, width, height);
  const out = new Float32Array(3 * width * height);
  const { rescale, mean, std } = model.vision;
  for (let c = 0; c < 3; c++)
    for (let i = 0; i < width * height; i++)
      out[c * width * height + i] =
        ((hwc[i * 3 + c] ?? 0) * rescale - (mean[c] ?? 0)) / (std[c] ?? 1);
  return out;
}

describe('toy-clip-gap graphs equal the reference maths', () => {
  let model: ClipModel;
  let vision: LoadedSession;
  let text: LoadedSession;

  beforeAll(async () => {
    const dir = inject('toyModelsDir');
    const manifest = ManifestSchema.parse(
      JSON.parse(await readFile(path.join(dir, 'models.json'), 'utf8')),
    );
    const entry = manifest.models.find((m) => m.id === 'toy-clip-gap');
    if (entry?.task !== 'clip') throw new Error('toy-clip-gap missing from the toy models.json');
    model = entry;
    vision = await loadSession(path.join(dir, entry.files.vision.path), { provider: 'cpu' });
    text = await loadSession(path.join(dir, entry.files.text.path), { provider: 'cpu' });
  });

  afterAll(() => releaseSessions());

  it('is hidden and has the bundled CLIP signature, with a dynamic text length', () => {
    const real = readBundledSignature();
    expect(model).toMatchObject({ hidden: true, embeddingSize: real.embeddingSize });
    expect(model.vision).toEqual(real.vision);
    expect(model.text).toEqual({ tokenizer: 'clip-bpe', ...real.text });
    expect(vision.inputs[0]).toMatchObject({ type: 'float32', shape: ['N', 3, 'H', 'W'] });
    expect(text.inputs[0]).toMatchObject({
      name: real.text.input,
      type: 'int64',
      shape: ['N', 'L'],
    });
    expect(text.outputNames).toEqual([real.text.output]);
  });

  it('embeds solid, multi-colour and real-looking images as the reference does, at any size', async () => {
    const rng = new Prng(7);
    const grids: ColourGrid[] = [
      [[TOY_COLOURS.orange]],
      [[TOY_COLOURS.gray]],
      [
        [TOY_COLOURS.red, TOY_COLOURS.blue, TOY_COLOURS.white],
        [TOY_COLOURS.green, TOY_COLOURS.black, TOY_COLOURS.yellow],
      ],
      realLookingGrid(rng),
      realLookingGrid(rng),
    ];
    for (const [width, height] of [
      [224, 224],
      [37, 23],
      [230, 190],
    ] as const) {
      const plane = 3 * width * height;
      const batch = new Float32Array(grids.length * plane);
      grids.forEach((grid, n) => batch.set(tensorOf(model, grid, width, height), n * plane));
      const { data, dims } = await runFloat(vision, {
        [model.vision.input]: { data: batch, dims: [grids.length, 3, height, width] },
      });
      expect(dims).toEqual([grids.length, 512]);
      grids.forEach((grid, n) => {
        const expected = gapImageEmbedding({
          pixels: tensorOf(model, grid, width, height),
          height,
          width,
        });
        closeTo(
          data.subarray(n * 512, (n + 1) * 512),
          expected,
          `image ${n} at ${width}×${height}`,
        );
      });
    }
  });

  const TEXTS = [
    'a photo of a blue car',
    'orange',
    '',
    'red and green stripes on a purple wall',
    'a dog running on the beach at sunset',
    Array.from({ length: 40 }, (_, i) => `word${i} blue`).join(' '), // longer than the context
  ];

  it('embeds texts as the reference does, fed as Lantern feeds them', async () => {
    const { contextLength, padToken, input } = model.text;
    const { ids } = tokenizer.encodeBatch(TEXTS, contextLength, padToken);
    const { data } = await runFloat(text, {
      [input]: { data: ids, dims: [TEXTS.length, contextLength] },
    });
    TEXTS.forEach((t, n) => {
      const row = ids.subarray(n * contextLength, (n + 1) * contextLength);
      closeTo(data.subarray(n * 512, (n + 1) * 512), gapTextEmbedding(row), `"${t.slice(0, 30)}"`);
    });
  });

  it('takes any sequence length up to the context, and fails beyond it as the real export does', async () => {
    const { input, contextLength } = model.text;
    const short = BigInt64Array.from([
      49406n,
      ...tokenizer.encode('a blue car').map(BigInt),
      49407n,
    ]);
    const { data } = await runFloat(text, { [input]: { data: short, dims: [1, short.length] } });
    closeTo(data, gapTextEmbedding(short), 'unpadded ids');
    const tooLong = new BigInt64Array(contextLength + 1).fill(49407n);
    tooLong[0] = 49406n;
    const error = await runFloat(text, {
      [input]: { data: tooLong, dims: [1, tooLong.length] },
    }).then(
      () => null,
      (e: unknown) => e as OnnxError,
    );
    expect(error?.code).toBe('INFERENCE_FAILED');
  });
});

/** Mean and standard deviation. */
function stats(values: readonly number[]): { mean: number; sd: number } {
  const mean = values.reduce((a, b) => a + b, 0) / values.length;
  const sd = Math.sqrt(values.reduce((a, b) => a + (b - mean) ** 2, 0) / values.length);
  return { mean, sd };
}

describe('toy-clip-gap through Lantern has the score shape of real CLIP', () => {
  let root: string;
  let db: string;
  let library: Library;
  const solid = new Map<ColourWord, string>();
  const real: string[] = [];
  let duplicate: [string, string];

  beforeAll(async () => {
    root = await tempDir();
    db = await tempDir();
    for (const colour of ['orange', 'blue', 'purple', 'green', 'red', 'gray'] as const)
      solid.set(colour, await writePhoto(path.join(root, 'solid'), { colour }));
    const rng = new Prng(2024);
    for (let i = 0; i < 30; i++) {
      real.push(
        await writeGridPhoto(path.join(root, 'real'), {
          grid: realLookingGrid(rng),
          name: `photo-${i}.jpg`,
          width: 200 + 20 * (i % 5),
          height: 150 + 15 * (i % 4),
        }),
      );
    }
    const grid = realLookingGrid(rng);
    duplicate = [
      await writeGridPhoto(path.join(root, 'dup'), { grid, name: 'a.jpg', quality: 95 }),
      await writeGridPhoto(path.join(root, 'dup'), {
        grid,
        name: 'b.jpg',
        width: 320,
        height: 240,
        quality: 75,
      }),
    ];
    library = await openGapLibrary(db);
    const report = await library.index([root]);
    expect(report.failed).toEqual([]);
  });

  afterAll(async () => {
    await library.close();
    await removeDir(root);
    await removeDir(db);
  });

  async function scores(query: string): Promise<Map<string, number>> {
    const results = await library.search(query, { noCutoff: true, limit: 1000 });
    return new Map(results.map((r) => [r.path, r.score]));
  }

  it.each(['orange', 'blue', 'purple', 'green'] as const)(
    'a solid photo of the colour scores ≈ 0.34 for "%s", well above real photos',
    async (colour) => {
      const found = await scores(colour);
      const match = found.get(solid.get(colour) ?? '') ?? Number.NaN;
      expect(match).toBeGreaterThan(0.31);
      expect(match).toBeLessThan(0.37);
      const baseline = stats(real.map((p) => found.get(p) ?? Number.NaN));
      expect(match - baseline.mean).toBeGreaterThan(0.05);
    },
  );

  it.each(['purple', 'orange', 'blue', 'zxqvbn'])(
    'real-looking photos score around a baseline of 0.2–0.27 with a spread of 0.02–0.04 for "%s"',
    async (query) => {
      const found = await scores(query);
      const { mean, sd } = stats(real.map((p) => found.get(p) ?? Number.NaN));
      expect(mean).toBeGreaterThan(0.17);
      expect(mean).toBeLessThan(0.3);
      expect(sd).toBeGreaterThan(0.01);
      expect(sd).toBeLessThan(0.05);
    },
  );

  it('the baseline moves with the query', async () => {
    const means = await Promise.all(
      ['purple', 'orange', 'zxqvbn'].map(async (q) => {
        const found = await scores(q);
        return stats(real.map((p) => found.get(p) ?? Number.NaN)).mean;
      }),
    );
    expect(Math.max(...means) - Math.min(...means)).toBeGreaterThan(0.02);
  });

  it('unrelated photos resemble each other at ≈ 0.5–0.7 and near-duplicates at ≈ 1', async () => {
    const [first, second] = duplicate;
    const similar = await library.similar(first, { noCutoff: true, limit: 1000 });
    const byPath = new Map(similar.map((r) => [r.path, r.score]));
    expect(byPath.get(second)).toBeGreaterThan(0.97);
    const unrelated = real.map((p) => byPath.get(p) ?? Number.NaN);
    const sorted = [...unrelated].sort((a, b) => a - b);
    const median = sorted[sorted.length >> 1] ?? Number.NaN;
    expect(median).toBeGreaterThan(0.5);
    expect(median).toBeLessThan(0.8);
    expect(Math.max(...unrelated)).toBeLessThan(0.97);
  });
});
