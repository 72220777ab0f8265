/**
 * @file The store's listings of many rows, streamed in record batches: what an index run
 * reads of the rows it compares the disk with (a few columns of each), the library's
 * content hashes, and whole records through a filter (engine worker, plain Node).
 *
 * [Note: an index run's view of the library] An index run tells new, changed, unchanged,
 * moved and vanished files apart by each stored row's path, size, modification time and
 * model, and a vanished row by its id and content hash. It read every row's whole record
 * (all 16 columns, each materialised as a JavaScript array of the whole table first, then
 * one object per row), for every root of the library, before filtering them to the roots
 * it scans: a run over a library of 1 000 000 rows (the benchmark's synthetic one, one new
 * photo) peaked at 2.1 GB and took 17 s before it had done anything, and at 3.4 GB when it
 * also rebuilt the vector index. Now the four columns the comparison needs are streamed in
 * record batches and only rows under the scanned folders are kept, as small objects whose
 * path is a slice of its batch's text (~180 bytes a row); the rows whose file was not found
 * are then read again, id and hash only, in a second streamed pass made only when there are
 * any; and the whole record of a row only for a file that moved (LibraryStore.getRows).
 * Issue 12 asks for at most 1.0 GB while indexing any number of photos.
 */
import type * as ArrowModule from 'apache-arrow';
import type { Table } from '@lancedb/lancedb';
import { batchesOf } from './batching.js';
import { readColumn, type Cell } from './columns.js';
import { MEDIA_RECORD_COLUMNS, mediaRecords, type MediaKey, type StoredMedia } from './schema.js';

/** A stored row as an index run compares it with the disk ([Note: an index run's view of the library]). */
export interface StoredFile {
  path: string;
  size: number;
  /** Modification time, ms since the epoch. */
  mtime: number;
  /** Id of the model that made the row's vector. */
  model: string;
}

/** What an index run needs of a row whose file it did not find: its id, and its content hash to match a move. */
export interface VanishedFile {
  id: string;
  path: string;
  /** SHA-256 of the file's bytes, hex (a video's fingerprint). */
  hash: string;
}

/** Rows per streamed batch: a few MB of text at a time, whatever the library's size. */
const ROWS_PER_BATCH = 8192;

/** The record batches of `columns` of `media` (rows `where` selects, if given). */
function batchesOfColumns(
  media: Table,
  dir: string,
  columns: readonly string[],
  where?: string,
): AsyncGenerator<ArrowModule.RecordBatch> {
  let query = media.query().select([...columns]);
  if (where !== undefined && where !== '') query = query.where(where);
  return batchesOf(query, ROWS_PER_BATCH, dir, 'list the library');
}

/** Every row of `media` whose path `keep` accepts, in storage order. */
export async function listStoredFiles(
  media: Table,
  dir: string,
  keep: (path: string) => boolean,
): Promise<StoredFile[]> {
  const files: StoredFile[] = [];
  // One string per model id, not one per row.
  const models = new Map<string, string>();
  for await (const batch of batchesOfColumns(media, dir, ['path', 'size', 'mtime', 'model'])) {
    const [paths, sizes, mtimes, modelIds] = ['path', 'size', 'mtime', 'model'].map((name) =>
      readColumn(batch, name),
    ) as [Cell[], Cell[], Cell[], Cell[]];
    for (let i = 0; i < batch.numRows; i++) {
      const path = String(paths[i]);
      if (!keep(path)) continue;
      const modelId = String(modelIds[i]);
      let model = models.get(modelId);
      if (model === undefined) models.set(modelId, (model = modelId));
      files.push({ path, size: Number(sizes[i]), mtime: Number(mtimes[i]), model });
    }
  }
  return files;
}

/** The id and hash of each row of `media` whose path is in `paths`, in storage order. */
export async function listVanishedFiles(
  media: Table,
  dir: string,
  paths: ReadonlySet<string>,
): Promise<VanishedFile[]> {
  const files: VanishedFile[] = [];
  if (paths.size === 0) return files;
  for await (const batch of batchesOfColumns(media, dir, ['id', 'path', 'hash'])) {
    const [ids, at, hashes] = ['id', 'path', 'hash'].map((name) => readColumn(batch, name)) as [
      Cell[],
      Cell[],
      Cell[],
    ];
    for (let i = 0; i < batch.numRows; i++) {
      const path = String(at[i]);
      if (paths.has(path)) files.push({ id: String(ids[i]), path, hash: String(hashes[i]) });
    }
  }
  return files;
}

/** Every record (no vectors) `where` selects and `keep` accepts, in storage order. */
export async function listStoredRecords(
  media: Table,
  dir: string,
  where: string,
  keep?: (row: StoredMedia) => boolean,
): Promise<StoredMedia[]> {
  const kept: StoredMedia[] = [];
  for await (const batch of batchesOfColumns(media, dir, MEDIA_RECORD_COLUMNS, where)) {
    const records = mediaRecords(batch);
    for (const record of keep ? records.filter(keep) : records) kept.push(record);
  }
  return kept;
}

/** The content hash of every row of `media`. */
export async function listStoredHashes(media: Table, dir: string): Promise<Set<string>> {
  const hashes = new Set<string>();
  for await (const batch of batchesOfColumns(media, dir, ['hash']))
    for (const hash of readColumn(batch, 'hash')) hashes.add(String(hash));
  return hashes;
}

/**
 * [Note: what a tag run holds of a file] A tag run decides the files it is given in id order
 * (so it can resume after the last id it finished) and keeps them all until it is done. It
 * listed whole records (16 columns, ~500 bytes a row as JavaScript objects); a `lantern tag`
 * of the bench's 1 000 000-row library ran at ~1.07 GB while deciding. It needs a file's id,
 * content hash, kind and duration, and its path only to choose it: so these columns are
 * streamed and only the chosen rows' four are kept.
 */
export async function listTagTargets(
  media: Table,
  dir: string,
  keep: (file: { id: string; hash: string; path: string }) => boolean,
): Promise<MediaKey[]> {
  const kept: MediaKey[] = [];
  const columns = ['id', 'hash', 'path', 'kind', 'duration'];
  for await (const batch of batchesOfColumns(media, dir, columns)) {
    const [ids, hashes, paths, kinds, durations] = columns.map((name) =>
      readColumn(batch, name),
    ) as [Cell[], Cell[], Cell[], Cell[], Cell[]];
    for (let i = 0; i < batch.numRows; i++) {
      const file = { id: String(ids[i]), hash: String(hashes[i]), path: String(paths[i]) };
      if (!keep(file)) continue;
      const duration = durations[i] ?? null;
      kept.push({
        id: file.id,
        hash: file.hash,
        kind: kinds[i] === 'video' ? 'video' : 'image',
        duration: duration === null ? null : Number(duration),
      });
    }
  }
  return kept;
}

/**
 * Each row's path and content hash, a batch at a time in storage order: the caller keeps
 * what it needs of each batch and none of it is held here.
 */
export async function* pathsAndHashes(
  media: Table,
  dir: string,
): AsyncGenerator<Array<{ path: string; hash: string }>> {
  for await (const batch of batchesOfColumns(media, dir, ['path', 'hash'])) {
    const [paths, hashes] = [readColumn(batch, 'path'), readColumn(batch, 'hash')];
    const rows: Array<{ path: string; hash: string }> = [];
    for (let i = 0; i < batch.numRows; i++)
      rows.push({ path: String(paths[i]), hash: String(hashes[i]) });
    yield rows;
  }
}
