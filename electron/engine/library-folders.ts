/**
 * @file Library folders on disk (engine, plain Node): whether a root can be read now, what
 * lies inside one, and removing a folder's rows from a model's tables.
 */
import { constants as fsConstants } from 'node:fs';
import { access, opendir } from 'node:fs/promises';
import path from 'node:path';
import { whereUnderFolder, type LibraryStore } from '../../native/store/index.js';

/** Rows, video frames of those rows, under a folder. */
export async function removeRowsUnder(store: LibraryStore, root: string): Promise<void> {
  const rows = await store.listMedia({ where: whereUnderFolder(root) });
  await store.frames.deleteVideos(rows.filter((row) => row.kind === 'video').map((row) => row.id));
  await store.deleteMedia(rows.map((row) => row.id));
}

/** The folder itself or anything inside it. */
export function isAtOrInsideFolder(file: string, folder: string): boolean {
  return file === folder || isInsideFolder(file, folder);
}

export function isInsideFolder(file: string, folder: string): boolean {
  const relative = path.relative(folder, file);
  return relative !== '' && !relative.startsWith('..') && !path.isAbsolute(relative);
}

/** Why a root cannot be read now, in words, or null when it can. */
export async function whyUnreadable(root: string): Promise<string | null> {
  try {
    await access(root, fsConstants.R_OK | fsConstants.X_OK);
    const dir = await opendir(root);
    await dir.close();
    return null;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return 'not found: is the disk or share connected?';
    if (code === 'EACCES' || code === 'EPERM') return 'permission denied';
    if (code === 'ENOTDIR') return 'not a folder';
    return error instanceof Error ? error.message : String(error);
  }
}
