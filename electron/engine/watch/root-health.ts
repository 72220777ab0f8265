/**
 * @file Whether a watched root is there (engine, plain Node). A root that cannot be read
 * is offline; so is a root whose disk was unmounted from under it: its mount point stays
 * behind as an empty folder on the parent file system, which an index run would read as
 * "every file deleted". [Note: nothing is deleted on an absence of evidence] in
 * indexer/scan.ts: the watcher never indexes an offline root, and the indexer keeps the
 * rows of a folder it could not read.
 */
import { readdir, stat } from 'node:fs/promises';
import { whyUnreadable } from '../library-folders.js';

export interface RootHealth {
  /** Why the root is offline, in words, or null when it can be read. */
  offline: string | null;
  /** The device the root lives on now (null when offline). */
  device: number | null;
}

/**
 * `lastDevice` is the device the root was on when last seen online: a root now on
 * another device and empty is an unmounted mount point.
 */
export async function checkRoot(root: string, lastDevice: number | null): Promise<RootHealth> {
  const unreadable = await whyUnreadable(root);
  if (unreadable) return { offline: unreadable, device: null };
  const device = (await stat(root)).dev;
  if (lastDevice !== null && device !== lastDevice) {
    const entries = await readdir(root).catch(() => []);
    if (entries.length === 0)
      return {
        offline: 'its disk or share is no longer mounted (the folder is empty): connect it again',
        device: null,
      };
  }
  return { offline: null, device };
}
