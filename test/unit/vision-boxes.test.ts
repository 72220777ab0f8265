/**
 * @file Unit tests of electron/engine/vision/boxes.ts on synthetic detector outputs:
 * scores are the sigmoid of the logits, thresholds are per query, boxes in 0..1 of the
 * model input come back as the known rectangle in the photo's pixels for 'squash' and
 * 'pad-square' inputs of non-square photos, and suppression is per label.
 */
import { describe, expect, it } from 'vitest';
import {
  DEFAULT_NMS_IOU,
  detectionsFromOutputs,
  iou,
  sigmoid,
  suppressPerLabel,
  type Box,
  type Detection,
} from '../../electron/engine/vision/boxes.js';
import type { Geometry } from '../../electron/engine/vision/input.js';

/** The geometry prepareVisionInput gives a photo of `width × height` (vision-input.test.ts checks it). */
function geometryOf(resize: Geometry['resize'], width: number, height: number, S: number) {
  const side = Math.max(width, height);
  const squash = resize === 'squash';
  return {
    width,
    height,
    orientation: 1,
    resize,
    inputSize: S,
    scaleX: (squash ? width : side) / S,
    scaleY: (squash ? height : side) / S,
    padRight: squash ? 0 : side - width,
    padBottom: squash ? 0 : side - height,
  } satisfies Geometry;
}

/** Detector outputs for P patches and Q queries from per-patch boxes and logits. */
function outputs(patches: { box: readonly number[]; logits: readonly number[] }[]) {
  return {
    boxes: Float32Array.from(patches.flatMap((p) => p.box)),
    logits: Float32Array.from(patches.flatMap((p) => p.logits)),
  };
}

function expectBox(actual: Box, expected: Box, digits = 3): void {
  actual.forEach((v, i) => expect(v, `coordinate ${i}`).toBeCloseTo(expected[i]!, digits));
}

describe('sigmoid and iou', () => {
  it('sigmoid is the logistic function, finite at the extremes', () => {
    expect(sigmoid(0)).toBe(0.5);
    expect(sigmoid(2)).toBeCloseTo(0.880797, 6);
    expect(sigmoid(-2)).toBeCloseTo(0.119203, 6);
    expect(sigmoid(1000)).toBe(1);
    expect(sigmoid(-1000)).toBe(0);
  });

  it('iou of identical, disjoint, touching, nested and half-shifted boxes', () => {
    expect(iou([0, 0, 10, 10], [0, 0, 10, 10])).toBe(1);
    expect(iou([0, 0, 10, 10], [20, 20, 30, 30])).toBe(0);
    expect(iou([0, 0, 10, 10], [10, 0, 20, 10])).toBe(0);
    expect(iou([0, 0, 10, 10], [0, 0, 5, 10])).toBe(0.5);
    // Overlap 5×10 = 50 of a union 150.
    expect(iou([0, 0, 10, 10], [5, 0, 15, 10])).toBeCloseTo(1 / 3, 12);
    expect(iou([0, 0, 0, 10], [0, 0, 0, 10])).toBe(0);
  });
});

describe('detectionsFromOutputs: scores and thresholds', () => {
  const geometry = geometryOf('squash', 200, 100, 768);
  const box = [0.5, 0.5, 0.2, 0.2];

  it('the score is the sigmoid of the logit, and the label is the query’s', () => {
    const found = detectionsFromOutputs(outputs([{ box, logits: [1.5, -0.3] }]), geometry, {
      labels: ['dog', 'cat'],
      thresholds: 0.1,
    });
    expect(found.map((d) => [d.label, d.query])).toEqual([
      ['dog', 0],
      ['cat', 1],
    ]);
    expect(found[0]!.score).toBeCloseTo(1 / (1 + Math.exp(-1.5)), 6);
    expect(found[1]!.score).toBeCloseTo(1 / (1 + Math.exp(0.3)), 6);
  });

  it('a score must exceed the threshold: one for all queries', () => {
    const patches = outputs([
      { box, logits: [0] }, // 0.5
      { box: [0.1, 0.1, 0.1, 0.1], logits: [-1] }, // 0.27
      { box: [0.9, 0.9, 0.1, 0.1], logits: [3] }, // 0.95
    ]);
    const scores = (threshold: number) =>
      detectionsFromOutputs(patches, geometry, { labels: ['x'], thresholds: threshold }).map((d) =>
        Number(d.score.toFixed(2)),
      );
    expect(scores(0.2)).toEqual([0.95, 0.5, 0.27]);
    expect(scores(0.3)).toEqual([0.95, 0.5]);
    expect(scores(0.5)).toEqual([0.95]);
    expect(scores(0.96)).toEqual([]);
  });

  it('or one per query: each query has its own slider', () => {
    // One patch both prompts score at sigmoid(1) = 0.73.
    const patch = outputs([{ box, logits: [1, 1] }]);
    const labels = (thresholds: number[]) =>
      detectionsFromOutputs(patch, geometry, { labels: ['car', 'red car'], thresholds }).map(
        (d) => d.label,
      );
    expect(labels([0.5, 0.5])).toEqual(['car', 'red car']);
    expect(labels([0.9, 0.5])).toEqual(['red car']);
    expect(labels([0.5, 0.9])).toEqual(['car']);
  });

  it('refuses thresholds that do not fit the prompts, and outputs of the wrong shape', () => {
    const patch = outputs([{ box, logits: [1, 1] }]);
    const labels = ['a', 'b'];
    expect(() => detectionsFromOutputs(patch, geometry, { labels, thresholds: [0.5] })).toThrow(
      expect.objectContaining({ code: 'INVALID_INPUT' }),
    );
    expect(() => detectionsFromOutputs(patch, geometry, { labels, thresholds: 1.5 })).toThrow(
      expect.objectContaining({ code: 'INVALID_INPUT' }),
    );
    expect(() =>
      detectionsFromOutputs(patch, geometry, { labels: ['a', 'b', 'c'], thresholds: 0.5 }),
    ).toThrow(expect.objectContaining({ code: 'MODEL_INVALID' }));
  });
});

describe('detectionsFromOutputs: boxes in the photo’s pixels', () => {
  /** A rectangle in a 300×200 photo (landscape) and its 200×300 mirror (portrait). */
  const cases = [
    { width: 300, height: 200, rect: [60, 40, 180, 140] as Box },
    { width: 200, height: 300, rect: [40, 60, 140, 180] as Box },
  ];

  it.each(cases)('squash, $width×$height', ({ width, height, rect }) => {
    // Squashed, 0..1 of the input are 0..1 of each side of the photo.
    const [x0, y0, x1, y1] = rect;
    const model = [
      (x0 + x1) / 2 / width,
      (y0 + y1) / 2 / height,
      (x1 - x0) / width,
      (y1 - y0) / height,
    ];
    const [found] = detectionsFromOutputs(
      outputs([{ box: model, logits: [2] }]),
      geometryOf('squash', width, height, 768),
      { labels: ['thing'], thresholds: 0.5 },
    );
    expectBox(found!.box, rect);
  });

  it.each(cases)(
    'pad-square, $width×$height: units of the padded square',
    ({ width, height, rect }) => {
      // Padded at the right/bottom to a square of the longest side, 0..1 of that square.
      const side = Math.max(width, height);
      const [x0, y0, x1, y1] = rect;
      const model = [
        (x0 + x1) / 2 / side,
        (y0 + y1) / 2 / side,
        (x1 - x0) / side,
        (y1 - y0) / side,
      ];
      const geometry = geometryOf('pad-square', width, height, 960);
      const [found] = detectionsFromOutputs(outputs([{ box: model, logits: [2] }]), geometry, {
        labels: ['thing'],
        thresholds: 0.5,
      });
      expectBox(found!.box, rect);
      // Read as if squashed, the same numbers would be another rectangle: the mode matters.
      const [squashed] = detectionsFromOutputs(
        outputs([{ box: model, logits: [2] }]),
        geometryOf('squash', width, height, 960),
        { labels: ['thing'], thresholds: 0.5 },
      );
      expect(iou(squashed!.box, rect)).toBeLessThan(0.8);
    },
  );

  it('clamps a box that runs off the photo, and drops one that lies all in the padding', () => {
    // 300×200 padded to 300×300: rows 200..300 of the square are padding.
    const geometry = geometryOf('pad-square', 300, 200, 960);
    const found = detectionsFromOutputs(
      outputs([
        { box: [0.9, 0.6, 0.4, 0.2], logits: [3] }, // x 210..330, y 150..210: runs off
        { box: [0.5, 0.85, 0.2, 0.1], logits: [4] }, // y 240..270: padding only
      ]),
      geometry,
      { labels: ['thing'], thresholds: 0.5 },
    );
    expect(found).toHaveLength(1);
    expectBox(found[0]!.box, [210, 150, 300, 200]);
  });
});

describe('class-aware non-maximum suppression', () => {
  const geometry = geometryOf('squash', 100, 100, 768);
  // In a 100×100 photo: A = 20..60, B = 28..68 (IoU of A and B = 1024 / 2176 ≈ 0.47), C far away.
  const A = [0.4, 0.4, 0.4, 0.4];
  const B = [0.48, 0.48, 0.4, 0.4];
  const C = [0.85, 0.85, 0.2, 0.2];

  it('keeps the best of overlapping boxes of one label, and separate objects', () => {
    const found = detectionsFromOutputs(
      outputs([
        { box: A, logits: [1] },
        { box: B, logits: [2] },
        { box: C, logits: [0.5] },
      ]),
      geometry,
      { labels: ['dog'], thresholds: 0.5 },
    );
    expect(found.map((d) => d.box.map(Math.round))).toEqual([
      [28, 28, 68, 68],
      [75, 75, 95, 95],
    ]);
  });

  it('every patch of one object predicting it gives one box', () => {
    // As OWL-ViT (and the toy detector) do: all the object's patches predict its box.
    const patches = Array.from({ length: 9 }, (_, i) => ({ box: A, logits: [1 + i / 10] }));
    const found = detectionsFromOutputs(outputs(patches), geometry, {
      labels: ['dog'],
      thresholds: 0.5,
    });
    expect(found).toHaveLength(1);
    expect(found[0]!.score).toBeCloseTo(sigmoid(1.8), 6);
  });

  it('keeps overlapping boxes of different labels', () => {
    const found = detectionsFromOutputs(
      outputs([
        { box: A, logits: [1, -9] },
        { box: B, logits: [-9, 2] },
      ]),
      geometry,
      { labels: ['dog', 'cat'], thresholds: 0.5 },
    );
    expect(found.map((d) => d.label)).toEqual(['cat', 'dog']);
  });

  it('the IoU threshold is configurable, 0.3 by default', () => {
    const two = outputs([
      { box: A, logits: [1] },
      { box: B, logits: [2] },
    ]);
    const count = (iouThreshold?: number) =>
      detectionsFromOutputs(two, geometry, {
        labels: ['dog'],
        thresholds: 0.5,
        ...(iouThreshold === undefined ? {} : { iouThreshold }),
      }).length;
    expect(DEFAULT_NMS_IOU).toBe(0.3);
    expect(count()).toBe(1);
    expect(count(0.6)).toBe(2);
  });

  it('suppressPerLabel sorts by score and leaves the input alone', () => {
    const d = (label: string, score: number, box: Box): Detection => ({
      label,
      query: 0,
      score,
      box,
    });
    const input = [
      d('a', 0.6, [0, 0, 10, 10]),
      d('a', 0.9, [50, 50, 60, 60]),
      d('a', 0.7, [1, 1, 10, 10]),
    ];
    const kept = suppressPerLabel(input, 0.3);
    expect(kept.map((k) => k.score)).toEqual([0.9, 0.7]);
    expect(input.map((k) => k.score)).toEqual([0.6, 0.9, 0.7]);
  });
});
