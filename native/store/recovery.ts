/**
 * @file Repairs the store makes when it opens (engine worker, plain Node): the table list
 * rebuilt from the tables' own rows when `lantern-store.json` is unreadable, and a table
 * whose newest version is damaged reopened at its last good one.
 *
 * [Note: recovering a damaged table]
 * LanceDB commits each write by writing a new manifest last ([Note: store writes are
 * atomic and idempotent] in library-store.ts). A torn or truncated newest manifest (a
 * power cut, a full disk, a bad sector) makes the whole table unopenable, though every
 * older version is intact. The store then moves that manifest aside (into
 * `<table>.lance/_damaged/`, never deleting it), opens the newest version that reads, and
 * says so; what is lost is that last write, which the indexer's next run writes again
 * ([Note: resumable indexing]). If setting manifests aside does not help, everything is
 * put back and the original error stands: the fault was something else.
 */
import { mkdir, readdir, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Connection, Table } from '@lancedb/lancedb';
import type { ModelTables, StoreMeta } from './meta.js';
import { vectorDimension } from './schema.js';

/**
 * Rebuild the table list from the tables themselves when lantern-store.json is unreadable:
 * each media table's rows name the model that made them. Frames tables pair by name.
 */
export async function rebuildMeta(db: Connection, names: readonly string[]): Promise<StoreMeta> {
  const models: Record<string, ModelTables> = {};
  for (const name of names) {
    if (name !== 'media' && !name.startsWith('media-')) continue;
    const table = await db.openTable(name);
    try {
      const dim = vectorDimension(await table.schema());
      if (dim === null) continue;
      const first = await table.query().select(['model']).limit(1).toArrow();
      const model = String((first.getChild('model')?.get(0) as string | null) ?? '');
      const frames = name === 'media' ? 'frames' : `frames-${name.slice('media-'.length)}`;
      // Vectors that exist were written by complete runs as far as anyone can tell.
      models[model] = { media: name, frames, dim, complete: first.numRows > 0, updatedAt: 0 };
    } finally {
      table.close();
    }
  }
  return { models };
}

/**
 * Open a table; when its newest version cannot be read (a manifest truncated by a disk
 * fault or a power cut), set that manifest aside and open the newest version that can be,
 * saying so. See [Note: recovering a damaged table].
 */
export async function openRecovering(
  db: Connection,
  name: string,
  dir: string,
  warnings: string[],
): Promise<Table> {
  try {
    return await db.openTable(name);
  } catch (first) {
    const versions = join(dir, `${name}.lance`, '_versions');
    const aside = join(dir, `${name}.lance`, '_damaged');
    const moved: string[] = [];
    // Up to three damaged versions in a row: more than that is not a torn write.
    for (let attempt = 0; attempt < 3; attempt++) {
      const newest = await newestManifest(versions);
      if (!newest) break;
      await mkdir(aside, { recursive: true });
      await rename(join(versions, newest.file), join(aside, newest.file));
      moved.push(newest.file);
      // The hint names the version just set aside; LanceDB lists the folder without it.
      await rm(join(versions, 'latest_version_hint.json'), { force: true });
      try {
        const table = await db.openTable(name);
        warnings.push(
          `The table ${name} was damaged (${firstLine(first)}); its last ${moved.length === 1 ? 'version was' : `${moved.length} versions were`} ` +
            `set aside in ${aside} and it went back to version ${await table.version()}. ` +
            'Files written by that last step are indexed again by the next run.',
        );
        return table;
      } catch {
        // Try the next older version.
      }
    }
    // Not a torn manifest: put everything back as it was and report the original error.
    for (const file of moved.reverse()) await rename(join(aside, file), join(versions, file));
    throw first;
  }
}

/**
 * The newest manifest in a `_versions` folder. Lance names them either `<version>.manifest`
 * or, in its newer scheme, `<u64::MAX − version>.manifest` so that a listing sorts newest
 * first; the two are told apart by size (inverted names are above 2^63).
 */
async function newestManifest(folder: string): Promise<{ file: string; version: bigint } | null> {
  let names: string[];
  try {
    names = await readdir(folder);
  } catch {
    return null;
  }
  const MAX = (1n << 64n) - 1n;
  let best: { file: string; version: bigint } | null = null;
  for (const file of names) {
    const match = /^(\d+)\.manifest$/.exec(file);
    if (!match?.[1]) continue;
    const raw = BigInt(match[1]);
    const version = raw >= 1n << 63n ? MAX - raw : raw;
    if (!best || version > best.version) best = { file, version };
  }
  return best;
}

function firstLine(error: unknown): string {
  return error instanceof Error
    ? (error.message.split('\n')[0] ?? '').slice(0, 120)
    : String(error);
}
