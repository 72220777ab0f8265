/**
 * @file The segmenter as Lantern runs it (registry, onnxruntime-node, CLIP BPE, input.ts,
 * masks.ts) on toy-segment: a coloured rectangle's mask has IoU ≥ 0.9 with the truth in
 * the photo's upright pixels, also under EXIF orientations 3, 6 and 8 and for a photo far
 * from square; two prompts get one mask each; a higher threshold never grows a mask; a
 * threshold change is answered from the cache without running the model.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { openRegistry } from '../../electron/engine/library.js';
import type { ModelRegistry } from '../../electron/engine/models/registry.js';
import type { MaskImage } from '../../electron/engine/vision/masks.js';
import { Segmenter } from '../../electron/engine/vision/prompt-models.js';
import { countModelRuns } from '../fixtures/model-runs.js';
import type { Rgb } from '../fixtures/images.js';
import { orientedJpeg, type Rect } from '../fixtures/oriented-photos.js';
import { rectangleMask } from '../fixtures/vision-photos.js';

const RED: Rgb = [220, 30, 30];
const GREEN: Rgb = [40, 170, 60];
const STRIPES: readonly Rgb[] = [
  [30, 70, 220],
  [240, 220, 40],
];

interface Painted {
  rect: Rect;
  fill: Rgb;
}

function painter(shapes: readonly Painted[]) {
  return (x: number, y: number): Rgb =>
    shapes.find(({ rect: r }) => x >= r[0] && x < r[2] && y >= r[1] && y < r[3])?.fill ??
    STRIPES[Math.floor(x / 8) % 2]!;
}

/** Intersection over union of two masks of one size. */
function maskIou(a: MaskImage, b: MaskImage): number {
  expect([a.width, a.height]).toEqual([b.width, b.height]);
  let both = 0;
  let either = 0;
  for (let i = 0; i < a.data.length; i++) {
    const inA = a.data[i]! >= 128;
    const inB = b.data[i]! >= 128;
    if (inA && inB) both++;
    if (inA || inB) either++;
  }
  return either === 0 ? 0 : both / either;
}

let dir: string;
let registry: ModelRegistry;
let segmenter: Segmenter;

async function photo(
  name: string,
  size: { width: number; height: number },
  shapes: readonly Painted[],
  orientation = 1,
): Promise<string> {
  const file = path.join(dir, name);
  await writeFile(file, await orientedJpeg(size, orientation, painter(shapes)));
  return file;
}

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'lantern-vision-segment-'));
  registry = await openRegistry({ modelsDir: inject('toyModelsDir') });
  segmenter = await Segmenter.load(registry, 'toy-segment', { provider: 'cpu' });
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('segmenter: a rectangle masked in original pixels', () => {
  const cases = [
    { name: 'upright 4:3', size: { width: 640, height: 480 }, orientation: 1 },
    { name: 'orientation 3', size: { width: 600, height: 400 }, orientation: 3 },
    { name: 'orientation 6', size: { width: 600, height: 400 }, orientation: 6 },
    { name: 'orientation 8', size: { width: 400, height: 600 }, orientation: 8 },
    { name: 'a tall photo, 1:3', size: { width: 300, height: 900 }, orientation: 1 },
  ];
  for (const { name, size, orientation } of cases) {
    it(`has IoU ≥ 0.9 with the truth (${name})`, async () => {
      const rect: Rect = [
        Math.round(size.width * 0.15),
        Math.round(size.height * 0.35),
        Math.round(size.width * 0.62),
        Math.round(size.height * 0.9),
      ];
      const file = await photo(
        `one-${orientation}-${size.width}.jpg`,
        size,
        [{ rect, fill: RED }],
        orientation,
      );
      const result = await segmenter.segment(file, ['red']);
      expect([result.width, result.height]).toEqual([size.width, size.height]);
      const [only] = result.masks;
      expect(only?.label).toBe('red');
      const truth = rectangleMask(size.width, size.height, rect);
      expect(maskIou(only!.mask, truth)).toBeGreaterThanOrEqual(0.9);
      expect(only!.mask.coverage).toBeCloseTo(truth.coverage, 1);
    });
  }
});

describe('segmenter: prompts, thresholds and the cache', () => {
  const size = { width: 640, height: 480 };
  const red: Rect = [40, 60, 280, 400];
  const green: Rect = [360, 100, 600, 300];

  it('gives each prompt its own mask, and nothing for a prompt that names nothing there', async () => {
    const file = await photo('two.jpg', size, [
      { rect: red, fill: RED },
      { rect: green, fill: GREEN },
    ]);
    const { masks } = await segmenter.segment(file, ['green', 'red', 'purple']);
    expect(masks.map((m) => m.label)).toEqual(['green', 'red', 'purple']);
    const [g, r, p] = masks.map((m) => m.mask);
    expect(maskIou(g!, rectangleMask(size.width, size.height, green))).toBeGreaterThanOrEqual(0.9);
    expect(maskIou(r!, rectangleMask(size.width, size.height, red))).toBeGreaterThanOrEqual(0.9);
    // Only a hairline where red meets blue blends to purple.
    expect(p!.coverage).toBeLessThan(0.005);
  });

  it('never grows a mask as the threshold rises, and reruns nothing to say so', async () => {
    const file = await photo('threshold.jpg', size, [{ rect: red, fill: RED }]);
    const resolved = await registry.resolvePromptModel('toy-segment', 'segment');
    const runs = await countModelRuns(resolved.modelPath);
    const coverages: number[] = [];
    for (const threshold of [0.05, 0.5, 0.95, 0.9999]) {
      const { masks } = await segmenter.segment(file, ['red'], { threshold });
      coverages.push(masks[0]!.mask.coverage);
    }
    runs.stop();
    expect(runs.count()).toBe(1);
    for (let i = 1; i < coverages.length; i++)
      expect(coverages[i]).toBeLessThanOrEqual(coverages[i - 1]!);
    // sigmoid(8), the toy's best logit, is below 0.9999: nothing is that sure.
    expect(coverages.at(-1)).toBe(0);
    expect(coverages[1]).toBeGreaterThan(0.2);
  });

  it('refuses a threshold that keeps everything or nothing', async () => {
    const file = await photo('bad-threshold.jpg', size, [{ rect: red, fill: RED }]);
    await expect(segmenter.segment(file, ['red'], { threshold: 1 })).rejects.toMatchObject({
      code: 'INVALID_INPUT',
    });
  });
});
