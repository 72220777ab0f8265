/**
 * @file Recursive folder scan for the indexer (engine, plain Node). Finds media files by
 * extension, skips hidden and system folders, survives symlink loops, and never throws
 * for one unreadable folder: it reports it and goes on.
 *
 * [Note: nothing is deleted on an absence of evidence]
 * A folder that cannot be read (permissions, an unmounted disk, a dropped network share)
 * is not an empty folder. The scan reports every such folder, and the indexer keeps the
 * rows under it (shown as offline) instead of taking its files for deleted: only a file
 * missing from a folder that was read is gone. Likewise a media name whose target is not
 * a regular file (a FIFO, a device, a socket) is reported and never opened: reading one
 * can block forever or never end.
 */
import { access, opendir, realpath, stat } from 'node:fs/promises';
import type { Stats } from 'node:fs';
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
  /** Which kinds to collect. */
  kinds: ReadonlySet<MediaKind>;
  signal?: AbortSignal;
}

/** A folder the scan could not read, or a media name it would not open. */
export interface ScanProblem {
  path: string;
  code: 'FOLDER_UNREADABLE' | 'NOT_A_REGULAR_FILE';
  error: string;
}

export interface ScanResult {
  files: ScannedFile[];
  /** Folders that could not be read (the root itself first when it is the one): see the note. */
  unreadable: ScanProblem[];
  /** Media names whose target is not a regular file. */
  irregular: ScanProblem[];
  /**
   * Symbolic links whose target cannot be reached: what the library holds under them is
   * offline, not gone (the indexer decides, knowing what it holds).
   */
  unreachableLinks: ScanProblem[];
}

/**
 * Whether a file scanned earlier in a run is no longer there ([Note: no row for a file gone
 * meanwhile] in indexer.ts). Only an absence counts: any other answer (a network drive's
 * hiccup) says nothing, so the file's row is written as usual.
 */
export async function isGone(file: string): Promise<boolean> {
  return access(file).then(
    () => false,
    (error: NodeJS.ErrnoException) => error.code === 'ENOENT' || error.code === 'ENOTDIR',
  );
}

export function mediaKindOf(file: string): MediaKind | null {
  const ext = path.extname(file).toLowerCase();
  if (IMAGE_EXTENSIONS.has(ext)) return 'image';
  if (VIDEO_EXTENSIONS.has(ext)) return 'video';
  return null;
}

export function isSkippedFolder(name: string): boolean {
  return name.startsWith('.') || SKIPPED_FOLDERS.has(name);
}

/**
 * Walk `root` depth-first. Symlinked folders are followed once: each folder is visited
 * by its real path, so a link back to an ancestor ends instead of looping.
 */
export async function scanRoot(root: string, options: ScanOptions): Promise<ScanResult> {
  const files: ScannedFile[] = [];
  const unreadable: ScanProblem[] = [];
  const irregular: ScanProblem[] = [];
  const unreachableLinks: ScanProblem[] = [];
  const visited = new Set<string>();
  const pending: string[] = [root];
  const folderError = (folder: string, error: unknown) =>
    unreadable.push({
      path: folder,
      code: 'FOLDER_UNREADABLE',
      error: unreadableReason(folder, error),
    });
  while (pending.length > 0) {
    if (options.signal?.aborted) break;
    const folder = pending.pop() as string;
    let real: string;
    try {
      real = await realpath(folder);
    } catch (error) {
      folderError(folder, error);
      continue;
    }
    if (visited.has(real)) continue;
    visited.add(real);
    let dir;
    try {
      dir = await opendir(folder);
    } catch (error) {
      folderError(folder, error);
      continue;
    }
    try {
      for await (const entry of dir) {
        const full = path.join(folder, entry.name);
        if (entry.isDirectory()) {
          if (!isSkippedFolder(entry.name)) pending.push(full);
          continue;
        }
        if (entry.name.startsWith('.')) continue;
        const kind = mediaKindOf(entry.name);
        if (!kind && !entry.isSymbolicLink()) continue;
        let info;
        try {
          info = await stat(full);
        } catch (error) {
          // A link whose target cannot be reached (a folder or file on an unplugged disk),
          // or a file removed while scanning: the indexer keeps rows under a link.
          if (entry.isSymbolicLink())
            unreachableLinks.push({
              path: full,
              code: 'FOLDER_UNREADABLE',
              error: unreadableReason(full, error),
            });
          continue;
        }
        if (info.isDirectory()) {
          if (!isSkippedFolder(entry.name)) pending.push(full);
          continue;
        }
        if (!kind || !options.kinds.has(kind)) continue;
        if (!info.isFile()) {
          irregular.push({
            path: full,
            code: 'NOT_A_REGULAR_FILE',
            error: `${full} is not a regular file (${fileTypeName(info)}); Lantern only reads regular files.`,
          });
          continue;
        }
        files.push({ path: full, root, kind, size: info.size, mtime: Math.trunc(info.mtimeMs) });
      }
    } catch (error) {
      // The listing broke off midway (a disk unplugged during the scan): what was listed
      // stands, and the folder counts as unreadable so nothing under it is taken for gone.
      folderError(folder, error);
    }
  }
  files.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  return { files, unreadable, irregular, unreachableLinks };
}

function unreadableReason(folder: string, error: unknown): string {
  const code = (error as NodeJS.ErrnoException | null)?.code;
  const why =
    code === 'ENOENT'
      ? 'it does not exist (an unplugged disk or a disconnected share?)'
      : code === 'EACCES' || code === 'EPERM'
        ? 'permission was denied'
        : code === 'ENOTDIR'
          ? 'it is not a folder'
          : code === 'EIO' || code === 'ENXIO' || code === 'ESTALE' || code === 'EHOSTDOWN'
            ? 'the disk or share did not answer'
            : error instanceof Error
              ? error.message
              : String(error);
  return `The folder ${folder} could not be read: ${why}. Its files stay in the library, shown as offline, until it can be read again.`;
}

function fileTypeName(info: Stats): string {
  if (info.isFIFO()) return 'a FIFO';
  if (info.isCharacterDevice()) return 'a character device';
  if (info.isBlockDevice()) return 'a block device';
  if (info.isSocket()) return 'a socket';
  return 'not a plain file';
}
