/**
 * @file LibraryStore: the library database (LanceDB in a folder). Tables `media` (one
 * row per file, with its vector), `failures` (files that could not be indexed) and
 * `tags` (tags.ts, one for the whole library),
 * plus `lantern-store.json` with the model and embedding size the vectors belong to.
 * Runs in the engine worker (plain Node); one process writes a library at a time.
 *
 * [Note: store writes are atomic and idempotent]
 * Every LanceDB write (add, mergeInsert, delete) commits a new table version
 * atomically: data files are written first and the manifest that makes them visible
 * last. A process killed mid-write leaves at most data files no manifest refers to
 * (removed by a later optimize), never a half-visible batch. Media rows are written
 * with mergeInsert on `id` (update if present, insert if not), so writing the same
 * batch again after a crash yields the same rows, not duplicates.
 */
import { existsSync, statSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import type * as ArrowModule from 'apache-arrow';
import type { Connection, Table } from '@lancedb/lancedb';
import { lancedb } from './arrow.js';
import { chunks, lastPerKey } from './batching.js';
import { guarded, StoreError } from './errors.js';
import { whereIn, sqlString } from './filters.js';
import { FrameTable, frameSchema } from './frames.js';
import { keepSample, keptSamplePath, readKeptSample } from './kept-sample.js';
import {
  listStoredFiles,
  listStoredHashes,
  listStoredRecords,
  listTagTargets,
  pathsAndHashes,
  listVanishedFiles,
  type StoredFile,
  type VanishedFile,
} from './stored-files.js';
import { TagTable, TAGS_TABLE, tagSchema } from './tags.js';
import { readMeta, tablesFor, tablesOfModel, writeMeta, type StoreMeta } from './meta.js';
import { openRecovering, rebuildMeta } from './recovery.js';
import {
  createVectorIndex,
  ensureVectorIndex,
  prewarmVectorIndex,
  DEFAULT_NPROBES,
  refineFactorFor,
  vectorIndexType,
} from './vector-index.js';
import {
  FAILURE_RECORD_COLUMNS,
  failureRecords,
  failureSchema,
  failureTable,
  MEDIA_RECORD_COLUMNS,
  mediaRecords,
  mediaSchema,
  mediaTable,
  numberColumn,
  vectorDimension,
  vectorsById,
} from './schema.js';
import type { FailureRow, MediaKey, MediaRow, StoredMedia } from './schema.js';

/** Ids per `IN (…)` list, to keep each SQL statement small. */
const IDS_PER_STATEMENT = 500;
/**
 * Versions older than this are pruned by optimize(). Each write makes a version and
 * old versions keep their data files; nothing in Lantern reads an old version, and
 * no read lasts minutes.
 */
const KEEP_VERSIONS_MS = 5 * 60_000;

export interface OpenStoreOptions {
  /** Embedding size of the current model. */
  dim: number;
  /** Id of the model whose tables to open (see [Note: one set of tables per model] in meta.ts). */
  model: string;
  /**
   * Open without writing anything: no folder, table or meta file is created, and a
   * missing table reads as empty. For processes that do not hold the writer lock.
   */
  readOnly?: boolean;
}

/** What the library holds for one model, read without opening it for writing. */
export interface StoredModel {
  model: string;
  dim: number;
  complete: boolean;
  updatedAt: number;
  rows: number;
}

export interface VectorSearchOptions {
  limit: number;
  /** A filter built with filters.ts (buildFilter, whereKind, …). */
  where?: string;
  /** IVF partitions to probe when an index exists (default DEFAULT_NPROBES). */
  nprobes?: number;
  /** Re-rank this many × limit candidates exactly (default: REFINE_CANDIDATES ÷ limit). */
  refineFactor?: number;
  /**
   * The beam of an HNSW index of another kind (the bench measures the index earlier
   * versions built); the store's own IVF_RQ index has none. Measured only.
   */
  ef?: number;
  /**
   * Filter after the vector search instead of before (LanceDB's prefilter, the
   * default): measured only; a filter that keeps few rows then returns fewer hits.
   */
  postfilter?: boolean;
  /** Ignore any vector index: exact search over every row. */
  exact?: boolean;
}

export type VectorHit = StoredMedia & {
  /** Cosine distance, 1 − cosine similarity: 0 is identical, 2 opposite. */
  distance: number;
};

export class LibraryStore {
  private constructor(
    readonly dir: string,
    readonly dim: number,
    /** The model the vectors of these tables belong to. */
    readonly model: string,
    readonly readOnly: boolean,
    /** Sentences about what open() found wrong and repaired (shown by status). */
    readonly warnings: readonly string[],
    private readonly db: Connection | null,
    private readonly media: Table | null,
    private readonly failures: Table | null,
    /** Sampled video frames (frames.ts). */
    readonly frames: FrameTable,
    /** Tags of files, shared by every model ([Note: tags follow the file's content…] in tags.ts). */
    readonly tags: TagTable,
    private meta: StoreMeta,
  ) {}

  /**
   * The models whose vectors this library holds, with row counts; reads only, and an
   * empty list where no library exists yet.
   */
  static async models(dir: string): Promise<StoredModel[]> {
    if (!existsSync(dir)) return [];
    refuseNonFolder(dir);
    return guarded('read the library', dir, async () => {
      const { meta } = await readMeta(dir, true);
      const db = await lancedb().connect(dir);
      try {
        const names = new Set(await db.tableNames());
        const found: StoredModel[] = [];
        for (const [model, tables] of Object.entries(meta.models)) {
          if (!names.has(tables.media)) continue;
          const table = await db.openTable(tables.media);
          const rows = await table.countRows();
          table.close();
          found.push({
            model,
            dim: tables.dim,
            complete: tables.complete,
            updatedAt: tables.updatedAt,
            rows,
          });
        }
        return found;
      } finally {
        db.close();
      }
    });
  }

  /**
   * Open (or create) the tables of `options.model` in the library database in `dir`.
   * Other models' tables are left as they are ([Note: one set of tables per model]).
   */
  static async open(dir: string, options: OpenStoreOptions): Promise<LibraryStore> {
    const { dim, model } = options;
    const readOnly = options.readOnly === true;
    if (!Number.isInteger(dim) || dim <= 0) {
      throw new StoreError(
        'INVALID_INPUT',
        `The embedding size must be a positive whole number, not ${dim}.`,
      );
    }
    if (existsSync(dir)) refuseNonFolder(dir);
    return guarded('open the library', dir, async () => {
      if (readOnly && !existsSync(dir)) {
        const empty: StoreMeta = { models: { [model]: tablesFor(model, dim) } };
        return new LibraryStore(
          dir,
          dim,
          model,
          true,
          [],
          null,
          null,
          null,
          new FrameTable(null, dim, dir),
          new TagTable(null, null, dir),
          empty,
        );
      }
      if (!readOnly) await mkdir(dir, { recursive: true });
      const db = await lancedb().connect(dir);
      const warnings: string[] = [];
      const read = await readMeta(dir, readOnly);
      const names = await db.tableNames();
      let meta = read.meta;
      if (read.problem !== null) {
        warnings.push(read.problem);
        meta = await rebuildMeta(db, names);
      }
      const tables = tablesOfModel(meta, model, dim);
      meta = { models: { ...meta.models, [model]: tables } };
      const openOrCreate = async (name: string, schema: ArrowModule.Schema) => {
        if (names.includes(name)) return openRecovering(db, name, dir, warnings);
        if (readOnly) return null;
        // existOk: a table another process created a moment ago is opened, not an error.
        return db.createEmptyTable(name, schema, { mode: 'create', existOk: true });
      };
      const media = await openOrCreate(tables.media, mediaSchema(dim));
      const frames = await openOrCreate(tables.frames, frameSchema(dim));
      const failures = await openOrCreate('failures', failureSchema());
      // Created on the first tag written, so a library that never tags has no tags table.
      const tags = new TagTable(
        names.includes(TAGS_TABLE) ? await openRecovering(db, TAGS_TABLE, dir, warnings) : null,
        readOnly
          ? null
          : () => db.createEmptyTable(TAGS_TABLE, tagSchema(), { mode: 'create', existOk: true }),
        dir,
        async () =>
          (await db.tableNames()).includes(TAGS_TABLE) ? db.openTable(TAGS_TABLE) : null,
      );
      if (media) {
        const storedDim = vectorDimension(await media.schema());
        if (storedDim !== dim)
          throw new StoreError(
            'STORE_FAILED',
            `The table ${tables.media} holds vectors of ${storedDim} values, but model ${model} makes ${dim}; ` +
              'the model files changed under the same id: remove the library folder or use another model id.',
          );
      }
      if (!readOnly) await writeMeta(dir, meta);
      return new LibraryStore(
        dir,
        dim,
        model,
        readOnly,
        warnings,
        db,
        media,
        failures,
        new FrameTable(frames, dim, dir),
        tags,
        meta,
      );
    });
  }

  /** True once an index run over every root finished for this model (meta.ts). */
  get complete(): boolean {
    return this.meta.models[this.model]?.complete === true;
  }

  /** Record that a run over every root finished (complete) or that one started (not yet). */
  async markIndexed(complete: boolean): Promise<void> {
    this.writable();
    const tables = this.meta.models[this.model];
    if (!tables) return;
    this.meta = {
      models: {
        ...this.meta.models,
        [this.model]: { ...tables, complete: complete || tables.complete, updatedAt: Date.now() },
      },
    };
    await guarded('record the index state', this.dir, () => writeMeta(this.dir, this.meta));
  }

  private writable(): void {
    if (this.readOnly)
      throw new StoreError(
        'INVALID_INPUT',
        `The library at ${this.dir} is open for reading only; another process holds it for writing.`,
      );
  }

  /** Insert or replace rows by id (see [Note: store writes are atomic and idempotent]). */
  async upsertMedia(rows: readonly MediaRow[]): Promise<void> {
    if (rows.length === 0) return;
    const media = this.writableMedia();
    for (const row of rows) {
      if (row.vector.length !== this.dim) {
        throw new StoreError(
          'INVALID_INPUT',
          `The vector for ${row.path} has ${row.vector.length} values; this library holds ${this.dim}.`,
        );
      }
    }
    const data = mediaTable(
      lastPerKey(rows, (row) => row.id),
      this.dim,
    );
    await guarded('save media', this.dir, () =>
      media.mergeInsert('id').whenMatchedUpdateAll().whenNotMatchedInsertAll().execute(data),
    );
  }

  async deleteMedia(ids: readonly string[]): Promise<void> {
    if (ids.length === 0) return;
    const media = this.writableMedia();
    await guarded('remove media', this.dir, async () => {
      for (const part of chunks(ids, IDS_PER_STATEMENT)) await media.delete(whereIn('id', part));
    });
  }

  /**
   * Every record (no vectors), or those `where` and `keep` let through. Streamed in record
   * batches, so only the records kept are ever held ([Note: an index run's view of the
   * library] in stored-files.ts: a listing of 1 000 000 rows built whole peaked near 2 GB).
   */
  async listMedia(
    options: { root?: string; where?: string; keep?: (row: StoredMedia) => boolean } = {},
  ): Promise<StoredMedia[]> {
    const media = this.media;
    if (!media) return [];
    const clauses = [
      options.root === undefined ? null : `root = ${sqlString(options.root)}`,
      options.where ?? null,
    ];
    const where = clauses.filter((clause): clause is string => clause !== null).join(' AND ');
    return listStoredRecords(media, this.dir, where, options.keep);
  }

  /** The files `keep` chooses, as a tag run holds them: [Note: what a tag run holds of a file]. */
  async listTagTargets(
    keep: (file: { id: string; hash: string; path: string }) => boolean,
  ): Promise<MediaKey[]> {
    const media = this.media;
    if (!media) return [];
    return listTagTargets(media, this.dir, keep);
  }

  /** Every row's path and content hash, a batch at a time (stored-files.ts). */
  async *pathsAndHashes(): AsyncGenerator<Array<{ path: string; hash: string }>> {
    const media = this.media;
    if (media) yield* pathsAndHashes(media, this.dir);
  }

  /** The content hash of every row (tagging at index time: what the library held before). */
  async listHashes(): Promise<Set<string>> {
    const media = this.media;
    if (!media) return new Set();
    return listStoredHashes(media, this.dir);
  }

  /**
   * The rows under the folders an index run scans, as it compares them with the disk:
   * [Note: an index run's view of the library] in stored-files.ts.
   */
  async listFiles(keep: (path: string) => boolean): Promise<StoredFile[]> {
    const media = this.media;
    if (!media) return [];
    return listStoredFiles(media, this.dir, keep);
  }

  /** The id and content hash of the rows at `paths` (files an index run did not find). */
  async listVanished(paths: ReadonlySet<string>): Promise<VanishedFile[]> {
    const media = this.media;
    if (!media) return [];
    return listVanishedFiles(media, this.dir, paths);
  }

  /** Whole rows (record and vector) in the order of `ids`; ids without a row are skipped. */
  async getRows(ids: readonly string[]): Promise<MediaRow[]> {
    const media = this.media;
    if (!media) return [];
    const found = new Map<string, MediaRow>();
    await guarded('read media rows', this.dir, async () => {
      for (const part of chunks(ids, IDS_PER_STATEMENT)) {
        const result = await media
          .query()
          .select([...MEDIA_RECORD_COLUMNS, 'vector'])
          .where(whereIn('id', part))
          .toArrow();
        const vectors = vectorsById(result);
        for (const record of mediaRecords(result)) {
          const vector = vectors.get(record.id);
          if (vector) found.set(record.id, { ...record, vector });
        }
      }
    });
    return ids.flatMap((id) => found.get(id) ?? []);
  }

  /** Vectors in the order of `ids`; ids without a row are skipped. */
  async getVectors(ids: readonly string[]): Promise<Float32Array[]> {
    const media = this.media;
    if (!media) return [];
    const found = new Map<string, Float32Array>();
    await guarded('read vectors', this.dir, async () => {
      for (const part of chunks(ids, IDS_PER_STATEMENT)) {
        const result = await media
          .query()
          .select(['id', 'vector'])
          .where(whereIn('id', part))
          .toArrow();
        for (const [id, vector] of vectorsById(result)) found.set(id, vector);
      }
    });
    return ids.flatMap((id) => found.get(id) ?? []);
  }

  /**
   * [Note: the background sample] Up to `count` vectors evenly spaced through the table in
   * its storage order (the relevance gate's background, engine/search/cutoff.ts; evenly
   * spaced rather than random, so the same library gives the same cut-off): one count
   * and one read of the vector column at those offsets. It was a listing of every row's
   * record and then a read of the chosen ids, which a cold search paid in full: fine on the
   * bench's 38 photos, not on a library of 1 000 000. The offsets are positions among the
   * rows a scan returns (deleted rows skipped), so the sample is the same one; an offset a
   * concurrent delete took past the end is left out, not an error (LanceDB's takeOffsets).
   * `knownRows`: the table's row count, when the caller has just counted it (one read less).
   */
  async sampleVectors(count: number, knownRows?: number): Promise<Float32Array[]> {
    const media = this.media;
    if (!media || count <= 0) return [];
    return guarded('read vectors', this.dir, async () => {
      const [version, rows] = await Promise.all([media.version(), knownRows ?? media.countRows()]);
      // [Note: a kept background sample] in kept-sample.ts.
      const stamp = { version, rows, count, dim: this.dim };
      const file = keptSamplePath(this.dir, media.name);
      const kept = await readKeptSample(file, stamp);
      if (kept) return kept;
      const step = Math.max(1, rows / count);
      const offsets: number[] = [];
      for (let i = 0; i < rows && offsets.length < count; i += step) offsets.push(Math.floor(i));
      if (offsets.length === 0) return [];
      const table = await media.takeOffsets(offsets).select(['id', 'vector']).toArrow();
      const vectors = [...vectorsById(table).values()];
      // Only a sample of exactly the counted rows is kept (not one a concurrent delete cut short).
      if (!this.readOnly && vectors.length === offsets.length)
        await keepSample(file, stamp, vectors).catch(() => undefined);
      return vectors;
    });
  }

  /** Nearest rows to an L2-normalised vector by cosine distance, nearest first. */
  async vectorSearch(vector: Float32Array, options: VectorSearchOptions): Promise<VectorHit[]> {
    if (vector.length !== this.dim) {
      throw new StoreError(
        'INVALID_INPUT',
        `The query vector has ${vector.length} values; this library holds ${this.dim}.`,
      );
    }
    const media = this.media;
    if (!media) return [];
    return guarded('search the library', this.dir, async () => {
      let query = media
        .vectorSearch(vector)
        .distanceType('cosine')
        .limit(options.limit)
        .select([...MEDIA_RECORD_COLUMNS, '_distance']);
      if (options.where !== undefined) query = query.where(options.where);
      if (options.postfilter) query = query.postfilter();
      if (options.exact) query = query.bypassVectorIndex();
      else {
        const nprobes = options.nprobes ?? DEFAULT_NPROBES;
        const refine = options.refineFactor ?? refineFactorFor(options.limit);
        query = query.nprobes(nprobes).refineFactor(refine);
        if (options.ef !== undefined) query = query.ef(options.ef);
      }
      const result = await query.toArrow();
      const distances = numberColumn(result, '_distance');
      return mediaRecords(result).map((record, i) => ({
        ...record,
        distance: distances[i] ?? Number.NaN,
      }));
    });
  }

  async count(where?: string): Promise<number> {
    const media = this.media;
    if (!media) return 0;
    return guarded('count media', this.dir, () => media.countRows(where));
  }

  /** Record (or replace, by path) files that could not be indexed. */
  async recordFailures(rows: readonly FailureRow[]): Promise<void> {
    if (rows.length === 0) return;
    const failures = this.writableFailures();
    const data = failureTable(lastPerKey(rows, (row) => row.path));
    await guarded('record failures', this.dir, () =>
      failures.mergeInsert('path').whenMatchedUpdateAll().whenNotMatchedInsertAll().execute(data),
    );
  }

  async clearFailures(paths: readonly string[]): Promise<void> {
    if (paths.length === 0) return;
    const failures = this.writableFailures();
    await guarded('clear failures', this.dir, async () => {
      for (const part of chunks(paths, IDS_PER_STATEMENT))
        await failures.delete(whereIn('path', part));
    });
  }

  async listFailures(root?: string): Promise<Required<FailureRow>[]> {
    const failures = this.failures;
    if (!failures) return [];
    return guarded('list failures', this.dir, async () => {
      let query = failures.query().select([...FAILURE_RECORD_COLUMNS]);
      if (root !== undefined) query = query.where(`root = ${sqlString(root)}`);
      return failureRecords(await query.toArrow());
    });
  }

  async hasVectorIndex(): Promise<boolean> {
    return (await this.vectorIndexType()) !== null;
  }

  /** The vector index's type as LanceDB names it ('IvfRq', 'IvfHnswSq'), or null when none. */
  async vectorIndexType(): Promise<string | null> {
    const media = this.media;
    return media ? guarded('read indices', this.dir, () => vectorIndexType(media)) : null;
  }

  /**
   * Build (or rebuild) the vector index once the table has at least `minRows` rows
   * (default VECTOR_INDEX_MIN_ROWS); returns whether it built one (vector-index.ts).
   */
  async createVectorIndex(options: { minRows?: number } = {}): Promise<boolean> {
    const media = this.writableMedia();
    return guarded('build the vector index', this.dir, () =>
      createVectorIndex(media, options.minRows),
    );
  }

  /**
   * Load the vector index into memory before the first search needs it; whether there was
   * one to load.
   *
   * [Note: a warm index from the start] LanceDB loads an IVF index's partitions as
   * searches first probe them: at 1 000 000 rows a search probes 40 of ~244, so the first
   * searches after opening each load many (the benchmark's first 50 queries: p95 226 ms,
   * against 33 ms once warm). A process that will answer many searches (the desktop
   * engine, `lantern serve`) loads them all at once, in the background, right after it
   * opens the library; a one-shot `lantern search` does not, as it probes only 40. On
   * 1 000 000 random 512-float vectors, fresh processes, two runs each: loading took 0.9–1.0
   * s, then the first query 42 ms instead of 285–295 and the first 50 p95 21–29 ms instead
   * of 172–186, at the same peak RSS (459–464 against 454–472 MiB).
   */
  async prewarmVectorIndex(): Promise<boolean> {
    const media = this.media;
    if (!media) return false;
    return guarded('load the vector index', this.dir, () => prewarmVectorIndex(media));
  }

  /** What an indexing run calls after optimize(): see ensureVectorIndex in vector-index.ts. */
  async ensureVectorIndex(): Promise<boolean> {
    const media = this.writableMedia();
    return guarded('build the vector index', this.dir, () => ensureVectorIndex(media));
  }

  /**
   * Compact the small fragments many batched writes leave, fold new rows into the
   * indices, and prune old versions. Worth running after an indexing run.
   */
  async optimize(): Promise<void> {
    const media = this.writableMedia();
    const failures = this.writableFailures();
    const cleanupOlderThan = new Date(Date.now() - KEEP_VERSIONS_MS);
    await guarded('optimise the library', this.dir, async () => {
      await media.optimize({ cleanupOlderThan });
      await failures.optimize({ cleanupOlderThan });
      await this.frames.optimize(cleanupOlderThan);
      await this.tags.optimize(cleanupOlderThan);
    });
  }

  /** Compact the tags table as a tag run goes: [Note: a tag run compacts as it goes] in tags.ts. */
  async compactTags(): Promise<void> {
    await this.tags.compact(new Date(Date.now() - KEEP_VERSIONS_MS));
  }

  // eslint-disable-next-line @typescript-eslint/require-await -- async so callers can await it like the rest
  async close(): Promise<void> {
    this.media?.close();
    this.failures?.close();
    this.frames.close();
    this.tags.close();
    this.db?.close();
  }

  private writableMedia(): Table {
    this.writable();
    if (!this.media)
      throw new StoreError('STORE_FAILED', `The library at ${this.dir} has no media table.`);
    return this.media;
  }

  private writableFailures(): Table {
    this.writable();
    if (!this.failures)
      throw new StoreError('STORE_FAILED', `The library at ${this.dir} has no failures table.`);
    return this.failures;
  }
}

/** A file where the database folder should be: say so plainly instead of a LanceDB error. */
function refuseNonFolder(dir: string): void {
  if (!statSync(dir).isDirectory())
    throw new StoreError(
      'STORE_FAILED',
      `${dir} should be the library's database folder but is a file; move it away (or choose another library folder) and try again.`,
    );
}
