/**
 * @file The library's vector index: which LanceDB index the media table gets, when it
 * is built and rebuilt, and how many candidates a query re-ranks
 * ([Note: 4-bit RaBitQ partitions]). LibraryStore calls these on its media table.
 */
import type { IndexConfig, Table } from '@lancedb/lancedb';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { lancedb } from './arrow.js';

/**
 * Rows from which a library gets a vector index (ensureVectorIndex). Exact search
 * reads every vector: 0.25 s (idle) to 0.8 s (loaded) at 50 000 rows on a 2-core
 * machine, far over the 50 ms that search as you type allows, while the index answers
 * text queries there within 36 ms p95 with recall@10 1.000, with or without filters
 * (docs/benchmarks.md, "Search at 50 000 photos"). At 10 000 rows exact search still
 * stays under 50 ms p95 with perfect recall, and a smaller library would pay the
 * index's build time after every short run for little.
 */
export const VECTOR_INDEX_MIN_ROWS = 10_000;
/** Below this many rows the index's k-means has too little to train on. */
const VECTOR_INDEX_TRAINABLE_ROWS = 256;
/**
 * An index trained on a quarter of the rows the table now holds is rebuilt: its
 * partitions (ROWS_PER_PARTITION at training) have grown fourfold, and every probe
 * reads four times the rows it was sized for. Doubling rebuilds would cost more build
 * time than the slower probes do.
 */
const VECTOR_INDEX_REBUILD_GROWTH = 4;
/** The index's name records its kind and the rows it was trained on (for the rules above). */
const VECTOR_INDEX_NAME = 'vector_ivf_rq4_rows_';
/** The type LanceDB reports for the index createVectorIndex builds. */
export const VECTOR_INDEX_TYPE = 'IvfRq';
/** Bits per dimension of the RaBitQ codes: [Note: 4-bit RaBitQ partitions]. */
const RQ_BITS = 4;
/** Rows per IVF partition: [Note: 4-bit RaBitQ partitions]. */
export const ROWS_PER_PARTITION = 4096;
/**
 * Candidates re-ranked with exact distances when an index answers, whatever the limit:
 * see [Note: 4-bit RaBitQ partitions]. So the factor is this budget ÷ limit, at least 1.
 * Ignored by exact search.
 */
export const REFINE_CANDIDATES = 200;
/**
 * IVF partitions a query probes when told none (LanceDB's own default is 20): see
 * [Note: 4-bit RaBitQ partitions]. A library of under 160 000 rows has fewer
 * partitions than this, so every one is probed.
 */
export const DEFAULT_NPROBES = 40;

/**
 * [Note: the index build's shuffle buffer] Building the IVF index, LanceDB assigns every
 * row to its partition and gathers the transformed rows in memory until they fill its
 * shuffle buffer, then sorts and writes them out (lance-index's shuffler, 128 MiB by
 * default, LANCE_SHUFFLE_BATCH_BYTES when set). Each flush briefly holds several copies
 * of that buffer: building the index of the benchmark's 1 000 000 rows alone (a script,
 * the command line's malloc settings) peaked at 1 331 MiB with the default, 885 MiB with
 * 64 MiB, 674 with 32 and 634 with 16, in 54, 53, 48 and 57 s (2-core machine, one build
 * each, 2026-12-02); a `lantern index` that rebuilt it, at 3.4 GB (the run's own listing
 * included, [Note: an index run's view of the library] in stored-files.ts). So a build
 * asks for 32 MiB, unless the variable is already set (a person tuning it keeps their value).
 */
const SHUFFLE_BUFFER_VARIABLE = 'LANCE_SHUFFLE_BATCH_BYTES';
export const SHUFFLE_BUFFER_BYTES = 32 * 1024 * 1024;

/**
 * [Note: garbage collected before an index build] An index run reads the library's rows
 * through LanceDB's JavaScript objects ([Note: an index run's view of the library] in
 * stored-files.ts); what those hold natively is freed only when V8 collects them, and
 * nothing in a run makes V8 do a full collection before the build starts. Collected first,
 * that memory is free for the build to reuse: `lantern index` rebuilding the index of a
 * library of 1 000 000 rows (shuffle buffer 32 MiB) peaked at 1 007 MiB without and at 684
 * and 700 MiB with it (2026-12-02; the collection itself changed RSS not at all, ~0.1 s).
 * V8 offers a full collection only to code given `gc`: a process started with `--expose-gc`
 * has it; any other (the command line, the desktop engine, tests) turns the flag on for a
 * moment and takes `gc` from a fresh context, as Jest's leak detector does (jest-leak-detector,
 * `setFlagsFromString` + `runInNewContext`), rather than starting every process with a flag
 * only a build needs.
 */
export function collectGarbage(): void {
  const exposed = (globalThis as { gc?: () => void }).gc;
  if (exposed) {
    exposed();
    return;
  }
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as () => void;
  setFlagsFromString('--no-expose-gc');
  gc();
}

/** Partitions of the index createVectorIndex builds on `rows` rows. */
function partitionsFor(rows: number): number {
  return Math.max(1, Math.round(rows / ROWS_PER_PARTITION));
}

/** The refineFactor vectorSearch uses for `limit` when told none. */
export function refineFactorFor(limit: number): number {
  return Math.max(1, Math.ceil(REFINE_CANDIDATES / limit));
}

/** The vector index's type as LanceDB names it ('IvfRq', 'IvfHnswSq'), or null when none. */
export async function vectorIndexType(media: Table): Promise<string | null> {
  const indices = await media.listIndices();
  return indices.find((index) => index.columns.includes('vector'))?.indexType ?? null;
}

/**
 * Build (or rebuild) an IVF_RQ cosine index on the vectors once the table has at
 * least `minRows` rows (default VECTOR_INDEX_MIN_ROWS); returns whether it built one.
 * Rows added later are still found (LanceDB searches unindexed rows exactly) and are
 * folded into the index by optimize().
 */
export async function createVectorIndex(media: Table, minRows?: number): Promise<boolean> {
  const rows = await media.countRows();
  if (rows < Math.max(minRows ?? VECTOR_INDEX_MIN_ROWS, VECTOR_INDEX_TRAINABLE_ROWS)) return false;
  const name = `${VECTOR_INDEX_NAME}${rows}`;
  const numPartitions = partitionsFor(rows);
  // [Note: the index build's shuffle buffer]: LanceDB reads it from the environment at each build.
  process.env[SHUFFLE_BUFFER_VARIABLE] ??= String(SHUFFLE_BUFFER_BYTES);
  collectGarbage();
  await media.createIndex('vector', {
    config: lancedb().Index.ivfRq({ distanceType: 'cosine', numPartitions, numBits: RQ_BITS }),
    name,
    replace: true,
  });
  // The old index is dropped only now, so searches meanwhile still had one to use.
  const indices = await media.listIndices();
  for (const index of indices)
    if (index.columns.includes('vector') && index.name !== name) await media.dropIndex(index.name);
  await ensureScalarIndices(media, indices);
  return true;
}

/**
 * Load the table's vector index into LanceDB's index cache, when it has one; answers
 * whether it had. [Note: a warm index from the start] in library-store.ts.
 */
export async function prewarmVectorIndex(media: Table): Promise<boolean> {
  const indices = await media.listIndices();
  const index = indices.find((candidate) => candidate.columns.includes('vector'));
  if (!index) return false;
  await media.prewarmIndex(index.name);
  return true;
}

/** The scalar index on `kind` a table with a vector index gets: [Note: a bitmap of kinds]. */
const KIND_INDEX_NAME = 'kind_bitmap';
/** The scalar index on `id`: [Note: a btree of ids]. */
const ID_INDEX_NAME = 'id_btree';

/**
 * Builds the scalar indices a table with a vector index gets (a bitmap on `kind`, a btree
 * on `id`) unless `indices` (the table's, just listed) already has one on that column.
 */
async function ensureScalarIndices(media: Table, indices: readonly IndexConfig[]): Promise<void> {
  const has = (column: string) => indices.some((index) => index.columns.includes(column));
  if (!has('kind'))
    await media.createIndex('kind', { config: lancedb().Index.bitmap(), name: KIND_INDEX_NAME });
  if (!has('id'))
    await media.createIndex('id', { config: lancedb().Index.btree(), name: ID_INDEX_NAME });
}

/**
 * What an indexing run calls after optimize(): build the vector index once the library
 * reaches VECTOR_INDEX_MIN_ROWS, replace an index of another kind (an earlier version's
 * IVF_PQ or IVF_HNSW_SQ) once, rebuild it once the library has grown
 * VECTOR_INDEX_REBUILD_GROWTH-fold past the rows it was trained on, else leave it
 * (optimize() folds new rows in). Returns whether it built one.
 */
export async function ensureVectorIndex(media: Table): Promise<boolean> {
  const [rows, indices] = await Promise.all([media.countRows(), media.listIndices()]);
  const current = indices.find((index) => index.columns.includes('vector'));
  if (current === undefined) return createVectorIndex(media);
  // Earlier versions' IVF_PQ lost a quarter of the true top 10 at 1M rows; their IVF_HNSW_SQ
  // cost a cold search at 1M a second and 250 MB ([Note: 4-bit RaBitQ partitions]).
  if (!current.name.startsWith(VECTOR_INDEX_NAME)) return createVectorIndex(media, 0);
  const trained = Number(current.name.slice(VECTOR_INDEX_NAME.length));
  if (rows >= trained * VECTOR_INDEX_REBUILD_GROWTH) return createVectorIndex(media, 0);
  // A vector index built before the kinds had their bitmap, or the ids their btree, gets them now.
  await ensureScalarIndices(media, indices);
  return false;
}

/**
 * [Note: a bitmap of kinds] Every photo search filters `kind = 'image'` before its vector
 * search (LanceDB's prefilter, engine/search/search.ts); without a scalar index LanceDB reads
 * the whole kind column to make the mask: 70–100 ms of a cold search of 1 000 000 photos
 * (by hand, 2026-12-02: 476–508 ms against 401–412 ms with a bitmap index, the vector search
 * alone 406–409 ms). So a table gets a bitmap index on `kind` (two values) with its vector
 * index: 0.3 s to build at 1M rows, next to nothing to keep; rows written after it are
 * filtered by a scan of their own until optimize() folds them in, as for the vector index.
 * A smaller library, with no vector index, scans its few rows.
 *
 * [Note: a btree of ids] Every write of the library's rows is a merge on `id` (LibraryStore
 * upsertMedia), and every read of chosen rows asks for their ids (getVectors: a tag run
 * reads each batch of 256 files' vectors so, getRows, deleteMedia). Without a scalar index
 * LanceDB scans the whole id column for each: on a copy of the bench's 1 000 000-row
 * library (by hand, 2026-12-02) `id IN (256 ids)` took 208 ms, which a `lantern tag` of every
 * file pays ~3 900 times; on its 200 000-row library 20–37 ms, and a merge of 32 new rows
 * 75–173 ms. With a btree on `id`: 4–6 ms and 17–41 ms (build 0.2 s, 4.3 MB at 200 000
 * rows); at 1 000 000 rows 16–35 ms for a run of 256 ids in id order, as a tag run asks,
 * but still 107–156 ms for 256 ids drawn at random (each literal of the list is its own
 * lookup; build 0.75 s, 23 MB). So the ids get a btree beside the kinds' bitmap, kept as
 * the bitmap is.
 */

/**
 * [Note: 4-bit RaBitQ partitions] The vector index is LanceDB's IVF_RQ: k-means partitions
 * of about ROWS_PER_PARTITION rows holding each vector as a RaBitQ code of RQ_BITS bits a
 * dimension (256 bytes for 512 dimensions); a query scans the codes of the DEFAULT_NPROBES
 * partitions nearest to it and re-ranks the best REFINE_CANDIDATES on the full vectors.
 * Measured on toy-clip-gap text queries (real CLIP's narrow score shape,
 * test/bench/vectors.ts) against exact search on 2 cores, 50 queries, limit 10 with 200
 * re-ranked, 2026-12-02, by hand on copies of the bench's tables:
 * - IVF_HNSW_SQ in the same partitions (each an HNSW graph over 8-bit vectors), the index
 *   before: at 1M recall@10 0.984, p95 33 ms warm, but each probed partition's graph is
 *   built in memory on first use (~25 ms and ~5 MB each on this machine), so the first
 *   query of a process took 1.1 s and 250 MB for its 40 probes (a cold `lantern search`
 *   of 1M photos: 2.4 s, 405 MB peak) and a first pass over 50 queries 6.3 s; index build
 *   144 s. At 50 000 rows 1.000, p95 15 ms, first query 344 ms.
 * - IVF_RQ, 4 bits: at 1M recall 1.000 with 40 probes (0.990 with 20), p95 18 ms warm,
 *   first query 341 ms and ~100 MB; first pass over 50 queries 2.2 s; build 66 s (peak 1.5
 *   GB, 281 MB of index). At 50 000 rows 0.998, p95 10 ms, first query 142 ms; at 10 000
 *   rows (2 partitions) 1.000.
 * - IVF_RQ, 1 bit: recall 0.41 at 1M; 2 bits: 0.886. Text queries lie outside the photos'
 *   cone, where coarse codes mis-rank the candidates (an earlier IVF_PQ, 64 sub-vectors of
 *   8 bits with 2 000 re-ranked, reached 0.722 at 1M for the same reason).
 * - IVF_RQ, 4 bits with LanceDB's default partitions (√rows, ~1 000 rows each at 1M): 0.980
 *   with 40 probes, 0.894 with 20; build 94 s.
 * Hence ~4 000 rows per partition, 40 probes (every partition below 160 000 rows), 200
 * candidates (the engine's own search asks for 200, so it re-ranks exactly what it gets).
 * docs/benchmarks.md has the bench's own figures ("Search latency", "Search at 50 000
 * photos", the cold searches at scale).
 */
