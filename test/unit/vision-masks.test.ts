/**
 * @file Mask post-processing: a segmenter's logit grid, upsampled through the mapping
 * the photo took into the model (squash or pad-square), gives the mask of the shape in
 * original pixels; threshold and coverage behave as probabilities say they should.
 */
import { describe, expect, it } from 'vitest';
import { maskCoverage, maskFromLogits, promptGrid } from '../../electron/engine/vision/masks.js';
import type { LogitGrid, MaskGeometry, MaskImage } from '../../electron/engine/vision/masks.js';

const GRID = 352;

/** A photo-space rectangle [x0, y0, x1, y1) (pixels). */
type Rect = [number, number, number, number];

/**
 * The grid a segmenter would answer for a rectangle of `rect` in a photo fitted to the
 * grid by `geometry`: +8 where a cell's centre falls in the rectangle, −8 elsewhere
 * (padding included), as the toy segmenter's logits are.
 */
function rectangleLogits(rect: Rect, geometry: MaskGeometry): LogitGrid {
  const spanX = geometry.mode === 'squash' ? geometry.width : geometry.paddedSize!;
  const spanY = geometry.mode === 'squash' ? geometry.height : geometry.paddedSize!;
  const data = new Float32Array(GRID * GRID);
  for (let gy = 0; gy < GRID; gy++) {
    for (let gx = 0; gx < GRID; gx++) {
      const x = ((gx + 0.5) * spanX) / GRID;
      const y = ((gy + 0.5) * spanY) / GRID;
      const inside = x >= rect[0] && x < rect[2] && y >= rect[1] && y < rect[3];
      data[gy * GRID + gx] = inside ? 8 : -8;
    }
  }
  return { data, width: GRID, height: GRID };
}

/** Intersection over union of a mask and the rectangle it should cover. */
function iou(mask: MaskImage, rect: Rect): number {
  let both = 0;
  let either = 0;
  for (let y = 0; y < mask.height; y++) {
    for (let x = 0; x < mask.width; x++) {
      const truth = x >= rect[0] && x < rect[2] && y >= rect[1] && y < rect[3];
      const found = mask.data[y * mask.width + x] === 255;
      if (truth && found) both++;
      if (truth || found) either++;
    }
  }
  return both / either;
}

describe('maskFromLogits', () => {
  const rect: Rect = [210, 140, 655, 430];

  it('maps a squashed grid back to a non-square photo (IoU ≥ 0.9)', () => {
    const geometry: MaskGeometry = { width: 900, height: 600, mode: 'squash' };
    const mask = maskFromLogits(rectangleLogits(rect, geometry), geometry);
    expect(mask.width).toBe(900);
    expect(mask.height).toBe(600);
    expect(mask.data.length).toBe(900 * 600);
    expect(iou(mask, rect)).toBeGreaterThanOrEqual(0.9);
    // The inside of the rectangle and the far corners are decided without doubt.
    expect(mask.data[300 * 900 + 400]).toBe(255);
    expect(mask.data[10 * 900 + 10]).toBe(0);
    expect(mask.data[590 * 900 + 890]).toBe(0);
  });

  it('maps a pad-square grid back through the padding, in a tall photo too', () => {
    const wide: MaskGeometry = { width: 900, height: 600, mode: 'pad-square', paddedSize: 900 };
    expect(iou(maskFromLogits(rectangleLogits(rect, wide), wide), rect)).toBeGreaterThanOrEqual(
      0.9,
    );
    const tallRect: Rect = [60, 500, 330, 880];
    const tall: MaskGeometry = { width: 400, height: 1000, mode: 'pad-square', paddedSize: 1000 };
    const mask = maskFromLogits(rectangleLogits(tallRect, tall), tall);
    expect(iou(mask, tallRect)).toBeGreaterThanOrEqual(0.9);
  });

  it('reading a padded grid as squashed puts the mask in the wrong place', () => {
    const padded: MaskGeometry = { width: 900, height: 600, mode: 'pad-square', paddedSize: 900 };
    const logits = rectangleLogits(rect, padded);
    const wrong = maskFromLogits(logits, { width: 900, height: 600, mode: 'squash' });
    expect(iou(wrong, rect)).toBeLessThan(0.8);
  });

  it('holds one byte per pixel, 0 or 255, and reports the covered fraction', () => {
    const geometry: MaskGeometry = { width: 900, height: 600, mode: 'squash' };
    const mask = maskFromLogits(rectangleLogits(rect, geometry), geometry);
    expect(mask.data).toBeInstanceOf(Uint8Array);
    expect(new Set(mask.data)).toEqual(new Set([0, 255]));
    const truth = ((rect[2] - rect[0]) * (rect[3] - rect[1])) / (900 * 600);
    expect(mask.coverage).toBeCloseTo(truth, 2);
    expect(maskCoverage(mask)).toBe(mask.coverage);
  });

  it('thresholds probabilities: a higher threshold keeps less of a ramp', () => {
    // Logits rise from −4 at the left edge to +4 at the right: sigmoid crosses 0.5 midway
    // and 0.881 (= sigmoid 2) three quarters of the way along.
    const data = new Float32Array(GRID * GRID);
    for (let gy = 0; gy < GRID; gy++) {
      for (let gx = 0; gx < GRID; gx++) data[gy * GRID + gx] = -4 + (8 * (gx + 0.5)) / GRID;
    }
    const grid = { data, width: GRID, height: GRID };
    const geometry: MaskGeometry = { width: 640, height: 200, mode: 'squash' };
    expect(maskFromLogits(grid, geometry).coverage).toBeCloseTo(0.5, 2);
    expect(maskFromLogits(grid, geometry, { threshold: 0.25 }).coverage).toBeGreaterThan(0.6);
    const strict = maskFromLogits(grid, geometry, { threshold: 1 / (1 + Math.exp(-2)) });
    expect(strict.coverage).toBeCloseTo(0.25, 2);
    // The kept part is the right-hand side, where the logits are high.
    expect(strict.data[100 * 640 + 639]).toBe(255);
    expect(strict.data[100 * 640 + 400]).toBe(0);
  });

  it('refuses a threshold that selects everything or nothing, with a sentence', () => {
    const grid = { data: new Float32Array(4), width: 2, height: 2 };
    for (const threshold of [0, 1, Number.NaN]) {
      expect(() =>
        maskFromLogits(grid, { width: 4, height: 4, mode: 'squash' }, { threshold }),
      ).toThrow(expect.objectContaining({ code: 'INVALID_INPUT' }) as Error);
    }
  });

  it('refuses a grid whose values do not match its size, and a photo larger than its padding', () => {
    expect(() =>
      maskFromLogits(
        { data: new Float32Array(5), width: 2, height: 2 },
        { width: 4, height: 4, mode: 'squash' },
      ),
    ).toThrow(RangeError);
    expect(() =>
      maskFromLogits(
        { data: new Float32Array(4), width: 2, height: 2 },
        { width: 40, height: 30, mode: 'pad-square', paddedSize: 30 },
      ),
    ).toThrow(RangeError);
  });
});

describe('promptGrid', () => {
  const values = Float32Array.from({ length: 2 * 3 * 4 }, (_, i) => i);

  it('reads one prompt out of [Q,H,W] and [Q,1,H,W], and a squeezed [H,W]', () => {
    const second = promptGrid(values, [2, 3, 4], 1);
    expect(second).toMatchObject({ width: 4, height: 3 });
    expect(Array.from(second.data)).toEqual(Array.from({ length: 12 }, (_, i) => 12 + i));
    expect(promptGrid(values, [2, 1, 3, 4], 1).data[0]).toBe(12);
    expect(promptGrid(values.subarray(0, 12), [3, 4], 0).data.length).toBe(12);
  });

  it('refuses a shape that does not hold one grid per prompt', () => {
    expect(() => promptGrid(values, [2, 2, 3, 4], 0)).toThrow(
      expect.objectContaining({ code: 'MODEL_INVALID' }) as Error,
    );
    expect(() => promptGrid(values, [3, 3, 4], 0)).toThrow(/shape \[3, 3, 4\]/);
    expect(() => promptGrid(values, [2, 3, 4], 2)).toThrow(RangeError);
  });
});
