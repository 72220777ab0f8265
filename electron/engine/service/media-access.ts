/**
 * @file Which files the app may serve to its own renderer (media:// in Electron, /media in
 * the browser shell): only files inside the library roots and the thumbnail cache, judged
 * on real paths so `..` tricks and symbolic links pointing out are refused.
 */
import { realpath } from 'node:fs/promises';
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

const CONTENT_TYPES: Record<string, string> = {
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.jpe': 'image/jpeg',
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
  '.webm': 'video/webm',
  '.mkv': 'video/x-matroska',
  '.avi': 'video/x-msvideo',
};

export function contentTypeOf(file: string): string {
  return CONTENT_TYPES[path.extname(file).toLowerCase()] ?? 'application/octet-stream';
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
