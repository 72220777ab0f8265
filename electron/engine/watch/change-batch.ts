/**
 * @file The changes a watcher has seen and not yet indexed (engine, plain Node), reduced
 * to the folders to re-scan. The indexer compares a scanned folder with its rows (path,
 * size, mtime; content hash for moves), so a folder is the unit of work: however many
 * events one copy raises, each folder is scanned once per batch.
 */
import { stat } from 'node:fs/promises';
import path from 'node:path';
import { isAtOrInsideFolder, isInsideFolder } from '../library-folders.js';

/**
 * Past this many separate folders in one root, re-scanning the whole root is cheaper
 * than listing each (the scan only stats what is unchanged) and the batch stays small.
 */
const MAX_FOLDERS_PER_ROOT = 64;

export type ChangeKind = 'file' | 'folder-added' | 'folder-removed';

/** What to hand the indexer: whole roots, or folders inside them (`within`). */
export interface ChangeBatch {
  roots: string[];
  /** Folders to re-scan, each inside one of `roots`; null: the roots whole. */
  within: string[] | null;
  /** How many events were coalesced into this batch. */
  events: number;
}

export class PendingChanges {
  private readonly folders = new Map<string, Set<string>>();
  private readonly wholeRoots = new Set<string>();
  private count = 0;

  get empty(): boolean {
    return this.folders.size === 0 && this.wholeRoots.size === 0;
  }

  /** A file or folder under `root` was added, changed or removed. */
  add(root: string, changed: string, kind: ChangeKind): void {
    this.count++;
    // A new folder is scanned itself (its files arrive with it); a file's or a removed
    // folder's change is seen from the folder that holds it.
    const folder = kind === 'folder-added' ? changed : path.dirname(changed);
    const scope = isAtOrInsideFolder(folder, root) ? folder : root;
    const set = this.folders.get(root) ?? new Set<string>();
    set.add(scope);
    this.folders.set(root, set);
  }

  /** Re-scan a root whole (start, resume, back online). */
  addRoot(root: string): void {
    this.count++;
    this.wholeRoots.add(root);
  }

  /** Forget a root's changes (it went offline or was removed from the library). */
  drop(root: string): void {
    this.folders.delete(root);
    this.wholeRoots.delete(root);
  }

  /**
   * Take everything pending as one batch. Each folder is replaced by its nearest existing
   * ancestor within the root (a removed folder is seen from its parent: scanning a folder
   * that is gone would report it unreadable and keep its rows), and folders inside other
   * folders of the batch are dropped.
   */
  async take(): Promise<ChangeBatch | null> {
    if (this.empty) return null;
    const folders = new Map(this.folders);
    const whole = new Set(this.wholeRoots);
    const events = this.count;
    this.folders.clear();
    this.wholeRoots.clear();
    this.count = 0;
    const within: string[] = [];
    for (const [root, set] of folders) {
      if (whole.has(root)) continue;
      const existing = new Set<string>();
      for (const folder of set) existing.add(await nearestExisting(folder, root));
      const outermost = [...existing].filter(
        (folder) => ![...existing].some((other) => isInsideFolder(folder, other)),
      );
      if (outermost.includes(root) || outermost.length > MAX_FOLDERS_PER_ROOT) whole.add(root);
      else within.push(...outermost);
    }
    const roots = [...new Set([...whole, ...folders.keys()])];
    if (within.length === 0) return { roots, within: null, events };
    // Whole roots in a mixed batch are scanned as folders of their own.
    return { roots, within: [...within, ...whole], events };
  }
}

async function nearestExisting(folder: string, root: string): Promise<string> {
  let current = folder;
  while (current !== root && isInsideFolder(current, root)) {
    const info = await stat(current).catch(() => null);
    if (info?.isDirectory()) return current;
    current = path.dirname(current);
  }
  return root;
}
