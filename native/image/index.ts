/**
 * @file The image adapter: Lantern's only door to sharp (libvips). Decodes photos for
 * the model (CLIP's batch tensor, a detector's or segmenter's input with its geometry),
 * writes thumbnails, reads EXIF, and draws the inspector's exports (vision-raster.ts). Runs in the engine worker (plain Node);
 * imports node and sharp only (DESIGN.md, Layout); sharp loads on first use (sharp-module.ts).
 */
import { loadSharp } from './sharp-module.js';

export { decodeImage, DEFAULT_DECODE_TIMEOUT_MS } from './decode.js';
export type { DecodeImageOptions, DecodedImageInfo, ImagePreprocessOptions } from './decode.js';
export { preprocessRaw } from './raw.js';
export type { PreprocessRawOptions } from './raw.js';
export { readEmbeddedText } from './embedded-text.js';
export { laplacianVariance } from './sharpness.js';
export type { EmbeddedText } from './embedded-text.js';
export { readExif, parseExifDate } from './exif.js';
export type { ImageExif } from './exif.js';
export { ImageError, canDecodeHeic } from './errors.js';
export { readMediaFile, assertRegularFile, DEFAULT_MAX_FILE_BYTES } from './media-file.js';
export type { ImageErrorCode } from './errors.js';
export { decodeVisionInput, visionInputOfFrame, DEFAULT_PAD_VALUE } from './vision-input.js';
export {
  annotatedPng,
  cropEncoded,
  cutoutPng,
  decodeUpright,
  maskPng,
  outsideMaskPng,
  uprightSize,
} from './vision-raster.js';
export type {
  AnnotateOptions,
  MaskRaster,
  MaskTint,
  Region,
  RgbRaster,
  UprightOptions,
} from './vision-raster.js';
export type {
  Geometry,
  VisionInput,
  VisionInputOptions,
  VisionPreprocess,
  VisionResize,
} from './vision-input.js';

/**
 * File extensions (lower case, no dot) the indexer treats as images. HEIC/HEIF are
 * listed even where this build cannot decode them, so such files are reported as
 * UNSUPPORTED_FORMAT with a way out instead of being silently skipped.
 */
export const imageExtensions: readonly string[] = [
  'jpg',
  'jpeg',
  'png',
  'webp',
  'gif',
  'tif',
  'tiff',
  'avif',
  'heic',
  'heif',
];

export interface ImageDecodingSettings {
  /** libvips worker threads per image operation. */
  concurrency: number;
  /** Whether libvips' operation cache is on. */
  cache: boolean;
}

/**
 * Tune libvips for the indexer. Process-wide; call once at start-up.
 *
 * concurrency: libvips gives each image operation its own pool of threads (default:
 * one per core). The indexer already decodes several files at once while
 * onnxruntime uses the cores for inference, so per-image threads only oversubscribe
 * the CPU and thrash caches; with N decodes in flight, 1 thread each is the right
 * size on machines with few cores (about cores / N on larger ones).
 *
 * cache: libvips caches recent operations and keeps recently used files open. An
 * indexer sees each file once, so the cache only holds memory and file handles (on
 * Windows an open handle also blocks moving or deleting the photo); turn it off.
 */
export function configureImageDecoding(options: {
  concurrency?: number;
  cache?: boolean;
}): ImageDecodingSettings {
  const { concurrency } = options;
  if (concurrency !== undefined && (!Number.isInteger(concurrency) || concurrency < 0)) {
    throw new RangeError(
      `concurrency must be a whole number ≥ 0 (0 = one per core), not ${concurrency}`,
    );
  }
  const sharp = loadSharp();
  if (concurrency !== undefined) sharp.concurrency(concurrency);
  if (options.cache !== undefined) sharp.cache(options.cache);
  const cache = sharp.cache();
  return { concurrency: sharp.concurrency(), cache: cache.items.max > 0 || cache.files.max > 0 };
}
