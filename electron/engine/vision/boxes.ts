/**
 * @file A detector's raw outputs into detections in the photo's pixels: sigmoid,
 * per-query threshold, boxes mapped back through the input's Geometry, clamped, then
 * class-aware non-maximum suppression. Pure arithmetic; runs in the engine (plain Node).
 *
 * The outputs are OWL-ViT's (and OWLv2's, and the toy detector's): `logits` [1, P, Q],
 * one logit per (patch, query), and `pred_boxes` [1, P, 4], one box per patch as
 * (cx, cy, w, h) in 0..1 of the model input. For 'pad-square' inputs that is the padded
 * square, not the photo: Geometry carries the difference ([Note: model coordinates back
 * to photo pixels] in input.ts).
 *
 * [Note: every query above its own threshold]
 * transformers' post_process_object_detection keeps, per patch, only the query with
 * the highest score. Lantern keeps every (patch, query) pair whose score passes that
 * query's threshold instead: the panel shows and hides prompts one by one and each
 * has its own slider, and prompts often overlap in meaning ("car" and "red car");
 * with an argmax, hiding "red car" would also hide the car that "car" found, and moving
 * one slider would change the other prompt's boxes. Suppression then runs per label,
 * so one object named by two prompts keeps one box under each.
 */
import { LanternError } from '../../shared/errors.js';
import type { Geometry } from './input.js';

/** x0, y0, x1, y1 in photo pixels (as shown, EXIF-oriented); x1 > x0, y1 > y0. */
export type Box = readonly [number, number, number, number];

export interface Detection {
  /** The prompt that found it. */
  label: string;
  /** Index of the query (prompt row) that found it. */
  query: number;
  /** sigmoid(logit), 0..1. */
  score: number;
  box: Box;
}

/** One image's detector outputs, flattened as onnxruntime returns them. */
export interface DetectorOutputs {
  /** `logits` [1, patches, queries], row-major. */
  logits: Float32Array;
  /** `pred_boxes` [1, patches, 4]: cx, cy, w, h in 0..1 of the model input. */
  boxes: Float32Array;
}

/**
 * IoU above which two boxes of one label are taken for one object. 0.3 is the default
 * of transformers' OWL-ViT post-processing that suppresses (post_process_image_guided_
 * detection, nms_threshold=0.3). OWL-ViT predicts a box from every patch, so one object
 * comes back as many near-copies shifted by a patch or two, which overlap each other
 * far more than 0.3; two separate objects of one kind (two dogs side by side) seldom
 * overlap that much. The usual 0.5 of closed-set detectors lets some of those shifted
 * copies through as second boxes, which would also break counting ("2 dogs found").
 */
export const DEFAULT_NMS_IOU = 0.3;

export interface PostprocessOptions {
  /** One label per query, in query order. */
  labels: readonly string[];
  /** Score a detection must exceed: one for all queries, or one per query. */
  thresholds: number | readonly number[];
  /** See DEFAULT_NMS_IOU. */
  iouThreshold?: number;
}

/** The logistic function, written so a large |x| neither overflows nor loses the tail. */
export function sigmoid(x: number): number {
  if (x >= 0) return 1 / (1 + Math.exp(-x));
  const e = Math.exp(x);
  return e / (1 + e);
}

/** Intersection over union of two boxes; 0 when either has no area. */
export function iou(a: Box, b: Box): number {
  const width = Math.min(a[2], b[2]) - Math.max(a[0], b[0]);
  const height = Math.min(a[3], b[3]) - Math.max(a[1], b[1]);
  if (width <= 0 || height <= 0) return 0;
  const intersection = width * height;
  const union = area(a) + area(b) - intersection;
  return union > 0 ? intersection / union : 0;
}

function area(box: Box): number {
  return Math.max(0, box[2] - box[0]) * Math.max(0, box[3] - box[1]);
}

/**
 * A box (cx, cy, w, h) in 0..1 of the model input as x0, y0, x1, y1 in photo pixels,
 * clamped to the photo; null when nothing of it lies on the photo (it is all padding).
 */
export function boxToPhoto(
  cx: number,
  cy: number,
  w: number,
  h: number,
  geometry: Geometry,
): Box | null {
  const spanX = geometry.inputSize * geometry.scaleX;
  const spanY = geometry.inputSize * geometry.scaleY;
  const clampX = (v: number) => Math.min(geometry.width, Math.max(0, v));
  const clampY = (v: number) => Math.min(geometry.height, Math.max(0, v));
  const box: Box = [
    clampX((cx - w / 2) * spanX),
    clampY((cy - h / 2) * spanY),
    clampX((cx + w / 2) * spanX),
    clampY((cy + h / 2) * spanY),
  ];
  // NaN (a broken export) fails these comparisons too.
  return box[2] > box[0] && box[3] > box[1] ? box : null;
}

/** Detections of one image, best first; see [Note: every query above its own threshold]. */
export function detectionsFromOutputs(
  outputs: DetectorOutputs,
  geometry: Geometry,
  options: PostprocessOptions,
): Detection[] {
  const queries = options.labels.length;
  const patches = outputs.boxes.length / 4;
  if (queries === 0 || !Number.isInteger(patches) || outputs.logits.length !== patches * queries) {
    throw new LanternError(
      'MODEL_INVALID',
      `The detector returned ${outputs.logits.length} logits and ${outputs.boxes.length} box values ` +
        `for ${queries} prompts, not [1, P, ${queries}] and [1, P, 4]; its models.json does not match the file.`,
    );
  }
  const thresholds = perQuery(options.thresholds, queries);
  const found: Detection[] = [];
  for (let p = 0; p < patches; p++) {
    let box: Box | null | undefined; // computed once per patch, when a query needs it
    for (let q = 0; q < queries; q++) {
      const score = sigmoid(outputs.logits[p * queries + q]!);
      if (!(score > thresholds[q]!)) continue;
      if (box === undefined) {
        const at = p * 4;
        const [cx, cy, w, h] = outputs.boxes.subarray(at, at + 4);
        box = boxToPhoto(cx!, cy!, w!, h!, geometry);
      }
      if (box !== null) found.push({ label: options.labels[q]!, query: q, score, box });
    }
  }
  return suppressPerLabel(found, options.iouThreshold ?? DEFAULT_NMS_IOU);
}

function perQuery(thresholds: number | readonly number[], queries: number): number[] {
  const list =
    typeof thresholds === 'number' ? new Array<number>(queries).fill(thresholds) : [...thresholds];
  if (list.length !== queries || list.some((t) => !(t >= 0 && t <= 1))) {
    throw new LanternError(
      'INVALID_INPUT',
      `Give one threshold between 0 and 1 for all prompts or one per prompt (${queries}), not ${JSON.stringify(thresholds)}.`,
    );
  }
  return list;
}

/**
 * Greedy non-maximum suppression within each label: the best box stays, every box of
 * the same label overlapping a kept one by more than `iouThreshold` goes. Boxes of
 * different labels never suppress each other. Returns all kept boxes, best first.
 */
export function suppressPerLabel(
  detections: readonly Detection[],
  iouThreshold: number,
): Detection[] {
  if (!(iouThreshold >= 0 && iouThreshold <= 1))
    throw new RangeError(`the IoU threshold must be between 0 and 1, not ${iouThreshold}`);
  const sorted = [...detections].sort(byScore);
  const kept: Detection[] = [];
  const keptByLabel = new Map<string, Detection[]>();
  for (const candidate of sorted) {
    const same = keptByLabel.get(candidate.label) ?? [];
    if (same.some((other) => iou(other.box, candidate.box) > iouThreshold)) continue;
    same.push(candidate);
    keptByLabel.set(candidate.label, same);
    kept.push(candidate);
  }
  return kept;
}

/** Best score first; ties in query then position order, so the result is deterministic. */
function byScore(a: Detection, b: Detection): number {
  return b.score - a.score || a.query - b.query;
}
