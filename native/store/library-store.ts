/**
 * @file LibraryStore: the library database (LanceDB in a folder). Tables `media` (one
 * row per file, with its vector) and `failures` (files that could not be indexed),
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
import { mkdir } from 'node:fs/promises';
import { connect, Index } from '@lancedb/lancedb';
import type { Connection, Table } from '@lancedb/lancedb';
import { chunks, lastPerKey } from './batching.js';
import { guarded, StoreError } from './errors.js';
import { whereIn, sqlString } from './filters.js';
import { FrameTable, frameSchema } from './frames.js';
import { readMeta, writeMeta } from './meta.js';
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
import type { FailureRow, MediaRow, StoredMedia } from './schema.js';

/**
 * Rows below which createVectorIndex does nothing. LanceDB's guidance: brute-force
 * search over ~100K vectors takes tens of milliseconds and an index is "usually
 * unnecessary overhead" below that (docs.lancedb.com, Vector Indexing, "Do you need
 * one?"); exact search also has perfect recall.
 */
export const VECTOR_INDEX_MIN_ROWS = 100_000;
/** IVF_PQ trains 2^8 = 256 PQ centroids per sub-vector; fewer rows cannot train it. */
const VECTOR_INDEX_TRAINABLE_ROWS = 256;
/**
 * Candidates re-ranked with exact distances per result when an index answers: PQ
 * distances are coarse, and re-reading 30 × limit full vectors restores the true order
 * for little cost. `npm run bench` measured recall@10 0.895 at 10 × and 0.990 at 30 ×
 * on clustered 512-d vectors, for a few milliseconds more (docs/benchmarks.md).
 * Ignored by exact (index-less) search.
 */
const DEFAULT_REFINE_FACTOR = 30;
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
  /** Id of the current model; when it differs from the stored one, media is reset. */
  model?: string;
}

export interface VectorSearchOptions {
  limit: number;
  /** A filter built with filters.ts (buildFilter, whereKind, …). */
  where?: string;
  /** IVF partitions to probe when an index exists (LanceDB's default is 20). */
  nprobes?: number;
  /** Re-rank this many × limit candidates exactly (default 10). */
  refineFactor?: number;
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
    /** The model the stored vectors belong to, when known. */
    readonly model: string | null,
    /** True when open() emptied `media` because the model or its embedding size changed. */
    readonly reset: boolean,
    /** Why it was reset, in words; null when it was not. */
    readonly resetReason: string | null,
    private readonly db: Connection,
    private readonly media: Table,
    private readonly failures: Table,
    /** Sampled video frames (frames.ts). */
    readonly frames: FrameTable,
  ) {}

  /**
   * Open (or create) the library database in `dir`. Vectors of different models are
   * not comparable, so when the embedding size — or the model id, when given — differs
   * from what the table holds, `media` is dropped and recreated empty (`reset`).
   */
  static async open(dir: string, options: OpenStoreOptions): Promise<LibraryStore> {
    const { dim } = options;
    if (!Number.isInteger(dim) || dim <= 0) {
      throw new StoreError(
        'INVALID_INPUT',
        `The embedding size must be a positive whole number, not ${dim}.`,
      );
    }
    return guarded('open the library', dir, async () => {
      await mkdir(dir, { recursive: true });
      const db = await connect(dir);
      const meta = await readMeta(dir);
      const names = await db.tableNames();
      let resetReason: string | null = null;
      if (names.includes('media')) {
        const existing = await db.openTable('media');
        const storedDim = vectorDimension(await existing.schema());
        existing.close();
        if (storedDim !== dim)
          resetReason = `the embedding size changed from ${storedDim} to ${dim}`;
        else if (options.model && meta?.model && meta.model !== options.model) {
          resetReason = `the model changed from ${meta.model} to ${options.model}`;
        }
        if (resetReason !== null) {
          await db.dropTable('media');
          if (names.includes('frames')) await db.dropTable('frames');
        }
      }
      const media =
        names.includes('media') && resetReason === null
          ? await db.openTable('media')
          : await db.createEmptyTable('media', mediaSchema(dim));
      const frames =
        names.includes('frames') && resetReason === null
          ? await db.openTable('frames')
          : await db.createEmptyTable('frames', frameSchema(dim));
      const failures = names.includes('failures')
        ? await db.openTable('failures')
        : await db.createEmptyTable('failures', failureSchema());
      const model = options.model ?? (resetReason === null ? (meta?.model ?? null) : null);
      await writeMeta(dir, { dim, model });
      return new LibraryStore(
        dir,
        dim,
        model,
        resetReason !== null,
        resetReason,
        db,
        media,
        failures,
        new FrameTable(frames, dim, dir),
      );
    });
  }

  /** Insert or replace rows by id (see [Note: store writes are atomic and idempotent]). */
  async upsertMedia(rows: readonly MediaRow[]): Promise<void> {
    if (rows.length === 0) return;
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
      this.media.mergeInsert('id').whenMatchedUpdateAll().whenNotMatchedInsertAll().execute(data),
    );
  }

  async deleteMedia(ids: readonly string[]): Promise<void> {
    await guarded('remove media', this.dir, async () => {
      for (const part of chunks(ids, IDS_PER_STATEMENT))
        await this.media.delete(whereIn('id', part));
    });
  }

  /** Every record (no vectors: a listing of 100K rows stays a few tens of MB). */
  async listMedia(options: { root?: string; where?: string } = {}): Promise<StoredMedia[]> {
    const clauses = [
      options.root === undefined ? null : `root = ${sqlString(options.root)}`,
      options.where ?? null,
    ];
    const where = clauses.filter((clause): clause is string => clause !== null).join(' AND ');
    return guarded('list media', this.dir, async () => {
      let query = this.media.query().select([...MEDIA_RECORD_COLUMNS]);
      if (where !== '') query = query.where(where);
      return mediaRecords(await query.toArrow());
    });
  }

  /** Vectors in the order of `ids`; ids without a row are skipped. */
  async getVectors(ids: readonly string[]): Promise<Float32Array[]> {
    const found = new Map<string, Float32Array>();
    await guarded('read vectors', this.dir, async () => {
      for (const part of chunks(ids, IDS_PER_STATEMENT)) {
        const result = await this.media
          .query()
          .select(['id', 'vector'])
          .where(whereIn('id', part))
          .toArrow();
        for (const [id, vector] of vectorsById(result)) found.set(id, vector);
      }
    });
    return ids.flatMap((id) => found.get(id) ?? []);
  }

  /** Nearest rows to an L2-normalised vector by cosine distance, nearest first. */
  async vectorSearch(vector: Float32Array, options: VectorSearchOptions): Promise<VectorHit[]> {
    if (vector.length !== this.dim) {
      throw new StoreError(
        'INVALID_INPUT',
        `The query vector has ${vector.length} values; this library holds ${this.dim}.`,
      );
    }
    return guarded('search the library', this.dir, async () => {
      let query = this.media
        .vectorSearch(vector)
        .distanceType('cosine')
        .limit(options.limit)
        .select([...MEDIA_RECORD_COLUMNS, '_distance']);
      if (options.where !== undefined) query = query.where(options.where);
      if (options.exact) query = query.bypassVectorIndex();
      else {
        if (options.nprobes !== undefined) query = query.nprobes(options.nprobes);
        query = query.refineFactor(options.refineFactor ?? DEFAULT_REFINE_FACTOR);
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
    return guarded('count media', this.dir, () => this.media.countRows(where));
  }

  /** Record (or replace, by path) files that could not be indexed. */
  async recordFailures(rows: readonly FailureRow[]): Promise<void> {
    if (rows.length === 0) return;
    const data = failureTable(lastPerKey(rows, (row) => row.path));
    await guarded('record failures', this.dir, () =>
      this.failures
        .mergeInsert('path')
        .whenMatchedUpdateAll()
        .whenNotMatchedInsertAll()
        .execute(data),
    );
  }

  async clearFailures(paths: readonly string[]): Promise<void> {
    await guarded('clear failures', this.dir, async () => {
      for (const part of chunks(paths, IDS_PER_STATEMENT))
        await this.failures.delete(whereIn('path', part));
    });
  }

  async listFailures(root?: string): Promise<Required<FailureRow>[]> {
    return guarded('list failures', this.dir, async () => {
      let query = this.failures.query().select([...FAILURE_RECORD_COLUMNS]);
      if (root !== undefined) query = query.where(`root = ${sqlString(root)}`);
      return failureRecords(await query.toArrow());
    });
  }

  async hasVectorIndex(): Promise<boolean> {
    const indices = await guarded('read indices', this.dir, () => this.media.listIndices());
    return indices.some((index) => index.columns.includes('vector'));
  }

  /**
   * Build (or rebuild) an IVF_PQ cosine index on the vectors once the table has at
   * least `minRows` rows (default VECTOR_INDEX_MIN_ROWS); returns whether it built
   * one. Rows added later are still found (LanceDB searches unindexed rows exactly)
   * and are folded into the index by optimize().
   */
  async createVectorIndex(options: { minRows?: number } = {}): Promise<boolean> {
    const minRows = Math.max(options.minRows ?? VECTOR_INDEX_MIN_ROWS, VECTOR_INDEX_TRAINABLE_ROWS);
    return guarded('build the vector index', this.dir, async () => {
      if ((await this.media.countRows()) < minRows) return false;
      await this.media.createIndex('vector', {
        config: Index.ivfPq({ distanceType: 'cosine' }),
        replace: true,
      });
      return true;
    });
  }

  /**
   * Compact the small fragments many batched writes leave, fold new rows into the
   * indices, and prune old versions. Worth running after an indexing run.
   */
  async optimize(): Promise<void> {
    const cleanupOlderThan = new Date(Date.now() - KEEP_VERSIONS_MS);
    await guarded('optimise the library', this.dir, async () => {
      await this.media.optimize({ cleanupOlderThan });
      await this.failures.optimize({ cleanupOlderThan });
      await this.frames.optimize(cleanupOlderThan);
    });
  }

  // eslint-disable-next-line @typescript-eslint/require-await -- async so callers can await it like the rest
  async close(): Promise<void> {
    this.media.close();
    this.failures.close();
    this.frames.close();
    this.db.close();
  }
}
