/**
 * @file The detector as Lantern runs it (registry, onnxruntime-node, CLIP BPE, input.ts,
 * boxes.ts) on toy-detect: a coloured rectangle on a striped background comes back boxed
 * with IoU ≥ 0.8 in the photo's upright pixels, also when the photo is stored turned with
 * EXIF orientation 3, 6 or 8 and when it is far from square; two rectangles of one
 * colour give two boxes; thresholds filter; a threshold change or an added prompt is
 * answered from the cache without running the model on what it already answered.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { openRegistry } from '../../electron/engine/library.js';
import type { ModelRegistry } from '../../electron/engine/models/registry.js';
import { iou, type Box } from '../../electron/engine/vision/boxes.js';
import { Detector, defaultPromptModelId } from '../../electron/engine/vision/prompt-models.js';
import type { Rgb } from '../fixtures/images.js';
import { countModelRuns, type RunCounter } from '../fixtures/model-runs.js';
import { orientedJpeg, type Rect } from '../fixtures/oriented-photos.js';

const RED: Rgb = [220, 30, 30];
const STRIPES: readonly Rgb[] = [
  [30, 70, 220],
  [240, 220, 40],
];

/** Rectangles of `fill` on 8 px blue and yellow stripes, as a painter for orientedJpeg. */
function painter(rects: readonly Rect[], fill: Rgb = RED) {
  return (x: number, y: number): Rgb =>
    rects.some((r) => x >= r[0] && x < r[2] && y >= r[1] && y < r[3])
      ? fill
      : STRIPES[Math.floor(x / 8) % 2]!;
}

let dir: string;
let registry: ModelRegistry;
let detector: Detector;

async function photo(
  name: string,
  size: { width: number; height: number },
  rects: readonly Rect[],
  orientation = 1,
): Promise<string> {
  const file = path.join(dir, name);
  await writeFile(file, await orientedJpeg(size, orientation, painter(rects)));
  return file;
}

/** Counts the detector's runs, in-process or on its thread (fixtures/model-runs.ts). */
async function countRuns(): Promise<RunCounter> {
  const resolved = await registry.resolvePromptModel('toy-detect', 'detect');
  return countModelRuns(resolved.modelPath);
}

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'lantern-vision-detect-'));
  registry = await openRegistry({ modelsDir: inject('toyModelsDir') });
  detector = await Detector.load(registry, 'toy-detect', { provider: 'cpu' });
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('detector: one rectangle in original pixels', () => {
  const cases = [
    { name: 'upright 4:3', size: { width: 640, height: 480 }, orientation: 1 },
    { name: 'orientation 3', size: { width: 600, height: 400 }, orientation: 3 },
    { name: 'orientation 6', size: { width: 600, height: 400 }, orientation: 6 },
    { name: 'orientation 8', size: { width: 400, height: 600 }, orientation: 8 },
    { name: 'a panorama, 5:2', size: { width: 1000, height: 400 }, orientation: 1 },
  ];
  for (const { name, size, orientation } of cases) {
    it(`boxes it with IoU ≥ 0.8 (${name})`, async () => {
      // Off-centre and off the model's patch grid, so a wrong orientation or axis misses.
      const rect: Rect = [
        Math.round(size.width * 0.22),
        Math.round(size.height * 0.3),
        Math.round(size.width * 0.71),
        Math.round(size.height * 0.83),
      ];
      const file = await photo(`one-${orientation}-${size.width}.jpg`, size, [rect], orientation);
      const result = await detector.detect(file, ['red', 'green']);
      expect([result.width, result.height]).toEqual([size.width, size.height]);
      const best = result.detections[0];
      expect(best?.label).toBe('red');
      expect(best!.score).toBeGreaterThan(0.99);
      expect(iou(best!.box, rect)).toBeGreaterThanOrEqual(0.8);
      expect(result.detections.filter((d) => d.label === 'green')).toEqual([]);
    });
  }
});

describe('detector: counting, thresholds and prompts', () => {
  it('finds two separate rectangles of one colour as two boxes', async () => {
    // 768 × 576 squashes to 768²: rectangles on the 32 px patch grid leave no half-red
    // border patches, whose own small boxes the toy would add (it has no box regression).
    const left: Rect = [96, 144, 320, 432];
    const right: Rect = [448, 72, 672, 336];
    const file = await photo('two.jpg', { width: 768, height: 576 }, [left, right]);
    const { detections } = await detector.detect(file, ['red']);
    expect(detections).toHaveLength(2);
    const boxes = detections.map((d) => d.box).sort((a, b) => a[0] - b[0]);
    expect(iou(boxes[0]!, left)).toBeGreaterThanOrEqual(0.8);
    expect(iou(boxes[1]!, right)).toBeGreaterThanOrEqual(0.8);
  });

  it('drops what falls below the threshold, for all prompts or per prompt', async () => {
    const rect: Rect = [192, 144, 448, 432];
    const file = await photo('threshold.jpg', { width: 768, height: 576 }, [rect]);
    const found = await detector.detect(file, ['red', 'a photo']);
    expect(found.detections.map((d) => d.label)).toEqual(['red']);
    // sigmoid(8), the toy's best score, is 0.99966.
    expect((await detector.detect(file, ['red'], { threshold: 0.9999 })).detections).toEqual([]);
    const perPrompt = await detector.detect(file, ['red', 'a photo'], { threshold: [0.5, 0] });
    expect(perPrompt.detections.some((d) => d.label === 'a photo')).toBe(true);
    expect(perPrompt.detections.filter((d) => d.label === 'red')).toHaveLength(1);
  });

  it('answers a threshold change and a repeated prompt from the cache', async () => {
    const file = await photo('cache.jpg', { width: 640, height: 480 }, [[64, 48, 320, 240]]);
    const runs = await countRuns();
    await detector.detect(file, ['red']);
    expect(runs.count()).toBe(1);
    await detector.detect(file, ['red'], { threshold: 0.5 });
    await detector.detect(file, ['red'], { threshold: 0.01 });
    expect(runs.count()).toBe(1);
    // An added prompt runs the model for that prompt only; then both are cached.
    const both = await detector.detect(file, ['green', 'red']);
    expect(runs.count()).toBe(2);
    expect(both.detections[0]?.label).toBe('red');
    await detector.detect(file, ['red', 'green'], { threshold: 0.3 });
    expect(runs.count()).toBe(2);
    runs.stop();
  });

  it('runs again when the photo changes in place', async () => {
    const file = await photo('edited.jpg', { width: 640, height: 480 }, [[64, 48, 320, 240]]);
    const before = await detector.detect(file, ['red']);
    await photo('edited.jpg', { width: 640, height: 480 }, [[320, 240, 576, 432]]);
    const after = await detector.detect(file, ['red']);
    const moved: Box = [320, 240, 576, 432];
    expect(iou(before.detections[0]!.box, moved)).toBe(0);
    expect(iou(after.detections[0]!.box, moved)).toBeGreaterThanOrEqual(0.8);
  });

  it('takes the photo as bytes as well as a path', async () => {
    const rect: Rect = [100, 120, 400, 360];
    const bytes = await orientedJpeg({ width: 640, height: 480 }, 6, painter([rect]));
    const result = await detector.detect(bytes, ['red']);
    expect(iou(result.detections[0]!.box, rect)).toBeGreaterThanOrEqual(0.8);
  });

  it('refuses an empty prompt with a sentence', async () => {
    const file = await photo('empty.jpg', { width: 64, height: 64 }, []);
    await expect(detector.detect(file, ['red', '  '])).rejects.toMatchObject({
      code: 'INVALID_INPUT',
    });
  });

  it('defaults to the first installed detector, and names the fetch command when none is', async () => {
    expect(defaultPromptModelId(registry, 'detect')).toBe('toy-detect');
    const empty = await openRegistry({ modelsDir: path.join(dir, 'no-models') });
    const id = defaultPromptModelId(empty, 'detect');
    expect(id).toBe('owlvit-b32');
    await expect(Detector.load(empty, id)).rejects.toMatchObject({
      code: 'MODEL_MISSING',
      message: expect.stringContaining('npx lantern models fetch owlvit-b32') as string,
    });
  });
});
