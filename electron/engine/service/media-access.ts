/**
 * @file Which files the app may serve to its own renderer (media:// in Electron, /media in
 * the browser shell), and how they are opened. Both transports go through
 * openServableMedia, so they refuse the same things.
 *
 * [Note: servable media] A file is served only when all of these hold:
 * - its real path lies inside a library root or the thumbnail cache (so `..` tricks and
 *   symbolic links pointing out are refused);
 * - its extension is a photo or video kind Lantern indexes (MEDIA_TYPES; thumbnails are
 *   .webp), so `notes.txt` or a database file next to the photos is not served;
 * - the opened descriptor is a regular file. It is opened with O_NONBLOCK and checked
 *   with fstat before any read: opening a FIFO without it waits for a writer and holds
 *   one of libuv's four pool threads for good (a few such requests stall every file
 *   operation in the process), and reading a device or a folder never makes sense.
 *   Checking the descriptor rather than the path leaves no gap for a swap in between.
 * Every refusal looks the same (null, answered as 404), so a page cannot probe which
 * files exist.
 */
import { constants } from 'node:fs';
import { open, realpath, type FileHandle } from 'node:fs/promises';
import path from 'node:path';

async function real(p: string): Promise<string | null> {
  try {
    return await realpath(p);
  } catch {
    return null;
  }
}

/** The real path of `requested` when it lies inside one of `roots`, else null. */
export async function resolveServablePath(
  requested: string,
  roots: readonly string[],
): Promise<string | null> {
  if (!requested || requested.includes('\0') || !path.isAbsolute(requested)) return null;
  const target = await real(path.normalize(requested));
  if (!target) return null;
  for (const root of roots) {
    const realRoot = await real(root);
    if (!realRoot) continue;
    const relative = path.relative(realRoot, target);
    if (relative !== '' && !relative.startsWith('..') && !path.isAbsolute(relative)) return target;
  }
  return null;
}

/**
 * Content types of the kinds Lantern indexes: native/image `imageExtensions` and
 * native/ffmpeg `videoExtensions` (a unit test keeps the three lists equal). Written out
 * here rather than imported because the Electron main process reads this module and must
 * not load sharp.
 */
const MEDIA_TYPES: Readonly<Record<string, string>> = {
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.png': 'image/png',
  '.webp': 'image/webp',
  '.gif': 'image/gif',
  '.tif': 'image/tiff',
  '.tiff': 'image/tiff',
  '.avif': 'image/avif',
  '.heic': 'image/heic',
  '.heif': 'image/heif',
  '.mp4': 'video/mp4',
  '.m4v': 'video/mp4',
  '.mov': 'video/quicktime',
  '.mkv': 'video/x-matroska',
  '.webm': 'video/webm',
  '.avi': 'video/x-msvideo',
  '.mts': 'video/mp2t',
  '.m2ts': 'video/mp2t',
  '.3gp': 'video/3gpp',
  '.wmv': 'video/x-ms-wmv',
  '.mpg': 'video/mpeg',
  '.mpeg': 'video/mpeg',
};

/** The extensions (lower case, no dot) that may be served. */
export const SERVABLE_EXTENSIONS: readonly string[] = Object.keys(MEDIA_TYPES).map((e) =>
  e.slice(1),
);

/** The content type of a servable media file, or null for any other kind of file. */
export function mediaTypeOf(file: string): string | null {
  return MEDIA_TYPES[path.extname(file).toLowerCase()] ?? null;
}

/** An opened media file; the caller streams from `handle` and must close it. */
export interface ServableMedia {
  path: string;
  size: number;
  contentType: string;
  handle: FileHandle;
}

/**
 * Flags for opening a media file: never wait on a FIFO, never follow a link swapped in
 * after realpath. Windows has neither flag (and no FIFOs in folders); 0 leaves them out.
 */
const OPEN_FLAGS = constants.O_RDONLY | (constants.O_NONBLOCK ?? 0) | (constants.O_NOFOLLOW ?? 0);

/** Open `requested` for serving under [Note: servable media], or null when it may not be. */
export async function openServableMedia(
  requested: string,
  roots: readonly string[],
): Promise<ServableMedia | null> {
  const file = await resolveServablePath(requested, roots);
  const contentType = file ? mediaTypeOf(file) : null;
  if (!file || !contentType) return null;
  let handle: FileHandle;
  try {
    handle = await open(file, OPEN_FLAGS);
  } catch {
    return null; // gone, unreadable, or a folder where the platform refuses to open one
  }
  try {
    const info = await handle.stat();
    if (info.isFile()) return { path: file, size: info.size, contentType, handle };
  } catch {
    // fall through: an fstat failure is a refusal like any other
  }
  await handle.close().catch(() => undefined);
  return null;
}

/**
 * Parse a single-range `Range: bytes=a-b` header against a file size. Returns null for
 * no header, 'unsatisfiable' for a range outside the file (HTTP 416).
 */
export function parseRange(
  header: string | null | undefined,
  size: number,
): { start: number; end: number } | null | 'unsatisfiable' {
  if (!header) return null;
  const match = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!match || (match[1] === '' && match[2] === '')) return null;
  let start: number;
  let end: number;
  if (match[1] === '') {
    const suffix = Number(match[2]);
    start = Math.max(0, size - suffix);
    end = size - 1;
  } else {
    start = Number(match[1]);
    end = match[2] === '' ? size - 1 : Math.min(Number(match[2]), size - 1);
  }
  if (start > end || start >= size) return 'unsatisfiable';
  return { start, end };
}
