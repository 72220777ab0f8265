/**
 * @file A photo (or a video frame already in memory) into the input tensor of a
 * detector or segmenter, plus the Geometry that maps the model's coordinates back to the
 * photo's pixels. The engine reaches it through electron/engine/vision/input.ts, which
 * turns its ImageError into a LanternError.
 *
 * The decoding rules are this adapter's, reused rather than rewritten: the file is read
 * through readMediaFile (regular files only, bounded), its EXIF is walked by the guard
 * before libvips parses it, the header is checked against the pixel limit before any
 * pixel is decoded (the decompression-bomb guard), EXIF orientation is applied by
 * libvips (autoOrient, what `.rotate()` does), transparency is flattened onto white
 * ([Note: transparency is flattened onto white for the model] in decode.ts), errors are
 * ImageError with its codes, and the model's resize is PIL's (resample.ts) from an
 * intermediate libvips brought down to PARITY_GAP × the input.
 *
 * What differs from CLIP's decodeImage is the resize, which CLIP's manifest cannot say:
 * - 'squash': the whole image to S × S, aspect ignored (OWL-ViT 768, CLIPSeg 352);
 * - 'pad-square': the oriented image padded at the right and bottom to a square of its
 *   longest side with the model's pad value, then resized to S × S (OWLv2). A box the
 *   model predicts is then in units of that padded square, never of the image.
 *
 * [Note: model coordinates back to photo pixels]
 * Everything a model says about the input (a box in 0..1, a mask pixel) is mapped back
 * through Geometry alone: input pixel (x, y) covers photo pixel (x · scaleX, y · scaleY)
 * of the photo *as shown* (EXIF-oriented). For 'squash' scaleX = width / S and
 * scaleY = height / S; for 'pad-square' both are about longest / S, and input pixels
 * past width / scaleX (or height / scaleY) are padding, not photo. Callers clamp.
 */
import { sharp } from './sharp-module.js';
import type { Sharp } from 'sharp';
import { DEFAULT_DECODE_TIMEOUT_MS, KERNELS, writeTensor } from './decode.js';
import type { RawImage } from './decode.js';
import {
  canDecodeHeic,
  classifyDecodeError,
  emptyFile,
  heicUnsupported,
  ImageError,
  tooLarge,
} from './errors.js';
import { guardedImageBytes } from './guarded-bytes.js';
import { PARITY_GAP } from './plan.js';
import { resampleLikePil } from './resample.js';

export type VisionResize = 'squash' | 'pad-square';

/** A detector's or segmenter's image preprocessing (its manifest entry's figures). */
export interface VisionPreprocess {
  /** Side of the square model input, in pixels. */
  size: number;
  resize: VisionResize;
  interpolation: 'nearest' | 'bilinear' | 'bicubic' | 'lanczos3';
  /** Applied to 0..255 values before mean/std (1/255 for the usual exports). */
  rescale: number;
  mean: readonly [number, number, number];
  std: readonly [number, number, number];
  /**
   * 'pad-square' only: the padding's value after rescale, before mean/std. Default
   * 0.5, OWLv2's: transformers' Owlv2ImageProcessor.pad fills with constant 0.5 after
   * rescaling to 0..1 (grey, not black, so the padding is not a dark object to detect).
   */
  padValue?: number;
}

export const DEFAULT_PAD_VALUE = 0.5;

/** How model-input coordinates map back to the photo; see [Note: model coordinates back to photo pixels]. */
export interface Geometry {
  /** The photo as shown, EXIF orientation applied, in pixels. */
  width: number;
  height: number;
  /** The EXIF orientation tag that was applied (1 when none; 1 for raw frames). */
  orientation: number;
  resize: VisionResize;
  /** Side of the square model input, in pixels. */
  inputSize: number;
  /** Photo pixels per model-input pixel, along x and along y. */
  scaleX: number;
  scaleY: number;
  /** Padding added at the right and bottom, in photo pixels (0 for 'squash'). */
  padRight: number;
  padBottom: number;
}

export interface VisionInput {
  /** CHW float32, 3 × size × size: one image row of `pixel_values`. */
  tensor: Float32Array;
  geometry: Geometry;
}

export interface VisionInputOptions {
  /** Images with more pixels (width × height) are refused as TOO_LARGE. */
  maxPixels: number;
  /** How error sentences name the image; default: the file's name, or "The image". */
  name?: string;
  /** A file larger than this is refused as TOO_LARGE; default media-file.ts's. */
  maxFileBytes?: number;
  /** Wall-clock budget of the decode in ms; default decode.ts's 20 s. */
  timeoutMs?: number;
}

const WHITE = { r: 255, g: 255, b: 255 };

/**
 * The photo at `input` (a path or its bytes) as a model input. Throws ImageError
 * (EMPTY_FILE, UNSUPPORTED_FORMAT, DECODE_FAILED, TOO_LARGE, READ_FAILED) as decodeImage
 * does, and RangeError on a preprocessing no model can have.
 */
export async function decodeVisionInput(
  input: Buffer | string,
  pre: VisionPreprocess,
  options: VisionInputOptions,
): Promise<VisionInput> {
  checkPreprocess(pre);
  const { name, bytes } = await guardedImageBytes(input, {
    name: options.name,
    maxBytes: options.maxFileBytes,
  });
  const budget = options.timeoutMs ?? DEFAULT_DECODE_TIMEOUT_MS;
  let timer: NodeJS.Timeout | undefined;
  // sharp's thread cannot be stopped; a decode over budget is abandoned (its result
  // dropped), as [Note: a time budget per decode] in decode.ts explains.
  const overdue = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      reject(
        new ImageError(
          'DECODE_FAILED',
          `${name} took longer than ${budget / 1000} s to decode; re-save it in an editor and try again.`,
        ),
      );
    }, budget);
  });
  const work = decodeOriented(bytes, name, pre, options.maxPixels);
  work.catch(() => undefined);
  try {
    const { image, width, height, orientation } = await Promise.race([work, overdue]);
    const prepared = await tensorFromPixels(image, pre, { width, height }).catch((error) => {
      throw classifyDecodeError(error, name);
    });
    return { ...prepared, geometry: { ...prepared.geometry, orientation } };
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Upright RGB pixels already in memory (a paused video frame from native/ffmpeg) as a
 * model input; the geometry maps back to `width × height` with orientation 1.
 */
export async function visionInputOfFrame(
  rgb: Buffer,
  width: number,
  height: number,
  pre: VisionPreprocess,
): Promise<VisionInput> {
  checkPreprocess(pre);
  if (!Number.isInteger(width) || !Number.isInteger(height) || rgb.length !== width * height * 3)
    throw new RangeError(`${rgb.length} bytes is not ${width}×${height} RGB`);
  const target = intermediateSize({ width, height }, pre);
  const image: RawImage =
    target === null
      ? { data: rgb, width, height, channels: 3 }
      : await rawPixels(sharp(rgb, { raw: { width, height, channels: 3 } }), target, pre);
  return tensorFromPixels(image, pre, { width, height });
}

function checkPreprocess(pre: VisionPreprocess): void {
  if (!Number.isInteger(pre.size) || pre.size < 1)
    throw new RangeError(`the model input size must be a whole number ≥ 1, not ${pre.size}`);
  const pad = pre.padValue ?? DEFAULT_PAD_VALUE;
  const fill = pad / pre.rescale;
  if (!(fill >= 0 && fill <= 255))
    throw new RangeError(`pad value ${pad} is not a pixel value (0..255 × rescale)`);
}

interface Size {
  width: number;
  height: number;
}

/**
 * The size libvips brings the oriented image down to while decoding ([Note: decode
 * once, at the smallest size that serves both] in plan.ts), or null to keep it: about
 * PARITY_GAP × the input along the side the model's resize maps to S, the shortest for
 * 'squash' (its tighter axis), the longest for 'pad-square' (both axes shrink by
 * S / longest).
 */
function intermediateSize(source: Size, pre: VisionPreprocess): Size | null {
  const side =
    pre.resize === 'squash'
      ? Math.min(source.width, source.height)
      : Math.max(source.width, source.height);
  const scale = (PARITY_GAP * pre.size) / side;
  if (scale >= 1) return null;
  const scaled = (length: number) => Math.max(1, Math.round(length * scale));
  return { width: scaled(source.width), height: scaled(source.height) };
}

/** Run `pipeline` to 8-bit raw pixels, resized to `target` when given. */
async function rawPixels(
  pipeline: Sharp,
  target: Size | null,
  pre: VisionPreprocess,
): Promise<RawImage> {
  if (target !== null) {
    pipeline = pipeline.resize(target.width, target.height, {
      fit: 'fill',
      kernel: KERNELS[pre.interpolation],
    });
  }
  const { data, info } = await pipeline
    .raw({ depth: 'uchar' })
    .toBuffer({ resolveWithObject: true });
  const channels = info.channels;
  return { data, width: info.width, height: info.height, channels };
}

/** Header checks, then one oriented decode to the intermediate, as decodeImage does. */
async function decodeOriented(
  bytes: Buffer,
  name: string,
  pre: VisionPreprocess,
  maxPixels: number,
) {
  if (bytes.length === 0) throw emptyFile(name);
  try {
    // Header only: no pixels are decoded, so no pixel limit is needed yet.
    const meta = await sharp(bytes, { limitInputPixels: false }).metadata();
    if (meta.format === 'heif' && meta.compression === 'hevc' && !canDecodeHeic())
      throw heicUnsupported(name);
    if (meta.width * meta.height > maxPixels)
      throw tooLarge(name, meta.width, meta.height, maxPixels);
    const shown = { width: meta.autoOrient.width, height: meta.autoOrient.height };
    // 'error' rather than 'warning', as decode.ts: harmless camera quirks pass.
    const pipeline = sharp(bytes, {
      autoOrient: true,
      limitInputPixels: maxPixels,
      failOn: 'error',
    });
    const image = await rawPixels(
      pipeline.toColourspace('srgb'),
      intermediateSize(shown, pre),
      pre,
    );
    return { image, ...shown, orientation: meta.orientation ?? 1 };
  } catch (error) {
    throw classifyDecodeError(error, name);
  }
}

/** Greyscale and alpha to RGB on white, as the CLIP path does. */
async function rgbOf(image: RawImage): Promise<Buffer> {
  if (image.channels === 3) return image.data;
  const raw = { raw: { width: image.width, height: image.height, channels: image.channels } };
  let pipeline = sharp(image.data, raw);
  if (image.channels === 2 || image.channels === 4)
    pipeline = pipeline.flatten({ background: WHITE });
  return pipeline.toColourspace('srgb').removeAlpha().raw().toBuffer();
}

/**
 * The intermediate `image` (the photo of size `shown`, maybe shrunk) into the tensor.
 * The geometry is computed from the intermediate's own rounded size, so a shrink that
 * rounded 1001 px to 250 still maps back to exactly 1001.
 */
async function tensorFromPixels(
  image: RawImage,
  pre: VisionPreprocess,
  shown: Size,
): Promise<VisionInput> {
  let rgb = await rgbOf(image);
  let canvas: Size = { width: image.width, height: image.height };
  if (pre.resize === 'pad-square') {
    const side = Math.max(image.width, image.height);
    // Bytes hold whole values: OWLv2's 0.5 becomes 128 of 255 (0.002 off, about 0.007
    // after OWLv2's std; its own resize differs from PIL's by more than that).
    const fill = Math.round((pre.padValue ?? DEFAULT_PAD_VALUE) / pre.rescale);
    rgb = padRightBottom(rgb, image.width, image.height, side, fill);
    canvas = { width: side, height: side };
  }
  const S = pre.size;
  const pixels = resampleLikePil(rgb, canvas.width, canvas.height, S, S, pre.interpolation);
  const tensor = new Float32Array(3 * S * S);
  writeTensor(pixels, { ...pre, resize: 'squash' }, tensor, 0);
  // Photo pixels per intermediate pixel, per axis, times intermediate pixels per input pixel.
  const perX = shown.width / image.width;
  const perY = shown.height / image.height;
  return {
    tensor,
    geometry: {
      width: shown.width,
      height: shown.height,
      orientation: 1,
      resize: pre.resize,
      inputSize: S,
      scaleX: (canvas.width / S) * perX,
      scaleY: (canvas.height / S) * perY,
      padRight: (canvas.width - image.width) * perX,
      padBottom: (canvas.height - image.height) * perY,
    },
  };
}

/** `rgb` (width × height) at the top-left of a side × side square of `fill`. */
function padRightBottom(rgb: Buffer, width: number, height: number, side: number, fill: number) {
  if (width === side && height === side) return rgb;
  const out = Buffer.alloc(side * side * 3, fill);
  for (let y = 0; y < height; y++) rgb.copy(out, y * side * 3, y * width * 3, (y + 1) * width * 3);
  return out;
}
