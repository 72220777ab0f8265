/**
 * @file The one door through which Lantern reads a media file's bytes: regular files
 * only, of bounded size, checked and read through one descriptor. Runs in the engine
 * worker (plain Node); native/ffmpeg uses the type check before it hands a path to ffprobe.
 *
 * [Note: only regular files are read]
 * A path with a media extension can name anything: a symlink to a FIFO (opening it for
 * reading blocks until a writer appears, which may be never, and a blocked open holds a
 * libuv thread that Ctrl+C cannot free), to /dev/zero (endless bytes: memory grows until
 * the process dies), to a socket or to a folder. So the file is opened with O_NONBLOCK
 * (an open of a FIFO returns at once instead of waiting for a writer; on a regular file
 * the flag does nothing), the *opened descriptor* is fstat'ed, anything but a regular
 * file is refused, and the bytes are read from that same descriptor, never more than its
 * size at open and never more than the limit: nothing can swap the file between the
 * check and the read (no TOCTOU), and nothing is read unbounded.
 */
import { constants } from 'node:fs';
import { open } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import type { Stats } from 'node:fs';
import path from 'node:path';
import { ImageError } from './errors.js';

/**
 * Default ceiling on a photo file's size. The pixel limit (100 MP by default) bounds the
 * decoded image; this bounds the read: the largest file that can pass that limit is an
 * uncompressed 16-bit RGBA TIFF of 100 MP = 800 MB, so 1 GiB refuses nothing a decode
 * would accept while keeping a few decodes in flight within a desktop's memory.
 */
export const DEFAULT_MAX_FILE_BYTES = 1024 ** 3;

/** O_NONBLOCK where the platform has it (POSIX); Windows has no FIFOs to block on. */
const OPEN_FLAGS = constants.O_RDONLY | (constants.O_NONBLOCK ?? 0);

/** What the file is, in words, for the sentence that refuses it. */
function kindOf(info: Stats): string {
  if (info.isFIFO()) return 'a FIFO';
  if (info.isCharacterDevice()) return 'a character device';
  if (info.isBlockDevice()) return 'a block device';
  if (info.isSocket()) return 'a socket';
  if (info.isDirectory()) return 'a folder';
  return 'not a file';
}

function notRegular(name: string, what: string): ImageError {
  return new ImageError(
    'READ_FAILED',
    `${name} is not a regular file (${what}); Lantern only reads regular files.`,
  );
}

function openFailed(error: unknown, name: string): ImageError {
  const code = (error as NodeJS.ErrnoException).code;
  const cause = { cause: error };
  if (code === 'ENOENT')
    return new ImageError(
      'READ_FAILED',
      `${name} was not found; it may have been moved or deleted.`,
      cause,
    );
  if (code === 'EACCES' || code === 'EPERM')
    return new ImageError('READ_FAILED', `${name} could not be read: permission denied.`, cause);
  // open(2) answers ENXIO for a Unix socket (and a device with no driver behind it).
  if (code === 'ENXIO') return notRegular(name, 'a socket or a device');
  if (code === 'ELOOP') return notRegular(name, 'a symbolic link that loops');
  const reason = error instanceof Error ? error.message : String(error);
  return new ImageError('READ_FAILED', `${name} could not be read (${reason}).`, cause);
}

/** A regular file, opened for reading; the caller closes it. Throws ImageError READ_FAILED. */
async function openRegular(
  file: string,
  name: string,
): Promise<{ handle: FileHandle; size: number }> {
  let handle: FileHandle;
  try {
    handle = await open(file, OPEN_FLAGS);
  } catch (error) {
    throw openFailed(error, name);
  }
  try {
    const info = await handle.stat();
    if (!info.isFile()) throw notRegular(name, kindOf(info));
    return { handle, size: info.size };
  } catch (error) {
    await handle.close();
    throw error instanceof ImageError ? error : openFailed(error, name);
  }
}

/**
 * Refuse anything that is not a regular file; for callers that hand the path to another
 * program (ffprobe), which opens it again. Returns the file's size.
 */
export async function assertRegularFile(file: string, name = path.basename(file)): Promise<number> {
  const { handle, size } = await openRegular(file, name);
  await handle.close();
  return size;
}

export function fileTooLarge(name: string, size: number, maxBytes: number): ImageError {
  const mib = (bytes: number) => `${Math.round(bytes / 1024 ** 2)} MiB`;
  return new ImageError(
    'TOO_LARGE',
    `${name} is ${mib(size)}, over the limit of ${mib(maxBytes)} for one photo; ` +
      'raise the limit in settings if you trust it.',
  );
}

/**
 * A media file's bytes, read per [Note: only regular files are read]. Throws ImageError:
 * READ_FAILED (missing, no permission, not a regular file), TOO_LARGE (over `maxBytes`).
 */
export async function readMediaFile(
  file: string,
  options: { maxBytes?: number; name?: string } = {},
): Promise<Buffer> {
  const name = options.name ?? path.basename(file);
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_FILE_BYTES;
  const { handle, size } = await openRegular(file, name);
  try {
    if (size > maxBytes) throw fileTooLarge(name, size, maxBytes);
    // Exactly the size seen at open: a file still growing is read as it was then, and
    // a file that shrank yields what is there.
    const bytes = Buffer.allocUnsafe(size);
    let filled = 0;
    while (filled < size) {
      const { bytesRead } = await handle.read(bytes, filled, size - filled, filled);
      if (bytesRead === 0) break;
      filled += bytesRead;
    }
    return filled === size ? bytes : bytes.subarray(0, filled);
  } catch (error) {
    throw error instanceof ImageError ? error : openFailed(error, name);
  } finally {
    await handle.close();
  }
}
