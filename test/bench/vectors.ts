/**
 * @file Synthetic libraries of CLIP-like vectors for the search benchmark (plain Node,
 * bench time only), written through native/store's LibraryStore and cached under
 * `.cache/bench/vectors-v<version>/<rows>/`.
 *
 * [Note: synthetic embeddings with a photo library's structure]
 * Uniform random vectors in 512 dimensions are all nearly orthogonal to each other:
 * no neighbour is much nearer than any other, which makes every ANN index look bad
 * and describes no real collection. A photo library is clumpy at two scales: subjects
 * (the cat, the beach, documents) and, within a subject, bursts of near-identical
 * shots of one moment. The generator draws exactly that, all in 512 dimensions:
 *
 * - topics: rows ÷ 500 random directions on the unit sphere (2 000 for 1M rows);
 * - events: a topic plus Gaussian noise, normalised, with cosine ≈ 0.75 to the topic;
 *   each holds a geometric number of photos (mean 6, at most 60), like shots of a
 *   moment;
 * - photos: an event plus noise, normalised, with cosine ≈ 0.92 to the event.
 *
 * Noise σ per dimension for a target cosine c is √((1/c² − 1) / 512), since the noise
 * adds 512·σ² to the squared length. So two photos of one event have cosine ≈ 0.85,
 * two of one topic ≈ 0.48, and unrelated ones ≈ 0 ± 0.04. Queries are stored photos
 * perturbed to cosine ≈ 0.9 ("more like this one"): their first neighbours are its
 * event, the rest of the top 10 come from its topic at nearly equal distances, which
 * is where an approximate index loses recall. Everything comes from one seed.
 */
import { existsSync } from 'node:fs';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { LibraryStore, type MediaRow } from '../../native/store/index.js';
import { CACHE_DIR } from './fixtures.js';
import { log, Prng } from './measure.js';

export const DIM = 512;
const VERSION = 1;
/** Rows per upsert: big writes keep LanceDB's fragments few (each write is one). */
const WRITE_ROWS = 50_000;
const ROWS_PER_TOPIC = 500;
const EVENT_MEAN = 6;
const EVENT_MAX = 60;
const COS_EVENT_TOPIC = 0.75;
const COS_PHOTO_EVENT = 0.92;
const COS_QUERY_PHOTO = 0.9;

const sigmaFor = (cosine: number) => Math.sqrt((1 / (cosine * cosine) - 1) / DIM);

function normalise(v: Float32Array): Float32Array {
  let sum = 0;
  for (let i = 0; i < v.length; i++) sum += v[i]! * v[i]!;
  const scale = 1 / Math.sqrt(sum);
  for (let i = 0; i < v.length; i++) v[i]! *= scale;
  return v;
}

/** `base` plus N(0, σ²) per dimension, normalised, written into `out`. */
function perturb(rng: Prng, base: Float32Array, sigma: number, out: Float32Array): Float32Array {
  for (let i = 0; i < DIM; i++) out[i] = base[i]! + rng.gaussian() * sigma;
  return normalise(out);
}

export interface VectorDataset {
  rows: number;
  storeDir: string;
  queries: Float32Array[];
  /** Seconds spent generating and writing (0 when it came from the cache). */
  writeSeconds: number;
  cached: boolean;
}

/** A synthetic row: plausible values in every MediaRow field, so rows weigh what real ones do. */
function syntheticRow(i: number, event: number, vector: Float32Array): MediaRow {
  const hex = i.toString(16).padStart(8, '0');
  const year = 2010 + (event % 15);
  const path = `/home/user/Pictures/${year}/event-${event}/IMG_${String(i).padStart(7, '0')}.jpg`;
  const takenAt = Date.UTC(year, event % 12, 1 + (event % 28)) + (i % 1000) * 1000;
  return {
    id: hex.repeat(4),
    path,
    root: '/home/user/Pictures',
    kind: 'image',
    size: 2_000_000 + ((i * 7919) % 4_000_000),
    mtime: takenAt,
    hash: hex.repeat(8),
    width: 4000,
    height: 3000,
    takenAt,
    duration: null,
    thumbnail: `/home/user/.config/Lantern/library/thumbnails/${hex.slice(0, 2)}/${hex.repeat(8)}.webp`,
    camera: 'Bench Camera 12MP',
    lat: null,
    lon: null,
    model: 'bench-vit-b32',
    vector,
  };
}

/**
 * The dataset of `rows` vectors and its `queryCount` queries, written once and reused.
 * A stamp file written last marks a complete store; anything else is rebuilt.
 */
export async function vectorDataset(rows: number, queryCount: number): Promise<VectorDataset> {
  const dir = path.join(CACHE_DIR, `vectors-v${VERSION}`, String(rows));
  const storeDir = path.join(dir, 'store');
  const stampPath = path.join(dir, 'queries.json');
  if (existsSync(stampPath)) {
    const saved = JSON.parse(await readFile(stampPath, 'utf8')) as number[][];
    if (saved.length >= queryCount) {
      const queries = saved.slice(0, queryCount).map((q) => Float32Array.from(q));
      return { rows, storeDir, queries, writeSeconds: 0, cached: true };
    }
  }
  await rm(dir, { recursive: true, force: true });
  await mkdir(dir, { recursive: true });
  log(`writing ${rows.toLocaleString('en')} synthetic vectors (once) …`);
  const started = performance.now();
  const rng = new Prng(0x5ea2c4 + rows);
  const topics = Array.from({ length: Math.max(20, Math.round(rows / ROWS_PER_TOPIC)) }, () =>
    normalise(Float32Array.from({ length: DIM }, () => rng.gaussian())),
  );
  // Query sources are chosen up front, so they can be caught as they are generated.
  const querySources = new Map<number, number>();
  while (querySources.size < queryCount) querySources.set(rng.int(rows), querySources.size);
  const queries: Float32Array[] = new Array<Float32Array>(queryCount);

  const store = await LibraryStore.open(storeDir, { dim: DIM, model: 'bench-vit-b32' });
  const buffer = new Float32Array(WRITE_ROWS * DIM);
  let pending: MediaRow[] = [];
  const eventCentre = new Float32Array(DIM);
  let written = 0;
  let event = 0;
  while (written + pending.length < rows) {
    const topic = topics[rng.int(topics.length)]!;
    perturb(rng, topic, sigmaFor(COS_EVENT_TOPIC), eventCentre);
    // Geometric size, mean EVENT_MEAN: each further photo follows with probability 1 − 1/mean.
    let size = 1;
    while (size < EVENT_MAX && rng.next() > 1 / EVENT_MEAN) size++;
    for (let k = 0; k < size && written + pending.length < rows; k++) {
      const i = written + pending.length;
      const vector = buffer.subarray(pending.length * DIM, (pending.length + 1) * DIM);
      perturb(rng, eventCentre, sigmaFor(COS_PHOTO_EVENT), vector);
      const q = querySources.get(i);
      if (q !== undefined)
        queries[q] = perturb(rng, vector, sigmaFor(COS_QUERY_PHOTO), new Float32Array(DIM));
      pending.push(syntheticRow(i, event, vector));
      if (pending.length === WRITE_ROWS) {
        await store.upsertMedia(pending);
        written += pending.length;
        pending = [];
        log(`  vectors ${written.toLocaleString('en')}/${rows.toLocaleString('en')}`);
      }
    }
    event++;
  }
  await store.upsertMedia(pending);
  await store.close();
  const writeSeconds = (performance.now() - started) / 1000;
  await writeFile(stampPath, JSON.stringify(queries.map((q) => Array.from(q))));
  return { rows, storeDir, queries, writeSeconds, cached: false };
}
