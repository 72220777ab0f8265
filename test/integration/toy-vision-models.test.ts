/**
 * @file The toy detector and toy segmenter of TOY_MODELS.md, run through the real CLIP
 * tokenizer and onnxruntime-node on painted tensors: colour words find their colours,
 * every patch of a coloured rectangle boxes that rectangle, two rectangles give two
 * boxes, a query without a colour word scores −8, and the segmenter's positive logits
 * are exactly the pixels of the colour. Runs under vitest.
 */
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { ManifestSchema } from '../../electron/engine/models/manifest.js';
import type { ModelFile } from '../../electron/engine/models/manifest.js';
import { ClipTokenizer } from '../../electron/engine/tokenizer/clip-bpe.js';
import { TOY_COLOURS } from '../toy-models/colours.js';
import type { Rgb } from '../toy-models/colours.js';
import { generateToyModels } from '../toy-models/generate.js';
import { CLIP_VOCABULARY } from '../toy-models/toy-clip.js';

/** The fields of a toy detect/segment entry this test relies on (the schema is loose today). */
interface ToyVisionEntry {
  id: string;
  task: 'detect' | 'segment';
  hidden: boolean;
  files: { model: ModelFile };
  vision: {
    size: number;
    resize: string;
    rescale: number;
    mean: [number, number, number];
    std: [number, number, number];
  };
  text: { tokenizer: string; contextLength: number; padToken: number };
}

/** A rectangle in input-tensor pixels, right and bottom exclusive. */
interface Rect {
  x0: number;
  y0: number;
  x1: number;
  y1: number;
  colour: Rgb;
}

const dir = inject('toyModelsDir');
const tokenizer = ClipTokenizer.fromFile(CLIP_VOCABULARY);
const GRID = 24;
const PATCH = 32;
let detectEntry: ToyVisionEntry;
let segmentEntry: ToyVisionEntry;
let detector: ort.InferenceSession;
let segmenter: ort.InferenceSession;

beforeAll(async () => {
  const manifest = ManifestSchema.parse(
    JSON.parse(await readFile(join(dir, 'models.json'), 'utf8')),
  );
  const find = (id: string) => {
    const entry = manifest.models.find((m) => m.id === id);
    if (!entry) throw new Error(`${id} missing from the generated models.json`);
    return entry as unknown as ToyVisionEntry;
  };
  detectEntry = find('toy-detect');
  segmentEntry = find('toy-segment');
  detector = await ort.InferenceSession.create(join(dir, detectEntry.files.model.path));
  segmenter = await ort.InferenceSession.create(join(dir, segmentEntry.files.model.path));
});

afterAll(async () => {
  await detector.release();
  await segmenter.release();
});

/** `[rows,3,size,size]` of `background` with `rects` painted on, normalised as `entry` states. */
function paint(entry: ToyVisionEntry, background: Rgb, rects: readonly Rect[], rows = 1) {
  const { size, rescale, mean, std } = entry.vision;
  const plane = size * size;
  const data = new Float32Array(rows * 3 * plane);
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const hit = rects.find((r) => x >= r.x0 && x < r.x1 && y >= r.y0 && y < r.y1);
      const rgb = hit?.colour ?? background;
      for (let c = 0; c < 3; c++)
        data[c * plane + y * size + x] = ((rgb[c] ?? 0) * rescale - (mean[c] ?? 0)) / (std[c] ?? 1);
    }
  }
  for (let row = 1; row < rows; row++) data.copyWithin(row * 3 * plane, 0, 3 * plane);
  return new ort.Tensor('float32', data, [rows, 3, size, size]);
}

function prompts(entry: ToyVisionEntry, texts: readonly string[]) {
  const { contextLength, padToken } = entry.text;
  const { ids, mask } = tokenizer.encodeBatch(texts, contextLength, padToken);
  const dims = [texts.length, contextLength];
  return {
    input_ids: new ort.Tensor('int64', ids, dims),
    attention_mask: new ort.Tensor('int64', mask, dims),
  };
}

async function detect(rects: readonly Rect[], texts: readonly string[]) {
  const out = await detector.run({
    ...prompts(detectEntry, texts),
    pixel_values: paint(detectEntry, TOY_COLOURS.blue, rects),
  });
  const logits = out.logits;
  const boxes = out.pred_boxes;
  if (!logits || !boxes) throw new Error('toy-detect answered without logits or pred_boxes');
  expect(logits.dims).toEqual([1, GRID * GRID, texts.length]);
  expect(boxes.dims).toEqual([1, GRID * GRID, 4]);
  const l = logits.data as Float32Array;
  const b = boxes.data as Float32Array;
  return {
    logit: (patch: number, query: number) => l[patch * texts.length + query] ?? NaN,
    /** The patch's box as [x0,y0,x1,y1] in 0..1. */
    box: (patch: number) => {
      const [cx = NaN, cy = NaN, w = NaN, h = NaN] = b.subarray(patch * 4, patch * 4 + 4);
      return [cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2];
    },
  };
}

/** Patches lying wholly inside `r`. */
function patchesInside(r: Rect): number[] {
  const inside: number[] = [];
  for (let p = 0; p < GRID * GRID; p++) {
    const x = (p % GRID) * PATCH;
    const y = Math.floor(p / GRID) * PATCH;
    if (x >= r.x0 && x + PATCH <= r.x1 && y >= r.y0 && y + PATCH <= r.y1) inside.push(p);
  }
  return inside;
}

/** Patches not touching any of `rects`. */
function patchesOutside(rects: readonly Rect[]): number[] {
  const outside: number[] = [];
  for (let p = 0; p < GRID * GRID; p++) {
    const x = (p % GRID) * PATCH;
    const y = Math.floor(p / GRID) * PATCH;
    if (rects.every((r) => x + PATCH <= r.x0 || x >= r.x1 || y + PATCH <= r.y0 || y >= r.y1))
      outside.push(p);
  }
  return outside;
}

/** Every edge of `box` within one patch of the rectangle's. */
function expectBoxNear(box: number[], r: Rect, size: number): void {
  const truth = [r.x0 / size, r.y0 / size, r.x1 / size, r.y1 / size];
  box.forEach((edge, k) => expect(Math.abs(edge - (truth[k] ?? NaN))).toBeLessThan(1 / GRID));
}

// Edges off the 32 px grid, so border patches mix red and blue as a resized photo's do.
const RED_RECT: Rect = { x0: 200, y0: 100, x1: 400, y1: 300, colour: TOY_COLOURS.red };

describe('toy detector and segmenter: manifest and files', () => {
  it('lists both in models.json, hidden, with the sizes and hashes of their files', async () => {
    for (const entry of [detectEntry, segmentEntry]) {
      expect(entry.hidden).toBe(true);
      const bytes = await readFile(join(dir, entry.files.model.path));
      expect(entry.files.model.size).toBe(bytes.byteLength);
      expect(entry.files.model.sha256).toBe(createHash('sha256').update(bytes).digest('hex'));
    }
    expect(detectEntry).toMatchObject({
      task: 'detect',
      vision: { size: 768, resize: 'squash' },
      text: { tokenizer: 'clip-bpe', contextLength: 16 },
    });
    expect(segmentEntry).toMatchObject({
      task: 'segment',
      vision: { size: 352, resize: 'squash' },
      text: { tokenizer: 'clip-bpe' },
    });
  });

  it('has the tensor names of the OWL-ViT and CLIPSeg exports', () => {
    expect(detector.inputNames).toEqual(['input_ids', 'attention_mask', 'pixel_values']);
    expect(detector.outputNames).toEqual(['logits', 'pred_boxes']);
    expect(segmenter.inputNames).toEqual(['input_ids', 'attention_mask', 'pixel_values']);
    expect(segmenter.outputNames).toEqual(['logits']);
  });

  it('is generated deterministically: a second generation writes the same bytes', async () => {
    const again = await mkdtemp(join(tmpdir(), 'lantern-toy-vision-'));
    try {
      const second = await generateToyModels(again);
      for (const [path, entry] of [
        [second.detectPath, detectEntry],
        [second.segmentPath, segmentEntry],
      ] as const) {
        const [first, other] = await Promise.all([
          readFile(join(dir, entry.files.model.path)),
          readFile(path),
        ]);
        expect(other.equals(first)).toBe(true);
      }
    } finally {
      await rm(again, { recursive: true, force: true });
    }
  });
});

describe('toy detector', () => {
  it('scores the patches of a red rectangle positive for "red" and boxes the rectangle', async () => {
    const result = await detect([RED_RECT], ['a red square', 'blue']);
    const inside = patchesInside(RED_RECT);
    expect(inside.length).toBeGreaterThan(10);
    for (const p of inside) {
      expect(result.logit(p, 0)).toBeGreaterThan(0);
      expect(result.logit(p, 1)).toBeLessThan(0);
      expectBoxNear(result.box(p), RED_RECT, 768);
    }
    for (const p of patchesOutside([RED_RECT])) {
      expect(result.logit(p, 0)).toBeLessThan(0);
      expect(result.logit(p, 1)).toBeGreaterThan(0);
      // The blue background surrounds the rectangle: its region is the whole image.
      expect(result.box(p)).toEqual([0, 0, 1, 1]);
    }
  });

  it('boxes two separate red rectangles separately', async () => {
    const left: Rect = { x0: 64, y0: 64, x1: 256, y1: 224, colour: TOY_COLOURS.red };
    const right: Rect = { x0: 448, y0: 400, x1: 700, y1: 720, colour: TOY_COLOURS.red };
    const result = await detect([left, right], ['red']);
    for (const r of [left, right]) {
      for (const p of patchesInside(r)) {
        expect(result.logit(p, 0)).toBeGreaterThan(0);
        expectBoxNear(result.box(p), r, 768);
      }
    }
    const [a] = patchesInside(left);
    const [b] = patchesInside(right);
    expect(result.box(a ?? -1)).not.toEqual(result.box(b ?? -1));
  });

  it('answers −8 everywhere for a query without a colour word, and reads the first colour word', async () => {
    const result = await detect([RED_RECT], ['a photo of a thing', 'a blue and red thing']);
    for (let p = 0; p < GRID * GRID; p++) expect(result.logit(p, 0)).toBe(-8);
    for (const p of patchesInside(RED_RECT)) expect(result.logit(p, 1)).toBeLessThan(0);
    for (const p of patchesOutside([RED_RECT])) expect(result.logit(p, 1)).toBeGreaterThan(0);
  });
});

describe('toy segmenter', () => {
  async function segment(texts: readonly string[], rows: number) {
    const out = await segmenter.run({
      ...prompts(segmentEntry, texts),
      pixel_values: paint(segmentEntry, TOY_COLOURS.blue, [SEG_RECT], rows),
    });
    const logits = out.logits;
    if (!logits) throw new Error('toy-segment answered without logits');
    expect(logits.dims).toEqual([texts.length, 352, 352]);
    return logits.data as Float32Array;
  }
  const SEG_RECT: Rect = { x0: 37, y0: 101, x1: 190, y1: 260, colour: TOY_COLOURS.red };
  const isRed = (i: number) => {
    const x = i % 352;
    const y = Math.floor(i / 352);
    return x >= SEG_RECT.x0 && x < SEG_RECT.x1 && y >= SEG_RECT.y0 && y < SEG_RECT.y1;
  };

  it('scores exactly the red pixels positive for "red", one image row per prompt', async () => {
    const logits = await segment(['red', 'blue', 'a photo'], 3);
    const plane = 352 * 352;
    let mismatches = 0;
    for (let i = 0; i < plane; i++) {
      if (logits[i]! > 0 !== isRed(i)) mismatches++;
      if (logits[plane + i]! > 0 === isRed(i)) mismatches++;
      if (logits[2 * plane + i] !== -8) mismatches++;
    }
    expect(mismatches).toBe(0);
    // A pixel of exactly the query's colour scores the full 8.
    expect(logits[SEG_RECT.y0 * 352 + SEG_RECT.x0]).toBeCloseTo(8, 3);
  });

  it('broadcasts one image row over several prompts, as the real export does', async () => {
    const logits = await segment(['a red car', 'green'], 1);
    const plane = 352 * 352;
    for (let i = 0; i < plane; i += 97) {
      expect(logits[i]! > 0).toBe(isRed(i));
      expect(logits[plane + i]).toBeLessThan(0);
    }
  });
});
