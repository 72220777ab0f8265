/**
 * @file From a segmenter's logits for one prompt (CLIPSeg: a 352×352 grid) to a mask in
 * the photo's original, EXIF-oriented pixels: one byte per pixel (0 or 255) and the
 * fraction of the photo it covers. Pure computation; runs in the engine worker and in
 * the CLI.
 *
 * [Note: a mask is upsampled through the same mapping as the model's input]
 * The photo reached the model squashed to the grid (`squash`: a plain scale per axis) or
 * padded to a square first (`pad-square`: the photo sits in the top-left corner of a
 * `paddedSize`² square, as OWLv2's preprocessing pads bottom and right, then that square
 * is scaled to the grid). Each original pixel's centre is carried into grid coordinates
 * with half-pixel centres (align_corners=false, what PyTorch's `interpolate` and the
 * CLIPSeg reference post-processing use), and the logits there are read bilinearly,
 * clamped at the grid's edges.
 *
 * [Note: the threshold is applied to logits, and nothing full-size is float]
 * sigmoid is monotonic, so `sigmoid(l) > t` is `l > logit(t)`: the logits are
 * interpolated and compared with one number, with no sigmoid per pixel. A 24 MP photo
 * then costs its 24 MB mask and two rows of column weights, never a float copy of the
 * photo (which would be 96 MB).
 */
import { LanternError } from '../../shared/errors.js';

/** One prompt's logits: row-major, `height` rows of `width` values. */
export interface LogitGrid {
  data: Float32Array;
  width: number;
  height: number;
}

/** How the photo was fitted to the model's input; see [Note: a mask is upsampled…]. */
export interface MaskGeometry {
  /** The photo's size after EXIF orientation, in pixels. */
  width: number;
  height: number;
  mode: 'squash' | 'pad-square';
  /** Side of the padded square (`pad-square` only); at least max(width, height). */
  paddedSize?: number;
}

/** A mask in original oriented pixels: `data[y * width + x]` is 255 inside, 0 outside. */
export interface MaskImage {
  width: number;
  height: number;
  data: Uint8Array;
  /** Fraction of the photo's pixels inside the mask, 0..1. */
  coverage: number;
}

export interface MaskOptions {
  /** Probability above which a pixel is in the mask; CLIPSeg's usual cut is 0.5. */
  threshold?: number;
}

export const DEFAULT_MASK_THRESHOLD = 0.5;

/**
 * The grid of prompt `index` from a segmenter output of shape `dims`. CLIPSeg exports
 * answer `[Q,H,W]`, some `[Q,1,H,W]`, and the reference model squeezes a single
 * prompt to `[H,W]`; all three are read here so a caller need not know which it got.
 */
export function promptGrid(data: Float32Array, dims: readonly number[], index: number): LogitGrid {
  const shape = dims.map(Number);
  const height = shape.at(-2);
  const width = shape.at(-1);
  const prompts = shape.length >= 3 ? (shape[0] ?? 0) : 1;
  const middle = shape.slice(1, -2).every((size) => size === 1);
  if (
    height === undefined ||
    width === undefined ||
    shape.length > 4 ||
    !middle ||
    shape.some((size) => !Number.isInteger(size) || size < 1) ||
    data.length !== prompts * height * width
  ) {
    throw new LanternError(
      'MODEL_INVALID',
      `The segmenter answered logits of shape [${shape.join(', ')}] for ${data.length} values, ` +
        'not one grid per prompt; check that the model is a CLIPSeg-style export.',
    );
  }
  if (!Number.isInteger(index) || index < 0 || index >= prompts) {
    throw new RangeError(`prompt ${index} is outside the ${prompts} the segmenter answered`);
  }
  const size = height * width;
  return { data: data.subarray(index * size, (index + 1) * size), width, height };
}

/** Sigmoid's inverse: the logit above which a pixel's probability exceeds `threshold`. */
export function logitOf(threshold: number): number {
  return Math.log(threshold / (1 - threshold));
}

function checkInputs(grid: LogitGrid, geometry: MaskGeometry, threshold: number): number {
  const whole = (value: number) => Number.isInteger(value) && value >= 1;
  if (!whole(grid.width) || !whole(grid.height) || grid.data.length !== grid.width * grid.height) {
    throw new RangeError(
      `a ${grid.width}×${grid.height} logit grid needs ${grid.width * grid.height} values, not ${grid.data.length}`,
    );
  }
  if (!whole(geometry.width) || !whole(geometry.height)) {
    throw new RangeError(
      `the photo's size ${geometry.width}×${geometry.height} is not whole pixels`,
    );
  }
  if (!(threshold > 0 && threshold < 1)) {
    throw new LanternError(
      'INVALID_INPUT',
      `A mask threshold of ${threshold} selects everything or nothing; choose one between 0 and 1.`,
    );
  }
  if (geometry.mode === 'squash') return 0;
  const padded = geometry.paddedSize ?? Math.max(geometry.width, geometry.height);
  if (!Number.isFinite(padded) || padded < Math.max(geometry.width, geometry.height)) {
    throw new RangeError(
      `a ${geometry.width}×${geometry.height} photo does not fit a padded square of ${padded}`,
    );
  }
  return padded;
}

/**
 * Where each output column (or row) reads the grid: the lower cell, the upper cell and
 * the weight of the upper one, for `count` pixels spread over `span` source pixels that
 * cover `cells` grid cells.
 */
function axisSamples(count: number, span: number, cells: number) {
  const low = new Int32Array(count);
  const high = new Int32Array(count);
  const weight = new Float32Array(count);
  const scale = cells / span;
  for (let i = 0; i < count; i++) {
    const at = Math.min(Math.max((i + 0.5) * scale - 0.5, 0), cells - 1);
    const floor = Math.floor(at);
    low[i] = floor;
    high[i] = Math.min(floor + 1, cells - 1);
    weight[i] = at - floor;
  }
  return { low, high, weight };
}

/**
 * The mask of one prompt in original oriented pixels. See [Note: a mask is upsampled
 * through the same mapping as the model's input] and [Note: the threshold is applied to
 * logits, and nothing full-size is float].
 */
export function maskFromLogits(
  grid: LogitGrid,
  geometry: MaskGeometry,
  options: MaskOptions = {},
): MaskImage {
  const threshold = options.threshold ?? DEFAULT_MASK_THRESHOLD;
  const padded = checkInputs(grid, geometry, threshold);
  const { width, height } = geometry;
  const cut = logitOf(threshold);
  const columns = axisSamples(width, padded || width, grid.width);
  const rows = axisSamples(height, padded || height, grid.height);
  const logits = grid.data;
  const data = new Uint8Array(width * height);
  let inside = 0;
  for (let y = 0; y < height; y++) {
    const top = rows.low[y]! * grid.width;
    const bottom = rows.high[y]! * grid.width;
    const wy = rows.weight[y]!;
    const row = y * width;
    for (let x = 0; x < width; x++) {
      const left = columns.low[x]!;
      const right = columns.high[x]!;
      const wx = columns.weight[x]!;
      const upper = logits[top + left]! + (logits[top + right]! - logits[top + left]!) * wx;
      const lower =
        logits[bottom + left]! + (logits[bottom + right]! - logits[bottom + left]!) * wx;
      if (upper + (lower - upper) * wy > cut) {
        data[row + x] = 255;
        inside++;
      }
    }
  }
  return { width, height, data, coverage: inside / (width * height) };
}

/** Fraction of a mask's pixels that are set (any value above half), 0..1. */
export function maskCoverage(mask: Pick<MaskImage, 'data'>): number {
  let inside = 0;
  for (const value of mask.data) if (value >= 128) inside++;
  return mask.data.length === 0 ? 0 : inside / mask.data.length;
}

/** A probability map: one byte per pixel, round(255 · sigmoid(logit)). */
export interface ProbabilityMap {
  width: number;
  height: number;
  data: Uint8Array;
  /** Fraction of the map's pixels whose probability exceeds the threshold asked for. */
  coverage: number;
}

export interface ProbabilityMapOptions {
  /** The map's long side at most; a smaller photo keeps its own size. */
  longSide: number;
  /** The cut `coverage` is measured at (CLIPSeg's usual 0.5 by default). */
  threshold?: number;
}

/**
 * One prompt's probabilities at the photo's upright aspect, its long side at most
 * `longSide` pixels (the inspector's panel thresholds it itself, so it needs the
 * probabilities, not a mask, and not at full size). Each map pixel reads the grid at its
 * centre carried into the photo's pixels and through the same mapping as maskFromLogits
 * ([Note: a mask is upsampled through the same mapping as the model's input]), so the
 * map cut at a threshold is the full-size mask at that threshold, scaled; and its
 * coverage is the mask's (exactly, for a photo no larger than the map; otherwise sampled
 * at the map's pixels, off by a fraction of the mask's outline, with no full-size pass:
 * 24 MP cost about 0.35 s of blocked event loop per prompt).
 */
export function probabilityMap(
  grid: LogitGrid,
  geometry: MaskGeometry,
  options: ProbabilityMapOptions,
): ProbabilityMap {
  const threshold = options.threshold ?? DEFAULT_MASK_THRESHOLD;
  const padded = checkInputs(grid, geometry, threshold);
  const cut = logitOf(threshold);
  const scale = Math.min(1, options.longSide / Math.max(geometry.width, geometry.height));
  const width = Math.max(1, Math.round(geometry.width * scale));
  const height = Math.max(1, Math.round(geometry.height * scale));
  // A map pixel spans geometry.width / width photo pixels: the photo's span, scaled alike.
  const spanX = ((padded || geometry.width) * width) / geometry.width;
  const spanY = ((padded || geometry.height) * height) / geometry.height;
  const columns = axisSamples(width, spanX, grid.width);
  const rows = axisSamples(height, spanY, grid.height);
  const logits = grid.data;
  const data = new Uint8Array(width * height);
  let inside = 0;
  for (let y = 0; y < height; y++) {
    const top = rows.low[y]! * grid.width;
    const bottom = rows.high[y]! * grid.width;
    const wy = rows.weight[y]!;
    for (let x = 0; x < width; x++) {
      const left = columns.low[x]!;
      const right = columns.high[x]!;
      const wx = columns.weight[x]!;
      const upper = logits[top + left]! + (logits[top + right]! - logits[top + left]!) * wx;
      const lower =
        logits[bottom + left]! + (logits[bottom + right]! - logits[bottom + left]!) * wx;
      const logit = upper + (lower - upper) * wy;
      if (logit > cut) inside++;
      // The logistic function, written so a large |logit| neither overflows nor loses the tail.
      const e = Math.exp(-Math.abs(logit));
      data[y * width + x] = Math.round((logit >= 0 ? 1 / (1 + e) : e / (1 + e)) * 255);
    }
  }
  return { width, height, data, coverage: inside / (width * height) };
}
