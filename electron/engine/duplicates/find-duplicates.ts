/**
 * @file Near-duplicate photos (engine, plain Node): groups of re-encoded, resized, slightly
 * cropped copies and burst shots, found through the vector index, with what a person
 * compares to choose the copy to keep (docs/duplicates.md).
 *
 * [Note: near-duplicates through the vector index]
 * Comparing every photo with every other costs N² dot products (5·10⁹ of 512 values at
 * 100 000 photos). Instead each photo asks the store for its nearest neighbours — the
 * vector index (IVF_RQ) once the library has one (native/store), an exact scan
 * below that — and every neighbour at or above the threshold joins its group (union-find,
 * so copies of copies end in one group). A photo whose every neighbour passed asks again
 * with more, so a burst of 40 frames is not cut at the first 16. Photos only: video
 * frames are many near-identical pictures of one scene by nature.
 */
import { laplacianVariance } from '../../../native/image/index.js';
import type { LibraryStore, StoredMedia } from '../../../native/store/index.js';
import { whereAll, whereKind, whereUnderFolder } from '../../../native/store/index.js';
import type {
  DuplicateAnswer,
  DuplicateFile,
  DuplicateGroup,
  DuplicateProgress,
} from '../../shared/channels-duplicates.js';
import { LanternError } from '../../shared/errors.js';
import { dot } from '../util/vectors.js';
import { chooseKeeper } from './keeper.js';

/**
 * The cosine similarity from which two photos are near-duplicates, calibrated on
 * toy-clip-gap (docs/duplicates.md, measured there): a resized re-encode scores 1.000 with
 * its original, a 3 % crop ≥ 0.997 and a 10 % crop 0.974–0.996, while the next shot with
 * a third of the picture changed scores 0.85–0.98 and distinct scenes at most 0.974 (two
 * scenes of the same colours). 0.98 keeps every re-encode and slight crop and no
 * distinct scene.
 */
export const DEFAULT_DUPLICATE_THRESHOLD = 0.98;
/** Neighbours asked for first; most photos have none above the threshold. */
const FIRST_NEIGHBOURS = 16;
/** The most neighbours one photo asks for (a longer burst still joins through its members). */
const MOST_NEIGHBOURS = 256;
/**
 * Candidates the index re-ranks exactly per neighbour: near-duplicates sit far above the
 * rest, so the order of the index's 4-bit codes needs little correction (text search
 * re-ranks REFINE_CANDIDATES: its matches stand only a few hundredths above the crowd).
 */
const REFINE_FACTOR = 4;
/** Vectors read per store query, and neighbour queries in flight at once. */
const VECTORS_PER_READ = 256;
const QUERIES_IN_FLIGHT = 4;
/** Progress events at most this often. */
const PROGRESS_INTERVAL_MS = 100;

export interface FindDuplicatesOptions {
  threshold?: number;
  /** Only photos under this folder (and only their neighbours there). */
  folder?: string;
  signal?: AbortSignal;
  onProgress?: (progress: DuplicateProgress) => void;
  maxPixels?: number;
}

export async function findDuplicates(
  store: LibraryStore,
  options: FindDuplicatesOptions = {},
): Promise<DuplicateAnswer> {
  const threshold = options.threshold ?? DEFAULT_DUPLICATE_THRESHOLD;
  const where = whereAll(
    whereKind('image'),
    options.folder === undefined ? undefined : whereUnderFolder(options.folder),
  );
  const rows = await store.listMedia(where === undefined ? {} : { where });
  const position = new Map(rows.map((row, i) => [row.id, i]));
  const groups = new UnionFind(rows.length);
  const progress = throttledProgress(rows.length, options.onProgress);
  let done = 0;
  progress(0, true);
  for (let start = 0; start < rows.length; start += VECTORS_PER_READ) {
    checkCancelled(options.signal);
    const chunk = rows.slice(start, start + VECTORS_PER_READ);
    const vectors = await vectorsOf(store, chunk);
    await inParallel(chunk, QUERIES_IN_FLIGHT, async (row, i) => {
      checkCancelled(options.signal);
      const vector = vectors[i];
      if (vector) {
        for (const id of await neighboursAbove(store, vector, threshold, where)) {
          const other = position.get(id);
          if (other !== undefined) groups.union(start + i, other);
        }
      }
      done++;
      progress(done, false);
    });
  }
  const members = groups.components().filter((component) => component.length > 1);
  const found: DuplicateGroup[] = [];
  for (const component of members) {
    checkCancelled(options.signal);
    found.push(
      await describeGroup(
        store,
        component.map((i) => rows[i] as StoredMedia),
        options,
      ),
    );
  }
  progress(rows.length, true);
  found.sort((a, b) => b.similarity - a.similarity || (a.keeper < b.keeper ? -1 : 1));
  return { groups: found, threshold, scanned: rows.length };
}

/** Ids of the photos at or above `threshold` from `vector`, asking for more while all pass. */
async function neighboursAbove(
  store: LibraryStore,
  vector: Float32Array,
  threshold: number,
  where: string | undefined,
): Promise<string[]> {
  for (let limit = FIRST_NEIGHBOURS; ; limit *= 4) {
    const hits = await store.vectorSearch(vector, {
      limit,
      refineFactor: REFINE_FACTOR,
      ...(where === undefined ? {} : { where }),
    });
    const near = hits.filter((hit) => 1 - hit.distance >= threshold);
    if (near.length < hits.length || hits.length < limit || limit >= MOST_NEIGHBOURS)
      return near.map((hit) => hit.id);
  }
}

/** One vector per row (undefined where a row vanished since it was listed). */
async function vectorsOf(
  store: LibraryStore,
  rows: readonly StoredMedia[],
): Promise<(Float32Array | undefined)[]> {
  const vectors = await store.getVectors(rows.map((row) => row.id));
  if (vectors.length === rows.length) return vectors;
  // A row removed meanwhile shifts getVectors' list: read the rest one by one.
  return Promise.all(rows.map(async (row) => (await store.getVectors([row.id]))[0]));
}

async function describeGroup(
  store: LibraryStore,
  rows: readonly StoredMedia[],
  options: FindDuplicatesOptions,
): Promise<DuplicateGroup> {
  const files = await Promise.all(rows.map((row) => describeFile(row, options.maxPixels)));
  // Sharpness relative to the group's sharpest (1), as the contract says.
  const sharpest = Math.max(0, ...files.map((file) => file.sharpness ?? 0));
  for (const file of files)
    if (file.sharpness !== null) file.sharpness = sharpest > 0 ? file.sharpness / sharpest : 1;
  const { ordered, reason } = chooseKeeper(files);
  const keeper = ordered[0] as DuplicateFile;
  const vectors = await store.getVectors(rows.map((row) => row.id));
  const keeperVector = vectors[rows.findIndex((row) => row.path === keeper.path)];
  let similarity = 1;
  if (keeperVector && vectors.length === rows.length)
    for (const vector of vectors)
      if (vector !== keeperVector) similarity = Math.min(similarity, dot(vector, keeperVector));
  return {
    similarity: Math.round(similarity * 10_000) / 10_000,
    paths: ordered.map((file) => file.path),
    files: ordered,
    keeper: keeper.path,
    keeperReason: reason,
  };
}

async function describeFile(row: StoredMedia, maxPixels?: number): Promise<DuplicateFile> {
  const sharpness = await laplacianVariance(
    row.path,
    maxPixels === undefined ? {} : { maxPixels },
  ).catch(() => null);
  return {
    path: row.path,
    size: row.size,
    width: row.width > 0 ? row.width : null,
    height: row.height > 0 ? row.height : null,
    takenAt: row.takenAt,
    mtime: row.mtime,
    sharpness,
  };
}

function checkCancelled(signal: AbortSignal | undefined): void {
  if (signal?.aborted)
    throw new LanternError('CANCELLED', 'The search for near-duplicates was cancelled.');
}

/** Run `work` over `items` with at most `width` at once; the first error stops the rest. */
async function inParallel<T>(
  items: readonly T[],
  width: number,
  work: (item: T, index: number) => Promise<void>,
): Promise<void> {
  let next = 0;
  const lanes = Array.from({ length: Math.min(width, items.length) }, async () => {
    while (next < items.length) {
      const index = next++;
      await work(items[index] as T, index);
    }
  });
  await Promise.all(lanes);
}

function throttledProgress(
  total: number,
  onProgress: ((progress: DuplicateProgress) => void) | undefined,
): (done: number, force: boolean) => void {
  let last = 0;
  return (done, force) => {
    const now = Date.now();
    if (!onProgress || (!force && now - last < PROGRESS_INTERVAL_MS)) return;
    last = now;
    onProgress({ done, total });
  };
}

/** Disjoint sets over 0..n-1 with path halving and union by size. */
class UnionFind {
  private readonly parent: Int32Array;
  private readonly size: Int32Array;

  constructor(n: number) {
    this.parent = Int32Array.from({ length: n }, (_, i) => i);
    this.size = new Int32Array(n).fill(1);
  }

  find(i: number): number {
    let x = i;
    while (this.parent[x] !== x) {
      const grand = this.parent[this.parent[x] as number] as number;
      this.parent[x] = grand;
      x = grand;
    }
    return x;
  }

  union(a: number, b: number): void {
    let ra = this.find(a);
    let rb = this.find(b);
    if (ra === rb) return;
    if ((this.size[ra] as number) < (this.size[rb] as number)) [ra, rb] = [rb, ra];
    this.parent[rb] = ra;
    this.size[ra] = (this.size[ra] as number) + (this.size[rb] as number);
  }

  /** Members of each set, in index order. */
  components(): number[][] {
    const byRoot = new Map<number, number[]>();
    for (let i = 0; i < this.parent.length; i++) {
      const root = this.find(i);
      const list = byRoot.get(root) ?? [];
      list.push(i);
      byRoot.set(root, list);
    }
    return [...byRoot.values()];
  }
}
