/**
 * @file Moving library files to the system trash (engine, plain Node), for the copies a
 * person chose not to keep among near-duplicates. Never a deletion: the `trash` package
 * moves each file to the desktop's trash (XDG Trash on Linux, the Recycle Bin, the macOS
 * Trash), whence the person can put it back.
 *
 * Only files the library holds are moved, one at a time, each checked again after the
 * move: a path that is not in the library, is gone, or that the trash refuses is reported
 * in `failed` and left as it was. A moved file's rows leave the library as when the index
 * finds a file gone (media row, video frames), and its thumbnail goes when no other copy
 * of the same content uses it. Its tags stay, keyed by content as always ([Note: tags
 * follow the file's content…] in native/store/tags.ts): a photo put back from the trash
 * and indexed again finds them.
 */
import { existsSync } from 'node:fs';
import { lstat, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import type * as TrashModule from 'trash';
import path from 'node:path';
import type { LibraryStore, StoredMedia } from '../../../native/store/index.js';
import { whereIn } from '../../../native/store/index.js';
import type { TrashAnswer } from '../../shared/channels-duplicates.js';
import { isInsideFolder } from '../library-folders.js';

/** Moves one file to the system trash; the `trash` package unless a test gives another. */
export type MoveToTrash = (file: string) => Promise<void>;

/** Paths per `IN (…)` list when looking the files up. */
const PATHS_PER_LOOKUP = 500;

export async function moveToSystemTrash(file: string): Promise<void> {
  // Loaded on first use: only this command needs it ([Note: native packages load on first
  // use]). `trash` is an ES module; require() loads one since Node 20.19 and 22.12, and the
  // command line's bundle, run as a vm.Script (bin/run-bundle.js), has no dynamic import().
  const { default: trash } = createRequire(import.meta.url)('trash') as typeof TrashModule;
  // glob: false — a photo named "IMG_[1].jpg" is a name, not a pattern.
  await trash([file], { glob: false });
}

export async function trashLibraryFiles(
  store: LibraryStore,
  thumbnailsDir: string,
  paths: readonly string[],
  moveToTrash: MoveToTrash = moveToSystemTrash,
): Promise<TrashAnswer> {
  const wanted = [...new Set(paths.map((file) => path.resolve(file)))];
  const rows = new Map<string, StoredMedia>();
  for (let i = 0; i < wanted.length; i += PATHS_PER_LOOKUP) {
    const part = wanted.slice(i, i + PATHS_PER_LOOKUP);
    for (const row of await store.listMedia({ where: whereIn('path', part) }))
      rows.set(row.path, row);
  }
  const answer: TrashAnswer = { trashed: [], failed: [] };
  const gone: StoredMedia[] = [];
  for (const file of wanted) {
    const row = rows.get(file);
    const problem = row ? await whyNotMovable(file) : 'it is not a file of the library';
    if (problem !== null) {
      answer.failed.push({
        path: file,
        message: `${path.basename(file)} was not moved: ${problem}.`,
      });
      continue;
    }
    try {
      await moveToTrash(file);
    } catch (error) {
      answer.failed.push({
        path: file,
        message: `${path.basename(file)} could not be moved to the trash (${messageOf(error)}); it is where it was.`,
      });
      continue;
    }
    if (existsSync(file)) {
      answer.failed.push({
        path: file,
        message: `${path.basename(file)} is still in its folder after the move to the trash; check the system trash's settings.`,
      });
      continue;
    }
    answer.trashed.push(file);
    gone.push(row as StoredMedia);
  }
  await forgetRows(store, thumbnailsDir, gone);
  return answer;
}

/** Why a library file cannot be moved now, or null. */
async function whyNotMovable(file: string): Promise<string | null> {
  const stats = await lstat(file).catch((error: unknown) => error as NodeJS.ErrnoException);
  if (stats instanceof Error)
    return stats.code === 'ENOENT' ? 'it no longer exists' : `it cannot be read (${stats.code})`;
  if (!stats.isFile() && !stats.isSymbolicLink()) return 'it is not a regular file';
  return null;
}

/** The moved files' rows, frames, and thumbnails no remaining row shares. */
async function forgetRows(
  store: LibraryStore,
  thumbnailsDir: string,
  gone: readonly StoredMedia[],
): Promise<void> {
  if (gone.length === 0) return;
  await store.deleteMedia(gone.map((row) => row.id));
  await store.frames.deleteVideos(gone.filter((row) => row.kind === 'video').map((row) => row.id));
  const hashes = [...new Set(gone.map((row) => row.hash))];
  const kept = new Set<string>();
  for (let i = 0; i < hashes.length; i += PATHS_PER_LOOKUP)
    for (const row of await store.listMedia({
      where: whereIn('hash', hashes.slice(i, i + PATHS_PER_LOOKUP)),
    }))
      kept.add(row.hash);
  for (const row of gone) {
    // The row's own thumbnail, and only one the library made (never a file elsewhere).
    const thumbnail = row.thumbnail;
    if (kept.has(row.hash) || thumbnail === null || !isInsideFolder(thumbnail, thumbnailsDir))
      continue;
    await rm(thumbnail, { force: true });
  }
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
