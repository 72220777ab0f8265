/**
 * @file A photo's bytes as every reader in native/image takes them: a path read per
 * [Note: only regular files are read] (media-file.ts), or bytes already in memory, then
 * the EXIF guard (exif-guard.ts) before any decoder sees them. One place, so a new reader
 * (vision inputs, exports, embedded text) cannot skip a check.
 */
import { basename } from 'node:path';
import { assertReadableExif } from './exif-guard.js';
import { readMediaFile } from './media-file.js';

export interface GuardedBytes {
  /** How messages name the photo: `options.name`, the file's name, or "The image". */
  name: string;
  bytes: Buffer;
}

/** Throws ImageError: READ_FAILED, TOO_LARGE (over `maxBytes`), DECODE_FAILED (EXIF bomb). */
export async function guardedImageBytes(
  input: Buffer | string,
  options: { name?: string | undefined; maxBytes?: number | undefined } = {},
): Promise<GuardedBytes> {
  const name = options.name ?? (typeof input === 'string' ? basename(input) : 'The image');
  const bytes =
    typeof input === 'string'
      ? await readMediaFile(input, {
          name,
          ...(options.maxBytes !== undefined ? { maxBytes: options.maxBytes } : {}),
        })
      : input;
  assertReadableExif(bytes, name);
  return { name, bytes };
}
