/**
 * @file The library's vector index: which LanceDB index the media table gets, when it
 * is built and rebuilt, and how many candidates a query re-ranks
 * ([Note: an HNSW graph per partition]). LibraryStore calls these on its media table.
 */
import type { Table } from '@lancedb/lancedb';
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
const VECTOR_INDEX_NAME = 'vector_hnsw_sq_rows_';
/** The type LanceDB reports for the index createVectorIndex builds. */
export const VECTOR_INDEX_TYPE = 'IvfHnswSq';
/** The name of the IVF_PQ index earlier versions built; one is rebuilt on the next run. */
const IVF_PQ_INDEX_NAME = 'vector_ivf_pq_rows_';
/** Rows per IVF partition, each its own HNSW graph: [Note: an HNSW graph per partition]. */
export const ROWS_PER_PARTITION = 4096;
/**
 * Candidates re-ranked with exact distances when an index answers, whatever the limit,
 * and the least HNSW beam (ef) that finds them: see [Note: an HNSW graph per
 * partition]. So the factor is this budget ÷ limit, at least 1. Ignored by exact search.
 */
export const REFINE_CANDIDATES = 200;
/**
 * IVF partitions a query probes when told none (LanceDB's own default is 20): see
 * [Note: an HNSW graph per partition]. A library of under 160 000 rows has fewer
 * partitions than this, so every one is probed.
 */
export const DEFAULT_NPROBES = 40;

/**
 * HNSW beam slots a query spends over all the partitions it probes when told no `ef`:
 * DEFAULT_NPROBES partitions × REFINE_CANDIDATES at 1M rows, a wider beam per partition
 * when a smaller library has fewer partitions to probe (at most MOST_BEAM). See [Note: an
 * HNSW graph per partition].
 */
const BEAM_BUDGET = 8_000;
const MOST_BEAM = 2_000;

/** The beam (ef) for a query re-ranking `candidates` over `probed` partitions. */
export function beamFor(candidates: number, probed: number): number {
  const perPartition = Math.ceil(BEAM_BUDGET / Math.max(1, probed));
  return Math.max(candidates, Math.min(MOST_BEAM, perPartition));
}

/** Partitions of the index createVectorIndex builds on `rows` rows. */
function partitionsFor(rows: number): number {
  return Math.max(1, Math.round(rows / ROWS_PER_PARTITION));
}

/**
 * How many partitions the table's vector index has, from its name (createVectorIndex
 * records the rows it was trained on), or null when it has none or another kind.
 */
export async function vectorIndexPartitions(media: Table): Promise<number | null> {
  const indices = await media.listIndices();
  const name = indices.find((index) => index.columns.includes('vector'))?.name;
  if (!name?.startsWith(VECTOR_INDEX_NAME)) return null;
  const rows = Number(name.slice(VECTOR_INDEX_NAME.length));
  return Number.isFinite(rows) ? partitionsFor(rows) : null;
}

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
  const numPartitions = partitionsFor(rows);
  await media.createIndex('vector', {
    config: lancedb().Index.hnswSq({ distanceType: 'cosine', numPartitions }),
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
 * [Note: an HNSW graph per partition] The vector index is LanceDB's IVF_HNSW_SQ: k-means
 * partitions of about ROWS_PER_PARTITION rows, each an HNSW graph (m 20, ef_construction
 * 300: LanceDB's defaults) over 8-bit scalar-quantised vectors; a query walks the graphs
 * of the partitions it probes (DEFAULT_NPROBES) with a beam of `ef` and re-ranks the best
 * REFINE_CANDIDATES with the full vectors. Measured on toy-clip-gap text queries (real
 * CLIP's narrow score shape, test/bench/vectors.ts) on 2 cores, recall@10 against exact:
 * - IVF_PQ (√rows partitions, 64 sub-vectors of 8 bits, 2 000 re-ranked), the index
 *   before: 0.988 at 50 000 rows but 0.722 at 1 000 000 (p90 50 ms): its codes are too
 *   coarse to put the true top 10 among 2 000 candidates of a million.
 * - IVF_HNSW_SQ with LanceDB's default partitions (one graph for the whole table):
 *   1.000 at 1M with ef 2 000 (p95 36 ms) but 0.964 at 50 000 (ef 4 000: 0.988): text
 *   queries lie outside the photos' cone, where a single graph's walk strays; and its
 *   1M build peaked at 2.9 GB (IVF_PQ: 1.1 GB), 280 s.
 * - Partitions of ~4 000 rows: at 50 000 (12 partitions) 1.000 with ef 200 to 2 000
 *   (p95 7 ms with 200 re-ranked); at 1M (244) 0.987 with 20 probes, ef 500 and 500
 *   re-ranked at p95 24 ms (40 probes, ef 200: 0.990 at 22 ms), while ef 2 000 per probe
 *   cost 150 ms. Build 149 s, peak 1.8 GB with the queries. Partitions of 1 000 rows
 *   lost recall at 50 000 (0.99 with 20 probes, 0.964 with 10): the partitions a text
 *   query is nearest to are not always those holding its best photos.
 * - The bench with every query warmed up once (2026-12-01, 50 queries at 1M): 20 probes,
 *   ef 500, 500 re-ranked: 0.980, p95 35.8 ms; 40 probes, ef 200, 200 re-ranked: 0.992,
 *   p95 35.5 ms; 40 probes with 500: 1.000 at 46.2 ms. At 50 000 all three give 1.000.
 *   The first 50 queries after opening a 1M index cost p95 ~300 ms: each probed
 *   partition's graph is loaded on first use.
 * - With 200 candidates and ef 200 a 10 000-row library (2 partitions) fell to 0.980
 *   where 600 re-ranked had 1.000: a beam of 200 in each of two graphs explores far less
 *   than in each of 40. So a query's beam is a budget over the partitions it probes
 *   (beamFor: 8 000 slots, 200 per partition at 1M, 667 at 50 000, at most 2 000).
 * Hence ~4 000 rows per partition, 40 probes, 200 candidates (the engine's own search
 * asks for 200, so it re-ranks exactly what it gets) and the beam budget. These figures are by hand on copies
 * of the bench's tables (30–50 queries); docs/benchmarks.md has the bench's own ("Search
 * latency", "Search at 50 000 photos").
 */
