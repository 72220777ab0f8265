/**
 * @file Synthetic libraries of CLIP-like vectors and text queries for the search
 * benchmark (plain Node, bench time only), written through native/store's LibraryStore
 * and cached under `.cache/bench/vectors-v<version>/<rows>/`.
 *
 * [Note: synthetic embeddings with a photo library's structure]
 * Uniform random vectors in 512 dimensions are all nearly orthogonal to each other:
 * no neighbour is much nearer than any other, which makes every ANN index look bad
 * and describes no real collection. A photo library is clumpy at two scales: subjects
 * (the cat, the beach, documents) and, within a subject, bursts of near-identical
 * shots of one moment. The *content* of each photo is drawn exactly that way, as a
 * unit vector in 512 dimensions:
 *
 * - topics: rows ÷ 500 random directions on the unit sphere (2 000 for 1M rows);
 * - events: a topic plus Gaussian noise, normalised, with cosine ≈ 0.75 to the topic;
 *   each holds a geometric number of photos (mean 6, at most 60), like shots of a
 *   moment;
 * - photos: an event plus noise, normalised, with cosine ≈ 0.92 to the event.
 *
 * Noise σ per dimension for a target cosine c is √((1/c² − 1) / 512), since the noise
 * adds 512·σ² to the squared length.
 *
 * [Note: text-to-image geometry of real CLIP]
 * Real CLIP puts each modality in its own narrow cone (the "modality gap"): a text
 * query scores only ≈ 0.15–0.35 against any photo, a match a few hundredths above a
 * baseline that moves with the query, while unrelated photos resemble each other at
 * ≈ 0.5–0.7. An index tuned on photo-to-photo queries (cosine 0.9 to their nearest)
 * says little about that case: the query is far from every stored vector and its top
 * 10 are nearly equidistant. So, following `toy-clip-gap` in ../shared/TOY_MODELS.md,
 * every vector is a narrow-cone mix of fixed random unit directions, orthogonal to
 * each other and to the content:
 *
 *   photo = 0.47·s + 0.545·eI + 0.695·n,   text = 0.47·s + 0.545·eT + 0.695·m
 *
 * with `s` shared by both modalities, `eI`/`eT` one per modality (the gap), 0.695 =
 * √(1 − 0.47² − 0.545²) so the mix is a unit vector. A photo's content is
 * `n = 0.4·μ + 0.917·c` (`μ` a library-wide "typical photo" direction, `c` the clumpy
 * content above); a query's is `m = q·μ + √(1 − q²)·d`, with `q` uniform in −0.2..0.3
 * per query (the baseline that moves with the query) and `d` a topic plus noise at
 * cosine 0.3 (a text describes a subject loosely). Then photo–photo cosines are
 * 0.52 + 0.48·n·n′ (≈ 0.6 unrelated, ≈ 0.9 one event) and photo–text cosines
 * 0.22 + 0.48·n·m: ≈ 0.18–0.26 for unrelated photos, ≈ 0.33–0.37 for the best 200
 * of the query's topic (the bench reports the median 1st / 10th / 200th), the shape
 * TOY_MODELS.md gives for real CLIP. Everything comes from one seed.
 */
import { existsSync } from 'node:fs';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { LibraryStore, type MediaRow } from '../../native/store/index.js';
import { CACHE_DIR } from './fixtures.js';
import { log, Prng } from './measure.js';

export const DIM = 512;
const VERSION = 2;
/** Rows per upsert: big writes keep LanceDB's fragments few (each write is one). */
const WRITE_ROWS = 50_000;
const ROWS_PER_TOPIC = 500;
const EVENT_MEAN = 6;
const EVENT_MAX = 60;
const COS_EVENT_TOPIC = 0.75;
const COS_PHOTO_EVENT = 0.92;
/** Weights of the narrow-cone mix ([Note: text-to-image geometry of real CLIP]). */
const SHARED_WEIGHT = 0.47;
const MODALITY_WEIGHT = 0.545;
const CONTENT_WEIGHT = Math.sqrt(1 - SHARED_WEIGHT ** 2 - MODALITY_WEIGHT ** 2);
const TYPICAL_PHOTO_WEIGHT = 0.4;
const QUERY_TYPICAL_RANGE: [number, number] = [-0.2, 0.3];
const COS_QUERY_TOPIC = 0.3;
/** Every this many events is a video's (kind 'video'), for the kind filter. */
const VIDEO_EVERY = 8;

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

/** `v` minus its projection on each of the orthonormal `axes` (in place). */
function removeAxes(v: Float32Array, axes: readonly Float32Array[]): Float32Array {
  for (const axis of axes) {
    let dot = 0;
    for (let i = 0; i < DIM; i++) dot += v[i]! * axis[i]!;
    for (let i = 0; i < DIM; i++) v[i]! -= dot * axis[i]!;
  }
  return v;
}

/** The fixed directions of the cones: shared, image, text, typical photo; orthonormal. */
function coneAxes(rng: Prng): Float32Array[] {
  const axes: Float32Array[] = [];
  for (let k = 0; k < 4; k++) {
    const v = Float32Array.from({ length: DIM }, () => rng.gaussian());
    axes.push(normalise(removeAxes(v, axes)));
  }
  return axes;
}

/**
 * shared·s + modality·e + content·(typical·μ + √(1 − typical²)·c), into `out`; `c` is
 * a unit content vector, made orthogonal to the axes here (in place).
 */
function coneVector(
  axes: readonly Float32Array[],
  modality: Float32Array,
  typical: number,
  content: Float32Array,
  out: Float32Array,
): Float32Array {
  normalise(removeAxes(content, axes));
  const [shared, , , typicalPhoto] = axes as [
    Float32Array,
    Float32Array,
    Float32Array,
    Float32Array,
  ];
  const rest = Math.sqrt(1 - typical * typical);
  for (let i = 0; i < DIM; i++)
    out[i] =
      SHARED_WEIGHT * shared[i]! +
      MODALITY_WEIGHT * modality[i]! +
      CONTENT_WEIGHT * (typical * typicalPhoto[i]! + rest * content[i]!);
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
  const video = event % VIDEO_EVERY === 0;
  const name = `${video ? 'VID' : 'IMG'}_${String(i).padStart(7, '0')}.${video ? 'mp4' : 'jpg'}`;
  const path = `/home/user/Pictures/${year}/event-${event}/${name}`;
  const takenAt = Date.UTC(year, event % 12, 1 + (event % 28)) + (i % 1000) * 1000;
  return {
    id: hex.repeat(4),
    path,
    root: '/home/user/Pictures',
    kind: video ? 'video' : 'image',
    size: 2_000_000 + ((i * 7919) % 4_000_000),
    mtime: takenAt,
    hash: hex.repeat(8),
    width: 4000,
    height: 3000,
    takenAt,
    duration: video ? 5 + (i % 60) : null,
    thumbnail: `/home/user/.config/Lantern/library/thumbnails/${hex.slice(0, 2)}/${hex.repeat(8)}.webp`,
    camera: 'Bench Camera 12MP',
    lat: null,
    lon: null,
    model: 'bench-vit-b32',
    vector,
  };
}

/** Text queries: each describes one topic loosely, with its own baseline (see the notes above). */
function textQueries(
  rng: Prng,
  axes: readonly Float32Array[],
  topics: readonly Float32Array[],
  count: number,
): Float32Array[] {
  const [low, high] = QUERY_TYPICAL_RANGE;
  return Array.from({ length: count }, () => {
    const topic = topics[rng.int(topics.length)]!;
    const content = perturb(rng, topic, sigmaFor(COS_QUERY_TOPIC), new Float32Array(DIM));
    const typical = low + rng.next() * (high - low);
    return coneVector(axes, axes[2]!, typical, content, new Float32Array(DIM));
  });
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
  const axes = coneAxes(rng);
  const topics = Array.from({ length: Math.max(20, Math.round(rows / ROWS_PER_TOPIC)) }, () =>
    normalise(Float32Array.from({ length: DIM }, () => rng.gaussian())),
  );
  const queries = textQueries(rng, axes, topics, queryCount);

  const store = await LibraryStore.open(storeDir, { dim: DIM, model: 'bench-vit-b32' });
  const buffer = new Float32Array(WRITE_ROWS * DIM);
  let pending: MediaRow[] = [];
  const eventCentre = new Float32Array(DIM);
  const content = new Float32Array(DIM);
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
      perturb(rng, eventCentre, sigmaFor(COS_PHOTO_EVENT), content);
      coneVector(axes, axes[1]!, TYPICAL_PHOTO_WEIGHT, content, vector);
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
