/**
 * @file resampleLikePil: PIL's `Image.resize` (Pillow's Resample.c) for 8-bit RGB, so
 * that the model sees the pixels CLIP's own preprocessing gives. Runs in the engine
 * worker, on the decoded image in memory.
 *
 * [Note: the model's resize is PIL's, computed here]
 * CLIP was trained, and is evaluated, on `PIL.Image.resize(..., BICUBIC)` of the whole
 * decoded photo. libvips (sharp) resizes differently in ways that matter at the
 * golden test's bound (test/integration/preprocess-golden.test.ts): a large reduction
 * starts with a box shrink (vips_resize's `gap`, which sharp does not expose), its
 * upsampling places pixel centres differently, and its fixed point rounds otherwise.
 * Measured against PIL on real photos, libvips' 'cubic' straight to the model size was
 * off by up to 0.068 mean and 0.61 max in normalised units (enlarging; 0.175 max
 * reducing a 17.9 MP photo). This file is
 * Pillow's algorithm: the same coefficients, the same 22-bit fixed point, the same
 * horizontal-then-vertical order with 8-bit rounding between the passes, so bicubic,
 * bilinear, lanczos3 and nearest equal Pillow byte for byte (tested on noise; lanczos
 * uses Math.sin, which could in principle differ from C's in the last place).
 *
 * It is plain JavaScript on the worker's thread, so it runs on an intermediate that
 * libvips has already brought down to about 4× the model input (plan.ts), a few tens of
 * milliseconds; only photos already smaller than that reach it at full size.
 */

/** Pillow's filters: support radius and weight function. */
const FILTERS = {
  bilinear: { support: 1, weight: (x: number) => (Math.abs(x) < 1 ? 1 - Math.abs(x) : 0) },
  // Keys' cubic with a = -0.5 (Catmull-Rom), Pillow's `bicubic_filter`.
  bicubic: {
    support: 2,
    weight: (x: number) => {
      const a = -0.5;
      const t = Math.abs(x);
      if (t < 1) return ((a + 2) * t - (a + 3)) * t * t + 1;
      if (t < 2) return (((t - 5) * t + 8) * t - 4) * a;
      return 0;
    },
  },
  lanczos3: {
    support: 3,
    weight: (x: number) => (x > -3 && x < 3 ? sinc(x) * sinc(x / 3) : 0),
  },
} as const;

export type PilFilter = keyof typeof FILTERS;

function sinc(x: number): number {
  if (x === 0) return 1;
  const px = x * Math.PI;
  return Math.sin(px) / px;
}

/** Pillow's PRECISION_BITS for 8-bit images: 32 - 8 - 2. */
const PRECISION_BITS = 22;
const HALF = 1 << (PRECISION_BITS - 1);
const ONE = 1 << PRECISION_BITS;

interface Coefficients {
  /** Per output pixel: first input index and how many inputs it reads. */
  first: Int32Array;
  count: Int32Array;
  /** Per output pixel, `stride` fixed-point weights (the first `count` used). */
  weights: Int32Array;
  stride: number;
}

/** Pillow's precompute_coeffs + normalize_coeffs_8bpc, for the whole input range. */
function coefficients(inSize: number, outSize: number, filter: PilFilter): Coefficients {
  const { support: radius, weight } = FILTERS[filter];
  const scale = inSize / outSize;
  const filterScale = Math.max(scale, 1);
  const support = radius * filterScale;
  const stride = Math.ceil(support) * 2 + 1;
  const first = new Int32Array(outSize);
  const count = new Int32Array(outSize);
  const weights = new Int32Array(outSize * stride);
  const raw = new Float64Array(stride);
  // Pillow multiplies by the reciprocal; dividing could differ in the last bit.
  const inverseScale = 1 / filterScale;
  for (let out = 0; out < outSize; out++) {
    const centre = (out + 0.5) * scale;
    // C's (int) truncates; both bounds are ≥ -0.5 + 0.5 here, so truncation is floor.
    const min = Math.max(0, Math.trunc(centre - support + 0.5));
    const max = Math.min(inSize, Math.trunc(centre + support + 0.5)) - min;
    let sum = 0;
    for (let i = 0; i < max; i++) {
      const w = weight((i + min - centre + 0.5) * inverseScale);
      raw[i] = w;
      sum += w;
    }
    for (let i = 0; i < max; i++) {
      const w = sum !== 0 ? raw[i]! / sum : raw[i]!;
      weights[out * stride + i] = Math.trunc(w < 0 ? -0.5 + w * ONE : 0.5 + w * ONE);
    }
    first[out] = min;
    count[out] = max;
  }
  return { first, count, weights, stride };
}

function clip8(value: number): number {
  if (value >= ONE * 256) return 255;
  if (value <= 0) return 0;
  return value >> PRECISION_BITS;
}

/** A rectangle of the resized image: only its pixels are computed. */
export interface ResampleWindow {
  left: number;
  top: number;
  width: number;
  height: number;
}

/**
 * Resize packed 8-bit RGB (`width × height × 3`) to `outWidth × outHeight` as Pillow's
 * `Image.resize((outWidth, outHeight), filter)` does on an RGB image, and return the
 * pixels of `window` of the result (default: all of it). Each output pixel depends only
 * on its own coefficients, so computing a window is exactly cropping the full result,
 * at a fraction of the cost.
 */
export function resampleLikePil(
  rgb: Uint8Array,
  width: number,
  height: number,
  outWidth: number,
  outHeight: number,
  filter: PilFilter | 'nearest',
  window: ResampleWindow = { left: 0, top: 0, width: outWidth, height: outHeight },
): Buffer {
  if (rgb.length !== width * height * 3) {
    throw new RangeError(`${rgb.length} bytes is not ${width}×${height} RGB`);
  }
  if (
    window.left < 0 ||
    window.top < 0 ||
    window.left + window.width > outWidth ||
    window.top + window.height > outHeight
  ) {
    throw new RangeError(`window does not fit in ${outWidth}×${outHeight}`);
  }
  if (filter === 'nearest') return nearest(rgb, width, height, outWidth, outHeight, window);
  const needHorizontal = outWidth !== width;
  const needVertical = outHeight !== height;
  let source: Uint8Array = rgb;
  let sourceWidth = width;
  let columns = { first: window.left, count: window.width };
  let rowOffset = 0;
  const vertical = needVertical
    ? slice(coefficients(height, outHeight, filter), window.top, window.height)
    : null;
  if (needHorizontal) {
    // Only the rows the vertical pass reads (as Pillow), or the window's rows.
    const firstRow = vertical ? vertical.first[0]! : window.top;
    const endRow = vertical
      ? vertical.first[window.height - 1]! + vertical.count[window.height - 1]!
      : window.top + window.height;
    const horizontal = slice(coefficients(width, outWidth, filter), window.left, window.width);
    source = horizontalPass(rgb, width, firstRow, endRow - firstRow, window.width, horizontal);
    sourceWidth = window.width;
    columns = { first: 0, count: window.width };
    rowOffset = firstRow;
  }
  if (vertical)
    return verticalPass(source, sourceWidth, columns, rowOffset, window.height, vertical);
  // No vertical resize: the window's rows (and columns, unless the horizontal pass cut them).
  return copyWindow(source, sourceWidth, columns, window.top - rowOffset, window.height);
}

/** The coefficients of output pixels `from` .. `from + count - 1` only. */
function slice(k: Coefficients, from: number, count: number): Coefficients {
  return {
    first: k.first.subarray(from, from + count),
    count: k.count.subarray(from, from + count),
    weights: k.weights.subarray(from * k.stride, (from + count) * k.stride),
    stride: k.stride,
  };
}

function copyWindow(
  rgb: Uint8Array,
  width: number,
  columns: { first: number; count: number },
  top: number,
  rows: number,
): Buffer {
  const out = Buffer.allocUnsafe(columns.count * rows * 3);
  for (let y = 0; y < rows; y++) {
    const from = ((y + top) * width + columns.first) * 3;
    out.set(rgb.subarray(from, from + columns.count * 3), y * columns.count * 3);
  }
  return out;
}

/** Pillow's NEAREST resize: the source pixel under each output pixel's centre. */
function nearest(
  rgb: Uint8Array,
  width: number,
  height: number,
  outWidth: number,
  outHeight: number,
  window: ResampleWindow,
): Buffer {
  const out = Buffer.allocUnsafe(window.width * window.height * 3);
  let o = 0;
  for (let y = window.top; y < window.top + window.height; y++) {
    const sy = Math.min(height - 1, Math.floor(((y + 0.5) * height) / outHeight));
    for (let x = window.left; x < window.left + window.width; x++) {
      const sx = Math.min(width - 1, Math.floor(((x + 0.5) * width) / outWidth));
      const p = (sy * width + sx) * 3;
      out[o++] = rgb[p]!;
      out[o++] = rgb[p + 1]!;
      out[o++] = rgb[p + 2]!;
    }
  }
  return out;
}

function horizontalPass(
  rgb: Uint8Array,
  width: number,
  rowOffset: number,
  rows: number,
  outWidth: number,
  k: Coefficients,
): Buffer {
  const out = Buffer.allocUnsafe(outWidth * rows * 3);
  const { first, count, weights, stride } = k;
  // Int32 arithmetic throughout (Math.imul, | 0), as Pillow's INT32 sums: V8 keeps
  // these loops in small integers, several times faster than doubles.
  for (let y = 0; y < rows; y++) {
    const inRow = (y + rowOffset) * width * 3;
    let o = y * outWidth * 3;
    for (let x = 0; x < outWidth; x++) {
      const n = count[x]!;
      let w = x * stride;
      const end = w + n;
      let p = inRow + first[x]! * 3;
      let r = HALF;
      let g = HALF;
      let b = HALF;
      for (; w < end; w++, p += 3) {
        const c = weights[w]!;
        r = (r + Math.imul(rgb[p]!, c)) | 0;
        g = (g + Math.imul(rgb[p + 1]!, c)) | 0;
        b = (b + Math.imul(rgb[p + 2]!, c)) | 0;
      }
      out[o++] = clip8(r);
      out[o++] = clip8(g);
      out[o++] = clip8(b);
    }
  }
  return out;
}

function verticalPass(
  rgb: Uint8Array,
  width: number,
  columns: { first: number; count: number },
  rowOffset: number,
  outHeight: number,
  k: Coefficients,
): Buffer {
  const rowBytes = columns.count * 3;
  const out = Buffer.allocUnsafe(rowBytes * outHeight);
  const { first, count, weights, stride } = k;
  const inRowBytes = width * 3;
  // Row by row over the taps, accumulating a whole output row: reads stay sequential.
  const sums = new Int32Array(rowBytes);
  for (let y = 0; y < outHeight; y++) {
    sums.fill(HALF);
    const w0 = y * stride;
    let p = (first[y]! - rowOffset) * inRowBytes + columns.first * 3;
    for (let i = 0; i < count[y]!; i++, p += inRowBytes) {
      const c = weights[w0 + i]!;
      for (let x = 0; x < rowBytes; x++) sums[x] = (sums[x]! + Math.imul(rgb[p + x]!, c)) | 0;
    }
    const outRow = y * rowBytes;
    for (let x = 0; x < rowBytes; x++) out[outRow + x] = clip8(sums[x]!);
  }
  return out;
}
