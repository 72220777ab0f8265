/**
 * @file decodeImage: one image file in, a normalised CHW model tensor (written into
 * the caller's batch buffer), a WebP thumbnail, and the facts the library keeps.
 * Runs in the engine worker (plain Node), several at once beside inference.
 *
 * See [Note: decode once, at the smallest size that serves both] in plan.ts.
 *
 * [Note: transparency is flattened onto white for the model]
 * CLIP never saw alpha: its training images were RGB. Dropping the alpha channel (what
 * PIL's `convert('RGB')` does) exposes whatever colour transparent pixels happen to
 * store, which is arbitrary (often black, sometimes garbage). Flattening onto white
 * is deterministic, matches how a viewer shows a transparent logo on a page, and is
 * what img2dataset (which built LAION, the training set of the OpenCLIP models) does:
 * "alpha matting with white background". The thumbnail keeps its alpha (WebP has it)
 * so the interface can show transparency as it likes.
 *
 * [Note: a time budget per decode]
 * Each file gets a wall-clock budget (DEFAULT_DECODE_TIMEOUT_MS unless the caller says
 * otherwise). sharp works on a libuv thread that cannot be interrupted, so a decode over
 * its budget is *abandoned*, not stopped: the caller gets DECODE_FAILED at once and
 * moves on, while the abandoned work finishes into a private scratch tensor that is
 * dropped, and writes no thumbnail. The caller's batch tensor is written only by a
 * decode that finished in time, so a late one can never overwrite a slot that by then
 * holds another photo. The known way to make libvips spin (looping EXIF) is refused
 * before decoding (exif-guard.ts); the budget is the net for whatever is not known.
 */
import { mkdir, rename, unlink } from 'node:fs/promises';
import { dirname } from 'node:path';
import { randomBytes } from 'node:crypto';
import { sharp } from './sharp-module.js';
import type { Metadata, Sharp, SharpOptions } from 'sharp';
import { readExif } from './exif.js';
import type { ImageExif } from './exif.js';
import { guardedImageBytes } from './guarded-bytes.js';
import {
  canDecodeHeic,
  classifyDecodeError,
  emptyFile,
  heicUnsupported,
  ImageError,
  tooLarge,
} from './errors.js';
import { planDecode } from './plan.js';
import type { DecodePlan, Size } from './plan.js';
import { resampleLikePil } from './resample.js';

/** The preprocessing a model's manifest asks for (shape of ImagePreprocess). */
export interface ImagePreprocessOptions {
  /** Side of the square model input, in pixels. */
  size: number;
  resize: 'shortest-crop' | 'squash';
  interpolation: 'nearest' | 'bilinear' | 'bicubic' | 'lanczos3';
  /** Applied to 0..255 values before mean/std (1/255 for the usual exports). */
  rescale: number;
  mean: readonly [number, number, number];
  std: readonly [number, number, number];
}

export interface DecodeImageOptions {
  preprocess: ImagePreprocessOptions;
  /** The batch buffer; this image fills 3 × size × size floats from `offset`. */
  target: Float32Array;
  offset: number;
  /** Where to write the WebP thumbnail and its longest side; omitted: no thumbnail. */
  thumbnail?: { path: string; size: number };
  /** Images with more pixels (width × height) are refused as TOO_LARGE. */
  maxPixels: number;
  /** How error sentences name the image; default: the file's name, or "The image" for a buffer. */
  name?: string;
  /** A file (path input) larger than this is refused as TOO_LARGE; default DEFAULT_MAX_FILE_BYTES. */
  maxFileBytes?: number;
  /** Wall-clock budget in ms; see [Note: a time budget per decode]. */
  timeoutMs?: number;
}

/**
 * Default time budget of one decode. A 100 MP JPEG or PNG (the pixel limit) decodes in a
 * few seconds on one slow core; 20 s is several times that, and far below the minutes a
 * pathological file can take.
 */
export const DEFAULT_DECODE_TIMEOUT_MS = 20_000;

export interface DecodedImageInfo {
  /** Size as displayed, after EXIF orientation. */
  width: number;
  height: number;
  /** sharp's name of the decoder: jpeg, png, webp, gif, tiff, heif, … */
  format: string;
  /** The EXIF orientation tag that was applied (1 when there was none). */
  orientation: number;
  /** Present when the file has an EXIF block; see [Note: EXIF time is camera wall-clock time]. */
  exif?: ImageExif;
  hasAlpha: boolean;
}

/**
 * Manifest interpolation names to the libvips kernels of the decode's intermediate
 * resize ('cubic' is Catmull-Rom, as PIL's bicubic); the model's resize is PIL's own.
 */
export const KERNELS = {
  nearest: 'nearest',
  bilinear: 'linear',
  bicubic: 'cubic',
  lanczos3: 'lanczos3',
} as const;

/** Manifest interpolation names to Pillow's filters (resample.ts). */
const FILTERS = {
  nearest: 'nearest',
  bilinear: 'bilinear',
  bicubic: 'bicubic',
  lanczos3: 'lanczos3',
} as const;

const WHITE = { r: 255, g: 255, b: 255 };

/**
 * WebP quality for thumbnails: sharp's default, visually clean at 256–512 px while
 * about a tenth the size of a PNG; the thumbnail is for looking at, not for models.
 */
const THUMBNAIL_QUALITY = 80;

/**
 * libwebp's effort (sharp's default 4). 2 encodes a 256 px thumbnail in ~5 instead of
 * ~8 ms of CPU for a file 3 % larger (5.6 against 5.4 kB, measured on the benchmark's
 * real photos); every photo of an index run pays it beside inference, on the same cores.
 */
const THUMBNAIL_EFFORT = 2;

export interface RawImage {
  data: Buffer;
  width: number;
  height: number;
  channels: 1 | 2 | 3 | 4;
}

function rawInput(image: RawImage): SharpOptions {
  return { raw: { width: image.width, height: image.height, channels: image.channels } };
}

async function readHeader(input: Buffer, name: string): Promise<Metadata> {
  // sharp calls a zero-byte input "unsupported image format"; say what it really is.
  if (input.length === 0) throw emptyFile(name);
  try {
    // Header only: no pixels are decoded, so no pixel limit is needed here, and the
    // dimensions it returns let the TOO_LARGE sentence name them.
    return await sharp(input, { limitInputPixels: false }).metadata();
  } catch (error) {
    throw classifyDecodeError(error, name);
  }
}

/** Decode once, oriented, as 8-bit sRGB (plus alpha when the image has it). */
async function decodeIntermediate(input: Buffer, target: Size | null, options: DecodeImageOptions) {
  let pipeline: Sharp = sharp(input, {
    autoOrient: true,
    limitInputPixels: options.maxPixels,
    // 'error' rather than the default 'warning': real cameras and editors write JPEGs
    // with harmless warnings ("extraneous bytes") that every viewer shows; truncated
    // and corrupt data is still an error.
    failOn: 'error',
  });
  if (target !== null) {
    pipeline = pipeline.resize(target.width, target.height, {
      fit: 'fill',
      kernel: KERNELS[options.preprocess.interpolation],
    });
  }
  // Greyscale, CMYK, 16-bit and palette images all become 8-bit sRGB here.
  const { data, info } = await pipeline
    .toColourspace('srgb')
    .raw({ depth: 'uchar' })
    .toBuffer({ resolveWithObject: true });
  return {
    data,
    width: info.width,
    height: info.height,
    channels: info.channels,
  } satisfies RawImage;
}

/**
 * The model's pixels, RGB HWC: flattened onto white, then resized PIL's way and
 * centre-cropped ([Note: the model's resize is PIL's, computed here]).
 */
export async function modelPixels(image: RawImage, plan: DecodePlan, pre: ImagePreprocessOptions) {
  let rgb = image.data;
  if (image.channels !== 3) {
    // Greyscale and alpha: libvips makes them RGB on white (small: the intermediate).
    const hasAlpha = image.channels === 2 || image.channels === 4;
    let pipeline = sharp(image.data, rawInput(image));
    if (hasAlpha) pipeline = pipeline.flatten({ background: WHITE });
    rgb = await pipeline.toColourspace('srgb').raw().toBuffer();
  }
  const window = { ...(plan.crop ?? { left: 0, top: 0 }), width: pre.size, height: pre.size };
  const { width, height } = plan.model;
  return resampleLikePil(
    rgb,
    image.width,
    image.height,
    width,
    height,
    FILTERS[pre.interpolation],
    window,
  );
}

/** (v × rescale − mean) / std per channel, HWC bytes to CHW floats at `offset`. */
export function writeTensor(
  pixels: Buffer,
  pre: ImagePreprocessOptions,
  target: Float32Array,
  offset: number,
): void {
  const plane = pre.size * pre.size;
  for (let c = 0; c < 3; c++) {
    const scale = pre.rescale / pre.std[c]!;
    const bias = -pre.mean[c]! / pre.std[c]!;
    const base = offset + c * plane;
    for (let i = 0; i < plane; i++) target[base + i] = pixels[i * 3 + c]! * scale + bias;
  }
}

/**
 * Write the WebP thumbnail beside its final name, then rename: readers never see half
 * a file. A failure here is the library folder's (full disk, no permission), not the
 * photo's, so it is reported as STORE_FAILED rather than as a decode error.
 */
export async function writeThumbnail(
  image: RawImage,
  size: Size & { resize: boolean },
  path: string,
  name: string,
) {
  const temporary = `${path}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  let pipeline = sharp(image.data, rawInput(image));
  if (size.resize)
    pipeline = pipeline.resize(size.width, size.height, { fit: 'fill', kernel: 'lanczos3' });
  try {
    await mkdir(dirname(path), { recursive: true });
    await pipeline.webp({ quality: THUMBNAIL_QUALITY, effort: THUMBNAIL_EFFORT }).toFile(temporary);
    await rename(temporary, path);
  } catch (error) {
    await unlink(temporary).catch(() => undefined);
    const reason = error instanceof Error ? error.message.split('\n')[0] : String(error);
    throw new ImageError(
      'STORE_FAILED',
      `The thumbnail of ${name} could not be written to ${dirname(path)} (${reason}); ` +
        'check that the library folder is writable and the disk has space.',
      { cause: error },
    );
  }
}

/**
 * Decode an image file or buffer for the model and the library. Throws ImageError
 * (EMPTY_FILE, UNSUPPORTED_FORMAT, DECODE_FAILED, TOO_LARGE, READ_FAILED, and
 * STORE_FAILED when the thumbnail cannot be written). A path is read through
 * readMediaFile ([Note: only regular files are read]).
 */
export async function decodeImage(
  input: Buffer | string,
  options: DecodeImageOptions,
): Promise<DecodedImageInfo> {
  const { preprocess: pre, target, offset } = options;
  const floats = 3 * pre.size * pre.size;
  if (!Number.isInteger(offset) || offset < 0 || offset + floats > target.length) {
    throw new RangeError(
      `target has ${target.length} floats; ${floats} needed from offset ${offset}`,
    );
  }
  const { name, bytes } = await guardedImageBytes(input, {
    name: options.name,
    maxBytes: options.maxFileBytes,
  });

  const budget = options.timeoutMs ?? DEFAULT_DECODE_TIMEOUT_MS;
  const scratch = new Float32Array(floats);
  let abandoned = false;
  let timer: NodeJS.Timeout | undefined;
  const work = decodeInto(bytes, name, scratch, options, () => abandoned);
  const overdue = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      abandoned = true;
      reject(
        new ImageError(
          'DECODE_FAILED',
          `${name} took longer than ${formatSeconds(budget)} to decode; skipped. ` +
            'Re-save it in an editor if it should be indexed.',
        ),
      );
    }, budget);
  });
  // The abandoned decode's own failure, if any, comes after its caller has moved on.
  work.catch(() => undefined);
  try {
    const info = await Promise.race([work, overdue]);
    target.set(scratch, offset);
    return info;
  } finally {
    clearTimeout(timer);
  }
}

function formatSeconds(ms: number): string {
  return `${Number((ms / 1000).toPrecision(3))} s`;
}

/** The decode proper, into `scratch` at 0; `isAbandoned` stops it before side effects. */
async function decodeInto(
  bytes: Buffer,
  name: string,
  scratch: Float32Array,
  options: DecodeImageOptions,
  isAbandoned: () => boolean,
): Promise<DecodedImageInfo> {
  const pre = options.preprocess;
  const meta = await readHeader(bytes, name);
  if (meta.format === 'heif' && meta.compression === 'hevc' && !canDecodeHeic())
    throw heicUnsupported(name);
  if (meta.width * meta.height > options.maxPixels) {
    throw tooLarge(name, meta.width, meta.height, options.maxPixels);
  }

  const oriented = { width: meta.autoOrient.width, height: meta.autoOrient.height };
  const plan = planDecode(oriented, pre.size, pre.resize, options.thumbnail?.size ?? null);
  try {
    const image = await decodeIntermediate(bytes, plan.intermediate, options);
    // Too late: nobody wants these pixels, and a thumbnail would be an orphan.
    if (isAbandoned()) throw new ImageError('DECODE_FAILED', `${name}: decode abandoned.`);
    const thumbnail = options.thumbnail;
    const [pixels] = await Promise.all([
      modelPixels(image, plan, pre),
      thumbnail && plan.thumbnail
        ? writeThumbnail(image, plan.thumbnail, thumbnail.path, name)
        : undefined,
    ]);
    writeTensor(pixels, pre, scratch, 0);
  } catch (error) {
    throw classifyDecodeError(error, name);
  }

  const info: DecodedImageInfo = {
    width: oriented.width,
    height: oriented.height,
    format: meta.format,
    orientation: meta.orientation ?? 1,
    hasAlpha: meta.hasAlpha,
  };
  if (meta.exif !== undefined) info.exif = await readExif(meta.exif);
  return info;
}
