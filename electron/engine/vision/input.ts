/**
 * @file A photo (or a video frame already in memory) into the input tensor of a
 * detector or segmenter, plus the Geometry that maps the model's coordinates back to the
 * photo's pixels. Runs in the engine (plain Node).
 *
 * The decoding itself is native/image's (vision-input.ts, where [Note: model coordinates
 * back to photo pixels] says how Geometry is read): the engine reaches sharp only through
 * that adapter (DESIGN.md, Layout). This wrapper keeps the engine's names and turns the
 * adapter's ImageError into a LanternError with the same code and sentence.
 */
import { LanternError } from '../../shared/errors.js';
import { decodeVisionInput, ImageError, visionInputOfFrame } from '../../../native/image/index.js';
import type {
  VisionInput,
  VisionInputOptions,
  VisionPreprocess,
} from '../../../native/image/index.js';

export { DEFAULT_PAD_VALUE } from '../../../native/image/index.js';
export type {
  Geometry,
  VisionInput,
  VisionInputOptions,
  VisionPreprocess,
  VisionResize,
} from '../../../native/image/index.js';

/** The adapter's error as the engine's: same code, same sentence, the original as cause. */
function fromImageError(error: unknown): unknown {
  return error instanceof ImageError
    ? new LanternError(error.code, error.message, { cause: error })
    : error;
}

/**
 * The photo at `input` (a path or its bytes) as a model input. Throws LanternError
 * (EMPTY_FILE, UNSUPPORTED_FORMAT, DECODE_FAILED, TOO_LARGE, READ_FAILED) as decodeImage
 * would, and RangeError on a preprocessing no model can have.
 */
export async function prepareVisionInput(
  input: Buffer | string,
  pre: VisionPreprocess,
  options: VisionInputOptions,
): Promise<VisionInput> {
  try {
    return await decodeVisionInput(input, pre, options);
  } catch (error) {
    throw fromImageError(error);
  }
}

/**
 * Upright RGB pixels already in memory (a paused video frame from native/ffmpeg) as a
 * model input; the geometry maps back to `width × height` with orientation 1.
 */
export async function prepareVisionFrame(
  rgb: Buffer,
  width: number,
  height: number,
  pre: VisionPreprocess,
): Promise<VisionInput> {
  try {
    return await visionInputOfFrame(rgb, width, height, pre);
  } catch (error) {
    throw fromImageError(error);
  }
}
