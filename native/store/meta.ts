/**
 * @file `lantern-store.json`: which tables hold which model's vectors, and whether each
 * model's index is complete. Runs in the engine worker (plain Node). A JSON file beside
 * the tables rather than a LanceDB table, because it is read before any table is opened.
 *
 * [Note: one set of tables per model]
 * Vectors of two models are not comparable, yet switching model must never cost the
 * person their index: the old model's tables stay, and keep answering searches, until the
 * new model's index is complete (then it takes over); switching back is instant because
 * nothing was dropped. Each model id owns a `media` and a `frames` table, named here.
 * Version 1 of this file (one `{ dim, model }`) described the unnamed tables `media` and
 * `frames`; they are adopted as that model's tables, so an old library keeps its vectors.
 */
import { createHash } from 'node:crypto';
import { copyFile, open, readFile, rename } from 'node:fs/promises';
import { join } from 'node:path';

const META_FILE = 'lantern-store.json';
const META_VERSION = 2;

export interface ModelTables {
  /** LanceDB table names. */
  media: string;
  frames: string;
  dim: number;
  /** True once an index run over every root finished for this model. */
  complete: boolean;
  /** When this model's tables were last written by an index run (ms since the epoch). */
  updatedAt: number;
}

export interface StoreMeta {
  /** Keyed by model id; `''` stands for vectors of an unknown model (a version-1 file without one). */
  models: Record<string, ModelTables>;
}

export interface MetaRead {
  meta: StoreMeta;
  /** A sentence when the file existed but could not be read (a backup was kept). */
  problem: string | null;
}

/** Table names for a model id: readable, valid for LanceDB, and distinct per id. */
export function tablesFor(model: string, dim: number): ModelTables {
  const slug = model.replace(/[^A-Za-z0-9_-]+/g, '_').slice(0, 40);
  const digest = createHash('sha256').update(model, 'utf8').digest('hex').slice(0, 8);
  return {
    media: `media-${slug}-${digest}`,
    frames: `frames-${slug}-${digest}`,
    dim,
    complete: false,
    updatedAt: 0,
  };
}

/**
 * The stored facts. A missing file gives an empty meta; an unreadable one is copied aside
 * (`lantern-store.json.broken-<time>`) and reported, never silently treated as empty: the
 * caller rebuilds what it can from the tables themselves (library-store.ts).
 */
export async function readMeta(dir: string, readOnly = false): Promise<MetaRead> {
  const file = join(dir, META_FILE);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT')
      return { meta: { models: {} }, problem: null };
    throw error;
  }
  const parsed = parseMeta(text);
  if (parsed) return { meta: parsed, problem: null };
  let backup = '';
  if (!readOnly) {
    backup = `${file}.broken-${Date.now()}`;
    await copyFile(file, backup);
  }
  return {
    meta: { models: {} },
    problem:
      `The library's table list (${file}) could not be read` +
      (backup ? `; it was kept as ${backup}` : '') +
      ' and the tables were matched to models again from their rows.',
  };
}

function parseMeta(text: string): StoreMeta | null {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return null;
  }
  if (typeof raw !== 'object' || raw === null) return null;
  const value = raw as Record<string, unknown>;
  if (value.version === 1 || value.models === undefined) {
    // Version 1: the unnamed tables belong to `model` (or to an unknown one).
    if (typeof value.dim !== 'number') return null;
    const model = typeof value.model === 'string' ? value.model : '';
    return {
      models: {
        [model]: { media: 'media', frames: 'frames', dim: value.dim, complete: true, updatedAt: 0 },
      },
    };
  }
  if (typeof value.models !== 'object' || value.models === null) return null;
  const models: Record<string, ModelTables> = {};
  for (const [id, entry] of Object.entries(value.models as Record<string, unknown>)) {
    if (typeof entry !== 'object' || entry === null) return null;
    const e = entry as Partial<ModelTables>;
    if (typeof e.media !== 'string' || typeof e.frames !== 'string' || typeof e.dim !== 'number')
      return null;
    models[id] = {
      media: e.media,
      frames: e.frames,
      dim: e.dim,
      complete: e.complete === true,
      updatedAt: typeof e.updatedAt === 'number' ? e.updatedAt : 0,
    };
  }
  return { models };
}

/** Written to a temporary name, flushed to disk and renamed: a crash never leaves half a file. */
export async function writeMeta(dir: string, meta: StoreMeta): Promise<void> {
  const file = join(dir, META_FILE);
  const temp = `${file}.tmp-${process.pid}`;
  const handle = await open(temp, 'w');
  try {
    await handle.writeFile(`${JSON.stringify({ version: META_VERSION, ...meta }, null, 2)}\n`);
    await handle.sync();
  } finally {
    await handle.close();
  }
  await rename(temp, file);
}

/** The model's tables from the meta, adopting an unknown model's vectors of the same size. */
export function tablesOfModel(meta: StoreMeta, model: string, dim: number): ModelTables {
  const known = meta.models[model];
  if (known && known.dim === dim) return known;
  // The same id with another embedding size (its files changed): fresh tables of its own.
  if (known) return tablesFor(`${model}#${dim}`, dim);
  const unknown = meta.models[''];
  if (unknown && unknown.dim === dim) {
    delete meta.models[''];
    return unknown;
  }
  return tablesFor(model, dim);
}
