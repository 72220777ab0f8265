/**
 * @file `lantern-store.json`: which model and embedding size the library's vectors
 * belong to. Runs in the engine worker (plain Node). A JSON file beside the tables
 * rather than a LanceDB table, because it is read before any table is opened and
 * decides whether `media` must be recreated.
 */
import { readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

const META_FILE = 'lantern-store.json';
/** Bumped when the tables' layout changes in a way older data must be migrated from. */
const META_VERSION = 1;

export interface StoreMeta {
  dim: number;
  model: string | null;
}

/** The stored facts, or null when the file is missing or unreadable (treated as unknown). */
export async function readMeta(dir: string): Promise<StoreMeta | null> {
  try {
    const meta = JSON.parse(await readFile(join(dir, META_FILE), 'utf8')) as Partial<StoreMeta>;
    if (typeof meta.dim !== 'number') return null;
    return { dim: meta.dim, model: typeof meta.model === 'string' ? meta.model : null };
  } catch {
    return null;
  }
}

/** Written to a temporary name and renamed, so a crash never leaves half a file. */
export async function writeMeta(dir: string, meta: StoreMeta): Promise<void> {
  const file = join(dir, META_FILE);
  await writeFile(
    `${file}.tmp`,
    `${JSON.stringify({ version: META_VERSION, ...meta }, null, 2)}\n`,
  );
  await rename(`${file}.tmp`, file);
}
