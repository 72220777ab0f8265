/**
 * @file The library's vector index: which LanceDB index the media table gets, when it
 * is built and rebuilt, and how many candidates a query re-ranks
 * ([Note: an HNSW graph per partition]). LibraryStore calls these on its media table.
 */
import { Index } from '@lancedb/lancedb';
import type { Table } from '@lancedb/lancedb';

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
 * partitions (√rows at training) have grown fourfold, and every probe reads four
 * times the rows it was sized for. Doubling rebuilds would cost more build time than
 * the slower probes do.
 */
const VECTOR_INDEX_REBUILD_GROWTH = 4;
/** The index's name records its kind and the rows it was trained on (for the rules above). */
const VECTOR_INDEX_NAME = 'vector_hnsw_sq_rows_';
/** The type LanceDB reports for the index createVectorIndex builds. */
export const VECTOR_INDEX_TYPE = 'IvfHnswSq';
/** The name of the IVF_PQ index earlier versions built; one is rebuilt on the next run. */
const IVF_PQ_INDEX_NAME = 'vector_ivf_pq_rows_';
/**
 * Candidates re-ranked with exact distances when an index answers, whatever the limit,
 * and the HNSW search's beam (ef) that finds them: see [Note: an HNSW graph per
 * partition]. So the factor is this budget ÷ limit, at least 1. Ignored by exact search.
 */
export const REFINE_CANDIDATES = 2000;

/** The refineFactor vectorSearch uses for `limit` when told none. */
export function refineFactorFor(limit: number): number {
  return Math.max(1, Math.ceil(REFINE_CANDIDATES / limit));
}

/** The vector index's type as LanceDB names it ('IvfHnswSq', 'IvfPq'), or null when none. */
export async function vectorIndexType(media: Table): Promise<string | null> {
  const indices = await media.listIndices();
  return indices.find((index) => index.columns.includes('vector'))?.indexType ?? null;
}

/**
 * Build (or rebuild) an IVF_HNSW_SQ cosine index on the vectors once the table has at
 * least `minRows` rows (default VECTOR_INDEX_MIN_ROWS); returns whether it built one.
 * Rows added later are still found (LanceDB searches unindexed rows exactly) and are
 * folded into the index by optimize().
 */
export async function createVectorIndex(media: Table, minRows?: number): Promise<boolean> {
  const rows = await media.countRows();
  if (rows < Math.max(minRows ?? VECTOR_INDEX_MIN_ROWS, VECTOR_INDEX_TRAINABLE_ROWS)) return false;
  const name = `${VECTOR_INDEX_NAME}${rows}`;
  await media.createIndex('vector', {
    config: Index.hnswSq({ distanceType: 'cosine' }),
    name,
    replace: true,
  });
  // The old index is dropped only now, so searches meanwhile still had one to use.
  for (const index of await media.listIndices())
    if (index.columns.includes('vector') && index.name !== name) await media.dropIndex(index.name);
  return true;
}

/**
 * What an indexing run calls after optimize(): build the vector index once the library
 * reaches VECTOR_INDEX_MIN_ROWS, replace an earlier version's IVF_PQ index, rebuild it
 * once the library has grown VECTOR_INDEX_REBUILD_GROWTH-fold past the rows it was
 * trained on, else leave it (optimize() folds new rows in). Returns whether it built one.
 */
export async function ensureVectorIndex(media: Table): Promise<boolean> {
  const [rows, indices] = await Promise.all([media.countRows(), media.listIndices()]);
  const current = indices.find((index) => index.columns.includes('vector'));
  if (current === undefined) return createVectorIndex(media);
  // An IVF_PQ index of an earlier version is replaced once: at 1M rows its coarse codes
  // lost a quarter of the true top 10 ([Note: an HNSW graph per partition]).
  if (current.name.startsWith(IVF_PQ_INDEX_NAME)) return createVectorIndex(media, 0);
  // An index built before names recorded its rows (at ≥ 100 000 rows) is kept.
  const trained = current.name.startsWith(VECTOR_INDEX_NAME)
    ? Number(current.name.slice(VECTOR_INDEX_NAME.length))
    : Number.NaN;
  if (!(rows >= trained * VECTOR_INDEX_REBUILD_GROWTH)) return false;
  return createVectorIndex(media, 0);
}

/**
 * [Note: an HNSW graph per partition] The vector index is LanceDB's IVF_HNSW_SQ: √rows
 * k-means partitions, each an HNSW graph (m 20, ef_construction 300: LanceDB's defaults)
 * over 8-bit scalar-quantised vectors; a query walks the graphs of the partitions it
 * probes with a beam of `ef` and re-ranks the best REFINE_CANDIDATES with the full
 * vectors. On toy-clip-gap text queries (real CLIP's narrow score shape, test/bench/
 * vectors.ts), IVF_PQ (64 sub-vectors of 8 bits, 2 000 re-ranked) reached recall@10
 * 0.988 at 50 000 rows but 0.722 at 1 000 000 (p90 50 ms): its codes are too coarse to
 * put the true top 10 among 2 000 candidates of a million. IVF_HNSW_SQ with the same
 * 2 000 re-ranked and ef 2 000 reached 1.000 at 1M with a median of 29 ms and p95 36 ms
 * (30 queries, 2-core machine), for a similar build (269 vs 264 s) but a larger index
 * (658 vs 70 MB on disk: the graphs and one byte per dimension); beams of 500 gave 0.903.
 * docs/benchmarks.md has the bench's figures at 50 000 and 1M.
 */
