/**
 * @file preprocessRaw: raw RGB pixels already in memory (a sampled video frame) into
 * the model tensor, with the same resize, crop, kernel and normalisation as photos, and
 * optionally a WebP poster from the same pixels. Runs in the engine worker.
 *
 * Video frames arrive decoded, upright and small (native/ffmpeg sampleFrames), so there
 * is nothing to orient and no cheaper decode to plan for; planDecode still decides the
 * one shared intermediate, so a frame goes through exactly the steps a photo of that
 * size would (libvips down to the intermediate, then PIL's resize for the model:
 * resample.ts), and a video's hits are comparable with photos'.
 */
import { sharp } from './sharp-module.js';
import { KERNELS, modelPixels, writeTensor, writeThumbnail } from './decode.js';
import type { ImagePreprocessOptions, RawImage } from './decode.js';
import { planDecode } from './plan.js';

export interface PreprocessRawOptions {
  preprocess: ImagePreprocessOptions;
  /** The batch buffer; this frame fills 3 × size × size floats from `offset`. */
  target: Float32Array;
  offset: number;
  /** Also write a WebP poster here, longest side `size` (never enlarged). */
  poster?: { path: string; size: number };
  /** How error sentences name the frame; default "The video frame". */
  name?: string;
}

/**
 * Normalise one RGB frame (`width × height × 3` bytes, rows top to bottom) into
 * `target` at `offset`. Throws RangeError on a wrong buffer size or a target too small,
 * ImageError STORE_FAILED when the poster cannot be written.
 */
export async function preprocessRaw(
  rgb: Buffer,
  width: number,
  height: number,
  options: PreprocessRawOptions,
): Promise<void> {
  const { preprocess: pre, target, offset, poster } = options;
  if (!Number.isInteger(width) || !Number.isInteger(height) || rgb.length !== width * height * 3) {
    throw new RangeError(`${rgb.length} bytes is not ${width}×${height} RGB`);
  }
  const floats = 3 * pre.size * pre.size;
  if (!Number.isInteger(offset) || offset < 0 || offset + floats > target.length) {
    throw new RangeError(
      `target has ${target.length} floats; ${floats} needed from offset ${offset}`,
    );
  }
  const plan = planDecode({ width, height }, pre.size, pre.resize, poster?.size ?? null);
  let image: RawImage = { data: rgb, width, height, channels: 3 };
  if (plan.intermediate !== null) {
    const { data, info } = await sharp(rgb, { raw: { width, height, channels: 3 } })
      .resize(plan.intermediate.width, plan.intermediate.height, {
        fit: 'fill',
        kernel: KERNELS[pre.interpolation],
      })
      .raw()
      .toBuffer({ resolveWithObject: true });
    image = { data, width: info.width, height: info.height, channels: 3 };
  }
  const [pixels] = await Promise.all([
    modelPixels(image, plan, pre),
    poster && plan.thumbnail
      ? writeThumbnail(image, plan.thumbnail, poster.path, options.name ?? 'The video frame')
      : undefined,
  ]);
  writeTensor(pixels, pre, target, offset);
}
