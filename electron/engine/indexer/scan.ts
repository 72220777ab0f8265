/**
 * @file Recursive folder scan for the indexer (engine, plain Node). Finds media files by
 * extension, skips hidden and system folders, survives symlink loops, and never throws
 * for one unreadable folder: it reports it and goes on.
 */
import { opendir, realpath, stat } from 'node:fs/promises';
import path from 'node:path';
import { videoExtensions } from '../../../native/ffmpeg/index.js';
import { imageExtensions } from '../../../native/image/index.js';
import type { MediaKind } from '../../shared/types.js';

/** Folders no person means to index: VCS, package caches, NAS and OS metadata. */
const SKIPPED_FOLDERS = new Set([
  'node_modules',
  '@eaDir', // Synology thumbnails
  '#recycle',
  '$RECYCLE.BIN',
  'System Volume Information',
  'lost+found',
  '__MACOSX',
  'Thumbs',
]);

/** Extensions (with the dot) of the files the indexer collects: the adapters decide. */
const IMAGE_EXTENSIONS = new Set(imageExtensions.map((ext) => `.${ext}`));
const VIDEO_EXTENSIONS = new Set(videoExtensions.map((ext) => `.${ext}`));

export interface ScannedFile {
  path: string;
  root: string;
  kind: MediaKind;
  size: number;
  mtime: number;
}

export interface ScanOptions {
  /** Which kinds to collect; video joins once video indexing lands. */
  kinds: ReadonlySet<MediaKind>;
  signal?: AbortSignal;
  onFolderError?: (folder: string, error: Error) => void;
}

export function mediaKindOf(file: string): MediaKind | null {
  const ext = path.extname(file).toLowerCase();
  if (IMAGE_EXTENSIONS.has(ext)) return 'image';
  if (VIDEO_EXTENSIONS.has(ext)) return 'video';
  return null;
}

function isSkippedFolder(name: string): boolean {
  return name.startsWith('.') || SKIPPED_FOLDERS.has(name);
}

/**
 * Walk `root` depth-first. Symlinked folders are followed once: each folder is visited
 * by its real path, so a link back to an ancestor ends instead of looping.
 */
export async function scanRoot(root: string, options: ScanOptions): Promise<ScannedFile[]> {
  const files: ScannedFile[] = [];
  const visited = new Set<string>();
  const pending: string[] = [root];
  while (pending.length > 0) {
    if (options.signal?.aborted) break;
    const folder = pending.pop() as string;
    let real: string;
    try {
      real = await realpath(folder);
    } catch (error) {
      options.onFolderError?.(folder, error as Error);
      continue;
    }
    if (visited.has(real)) continue;
    visited.add(real);
    let dir;
    try {
      dir = await opendir(folder);
    } catch (error) {
      options.onFolderError?.(folder, error as Error);
      continue;
    }
    for await (const entry of dir) {
      const full = path.join(folder, entry.name);
      if (entry.isDirectory()) {
        if (!isSkippedFolder(entry.name)) pending.push(full);
        continue;
      }
      if (!entry.isFile() && !entry.isSymbolicLink()) continue;
      if (entry.name.startsWith('.')) continue;
      const kind = mediaKindOf(entry.name);
      if (!kind && !entry.isSymbolicLink()) continue;
      let info;
      try {
        info = await stat(full);
      } catch {
        continue; // dangling link or file removed while scanning
      }
      if (info.isDirectory()) {
        if (!isSkippedFolder(entry.name)) pending.push(full);
        continue;
      }
      if (!kind || !options.kinds.has(kind)) continue;
      files.push({ path: full, root, kind, size: info.size, mtime: Math.trunc(info.mtimeMs) });
    }
  }
  files.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  return files;
}
