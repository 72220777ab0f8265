/**
 * @file Streaming reads of stored vectors, page by page, for `lantern export` (engine
 * worker or CLI, plain Node). listMedia and getVectors hold whole listings or look rows up
 * by id; an export of 100 000 photos wants every vector once, in order, without holding
 * them all: LanceDB's `execute()` streams record batches, and each becomes one page with
 * its vectors copied into one flat Float32Array (row i is `vectors[i*dim … (i+1)*dim)`).
 *
 * The scans open their own read connection on the store's folder, so LibraryStore's
 * tables stay private to it; the table names come from `lantern-store.json` exactly as
 * LibraryStore.open resolves them (meta.ts, recovery.ts).
 */
import { existsSync } from 'node:fs';
import type { Connection, Table } from '@lancedb/lancedb';
import type * as ArrowModule from 'apache-arrow';
import { arrow, lancedb } from './arrow.js';
import { batchesOf, chunks } from './batching.js';
import { readColumn } from './columns.js';
import { guarded, StoreError } from './errors.js';
import { whereAll, whereIn, whereKind, whereUnderFolder } from './filters.js';
import type { LibraryStore } from './library-store.js';
import { readMeta, tablesOfModel } from './meta.js';
import { rebuildMeta } from './recovery.js';

/** Photos of one page: paths, capture times (ms, or null) and their vectors, flat. */
export interface ImageVectorPage {
  paths: string[];
  takenAt: (number | null)[];
  vectors: Float32Array;
}

/** Frames of one page: the video each belongs to, its time (seconds) and its vector. */
export interface FrameVectorPage {
  videoIds: string[];
  times: number[];
  vectors: Float32Array;
}

/** Video ids per `IN (…)` list, as frames.ts keeps its statements small. */
const VIDEO_IDS_PER_SCAN = 200;

interface OpenTables {
  db: Connection;
  media: Table | null;
  frames: Table | null;
}

async function openTables(store: LibraryStore): Promise<OpenTables | null> {
  if (!existsSync(store.dir)) return null;
  return guarded('open the library for export', store.dir, async () => {
    const db = await lancedb().connect(store.dir);
    try {
      const names = await db.tableNames();
      const read = await readMeta(store.dir, true);
      const meta = read.problem === null ? read.meta : await rebuildMeta(db, names);
      const tables = tablesOfModel(meta, store.model, store.dim);
      const open = async (name: string) => (names.includes(name) ? db.openTable(name) : null);
      return { db, media: await open(tables.media), frames: await open(tables.frames) };
    } catch (error) {
      db.close();
      throw error;
    }
  });
}

function closeTables(tables: OpenTables): void {
  tables.media?.close();
  tables.frames?.close();
  tables.db.close();
}

/** The vector column of a batch as one flat copy, checked against the store's size. */
function flatVectors(batch: ArrowModule.RecordBatch, dim: number, dir: string): Float32Array {
  const column = batch.getChild('vector');
  const out = new Float32Array(batch.numRows * dim);
  if (column === null)
    throw new StoreError('STORE_FAILED', `A scan of ${dir} returned no vectors.`);
  let at = 0;
  for (const data of column.data) {
    const child = data.children[0];
    if (!child) continue;
    // makeVector honours the slice offsets a Data may carry; toArray is then one copy.
    const values = arrow.makeVector(child).toArray() as Float32Array;
    if (values.length !== data.length * dim)
      throw new StoreError(
        'STORE_FAILED',
        `The vectors in ${dir} are not of ${dim} values each; rebuild the library with \`npx lantern index\`.`,
      );
    out.set(values, at);
    at += values.length;
  }
  return out;
}

/**
 * Every photo (kind `image`) of the store's model, optionally only under `folder`, a page
 * per record batch of at most `pageRows` rows. Rows come in storage order.
 */
export async function* imageVectorPages(
  store: LibraryStore,
  options: { folder?: string | undefined; pageRows: number },
): AsyncGenerator<ImageVectorPage> {
  const tables = await openTables(store);
  if (!tables?.media) {
    if (tables) closeTables(tables);
    return;
  }
  try {
    const where = whereAll(
      whereKind('image'),
      options.folder === undefined ? undefined : whereUnderFolder(options.folder),
    );
    const query = tables.media
      .query()
      .select(['path', 'taken_at', 'vector'])
      .where(where ?? whereKind('image'));
    for await (const batch of batchesOf(
      query,
      options.pageRows,
      store.dir,
      'read vectors for export',
    )) {
      const table = new arrow.Table([batch]);
      yield {
        paths: readColumn(table, 'path').map(String),
        takenAt: readColumn(table, 'taken_at').map((v) => (v === null ? null : Number(v))),
        vectors: flatVectors(batch, store.dim, store.dir),
      };
    }
  } finally {
    closeTables(tables);
  }
}

/**
 * Every sampled frame of the given videos, a page per record batch of at most `pageRows`
 * rows; frames of one video come in storage order (the indexer writes them in time order).
 */
export async function* frameVectorPages(
  store: LibraryStore,
  videoIds: readonly string[],
  options: { pageRows: number },
): AsyncGenerator<FrameVectorPage> {
  if (videoIds.length === 0) return;
  const tables = await openTables(store);
  if (!tables?.frames) {
    if (tables) closeTables(tables);
    return;
  }
  try {
    for (const part of chunks(videoIds, VIDEO_IDS_PER_SCAN)) {
      const query = tables.frames
        .query()
        .select(['video_id', 't', 'vector'])
        .where(whereIn('video_id', part));
      for await (const batch of batchesOf(
        query,
        options.pageRows,
        store.dir,
        'read vectors for export',
      )) {
        const table = new arrow.Table([batch]);
        yield {
          videoIds: readColumn(table, 'video_id').map(String),
          times: readColumn(table, 't').map(Number),
          vectors: flatVectors(batch, store.dim, store.dir),
        };
      }
    }
  } finally {
    closeTables(tables);
  }
}
