/**
 * @file Errors of the image adapter and the mapping from libvips/sharp messages to
 * them. Runs in the engine worker (plain Node).
 *
 * native/ may not import electron/ (DESIGN.md, Layout), so this is not a LanternError:
 * it carries the same kind of stable `code` (a subset of electron/shared/errors.ts
 * ErrorCode, spelled identically) and one sentence that says what to do. The engine
 * wraps it as `new LanternError(error.code, error.message, { cause: error })`.
 */
import { loadSharp } from './sharp-module.js';

export type ImageErrorCode =
  | 'EMPTY_FILE'
  | 'UNSUPPORTED_FORMAT'
  | 'DECODE_FAILED'
  | 'TOO_LARGE'
  | 'READ_FAILED'
  /** The thumbnail could not be written into the library folder. */
  | 'STORE_FAILED';

export class ImageError extends Error {
  readonly code: ImageErrorCode;

  constructor(code: ImageErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ImageError';
    this.code = code;
  }
}

/**
 * Whether this sharp build can decode HEVC-coded HEIF (iPhone HEIC). The prebuilt
 * sharp binaries ship libheif with the AV1 decoder only (patents), so they list only
 * ".avif" for heif input; a sharp built against a system libvips with libde265 lists
 * ".heic" too.
 */
export function canDecodeHeic(): boolean {
  return loadSharp().format.heif.input.fileSuffix?.includes('.heic') ?? false;
}

export function heicUnsupported(name: string, options?: { cause?: unknown }): ImageError {
  return new ImageError(
    'UNSUPPORTED_FORMAT',
    `${name} is a HEIC photo (HEVC-coded), which this build of Lantern cannot decode; ` +
      'convert it to JPEG, or run Lantern with a system libvips that has HEVC support.',
    options,
  );
}

/** "24.2", "300", "0.01": enough digits to compare with the limit, no more. */
export function formatMegapixels(pixels: number): string {
  return String(Number((pixels / 1e6).toPrecision(3)));
}

export function tooLarge(
  name: string,
  width: number,
  height: number,
  maxPixels: number,
): ImageError {
  return new ImageError(
    'TOO_LARGE',
    `${name} is ${width}×${height} = ${formatMegapixels(width * height)} megapixels, over the limit of ` +
      `${formatMegapixels(maxPixels)}; raise the limit in settings if you trust it.`,
  );
}

export function emptyFile(name: string): ImageError {
  return new ImageError(
    'EMPTY_FILE',
    `${name} is empty (0 bytes); it may still be copying or was cut short.`,
  );
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * Turn whatever sharp threw into an ImageError. sharp reports everything as a plain
 * Error whose message comes from libvips, so the mapping is by message; anything not
 * recognised while decoding is DECODE_FAILED, the honest default for a file that a
 * decoder accepted and then could not finish.
 */
export function classifyDecodeError(error: unknown, name: string): ImageError {
  if (error instanceof ImageError) return error;
  const message = messageOf(error);
  const cause = { cause: error };
  if (/Input (Buffer|file) is empty/i.test(message)) return emptyFile(name);
  if (/Input file is missing|ENOENT/i.test(message)) {
    return new ImageError(
      'READ_FAILED',
      `${name} was not found; it may have been moved or deleted.`,
      cause,
    );
  }
  if (/EACCES|EPERM/i.test(message)) {
    return new ImageError('READ_FAILED', `${name} could not be read: permission denied.`, cause);
  }
  if (/unsupported image format/i.test(message)) {
    return new ImageError(
      'UNSUPPORTED_FORMAT',
      `${name} is not an image format Lantern can read (JPEG, PNG, WebP, GIF, TIFF, AVIF).`,
      cause,
    );
  }
  // libheif's words when the HEVC plugin is missing vary by version: "Unsupported
  // codec", "No decoding plugin", 1.23's "Support for this compression format has not
  // been built in: HEVC (a suitable decoder plugin is libde265)".
  if (
    /heif.*(unsupported (codec|feature)|no decoding plugin|not been built in)|hevc/i.test(message)
  ) {
    return heicUnsupported(name, cause);
  }
  if (/exceeds pixel limit/i.test(message)) {
    return new ImageError(
      'TOO_LARGE',
      `${name} has more pixels than the limit; raise the limit in settings if you trust it.`,
      cause,
    );
  }
  const detail = message.split('\n')[0]?.trim() ?? '';
  return new ImageError(
    'DECODE_FAILED',
    `${name} could not be decoded; the file looks truncated or corrupt (${detail}). ` +
      'Re-copy it from its source if it opens nowhere else.',
    cause,
  );
}
