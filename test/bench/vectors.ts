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
 * unit vector in the 496 content dimensions of toy-clip-gap (see the next note):
 *
 * - topics: rows ÷ 500 random directions on the unit sphere (2 000 for 1M rows);
 * - events: a topic plus Gaussian noise, normalised, with cosine ≈ 0.75 to the topic;
 *   each holds a geometric number of photos (mean 6, at most 60), like shots of a
 *   moment;
 * - photos: an event plus noise, normalised, with cosine ≈ 0.92 to the event.
 *
 * Noise σ per dimension for a target cosine c is √((1/c² − 1) / d) in d dimensions, since the noise
 * adds d·σ² to the squared length.
 *
 * [Note: text-to-image geometry of real CLIP]
 * Real CLIP puts each modality in its own narrow cone (the "modality gap"): a text
 * query scores only ≈ 0.15–0.4 against any photo, a match a few hundredths above a
 * baseline that moves with the query, while unrelated photos resemble each other at
 * ≈ 0.5–0.7. An index tuned on photo-to-photo queries (a stored vector perturbed to
 * cosine 0.9) says little about that case: the query is far from every stored vector
 * and its top 10 are nearly equidistant. So the queries are real `toy-clip-gap` text
 * embeddings (../shared/TOY_MODELS.md; computed by test/toy-models'
 * gapTextEmbedding, the maths the toy's text graph bakes in) of sentences such as
 * "a photo of a red car", and every photo is laid out as that model lays out an image:
 *
 *   photo = 0.47·s + 0.545·eI + 0.35·ĉ + 0.60·n   (s = dim 3, eI = dim 4, ĉ dims 0..2,
 *                                                  n the content, dims 16..511)
 *
 * A topic is a subject word and a colour: its content is the toy's token row of the
 * word mixed with a random direction (cosine SUBJECT_COSINE), so a sentence naming the
 * word points partly at its photos, as a caption does in real CLIP; its colour one of
 * the toy colours or a greyish random one. Events and photos jitter both. Text-to-photo
 * cosines then come out ≈ 0.2–0.3 for unrelated photos and ≈ 0.35–0.45 for the best
 * of the query's subject and colour (the bench reports the median 1st / 10th / 200th).
 * Everything comes from one seed.
 *
 * Last, every vector, photo and query alike, goes through one fixed random rotation
 * (rotate below). Cosines, and so scores and recall, are unchanged; but toy-clip-gap's
 * layout leaves 11 of the 512 dimensions zero and two constant for every photo, which
 * no real embedding does, and which product quantisation (it splits the dimensions into
 * fixed groups) would otherwise meet as empty sub-vectors.
 */
import { existsSync } from 'node:fs';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { LibraryStore, type MediaRow } from '../../native/store/index.js';
import { ClipTokenizer } from '../../electron/engine/tokenizer/clip-bpe.js';
import { COLOUR_WORDS, TOY_COLOURS, colourVector } from '../toy-models/colours.js';
import { CLIP_VOCABULARY } from '../toy-models/toy-clip.js';
import {
  GAP_CONTENT_SIZE,
  GAP_CONTENT_START,
  GAP_IMAGE_DIM,
  GAP_SHARED_DIM,
  GAP_TOKEN_BUCKETS,
  GAP_WEIGHTS,
  clipTokenIds,
  gapTextEmbedding,
  gapTokenTable,
} from '../toy-models/toy-clip-gap-reference.js';
import { CACHE_DIR } from './fixtures.js';
import { log, Prng } from './measure.js';

export const DIM = 512;
const VERSION = 4;
/** Rows per upsert: big writes keep LanceDB's fragments few (each write is one). */
const WRITE_ROWS = 50_000;
const ROWS_PER_TOPIC = 500;
const EVENT_MEAN = 6;
const EVENT_MAX = 60;
const COS_EVENT_TOPIC = 0.75;
const COS_PHOTO_EVENT = 0.92;
/** How much a topic's content points at its subject word's toy token row. */
const SUBJECT_COSINE = 0.5;
/** Share of topics whose colour is one of the toy colours (the rest: greyish, random). */
const NAMED_COLOUR_SHARE = 0.6;
/** Colour jitter (per channel of ĉ, before renormalising) of an event and of a photo. */
const EVENT_COLOUR_NOISE = 0.15;
const PHOTO_COLOUR_NOISE = 0.05;
/** Every this many events is a video's (kind 'video'), for the kind filter. */
const VIDEO_EVERY = 8;
/** What photos show, and how queries name it: single CLIP tokens, as the colour words. */
const SUBJECTS = [
  'car',
  'dog',
  'cat',
  'beach',
  'mountain',
  'tree',
  'house',
  'flower',
  'boat',
  'bird',
  'city',
  'street',
  'forest',
  'lake',
  'snow',
  'bridge',
  'horse',
  'food',
  'cake',
  'baby',
  'bike',
  'train',
  'sunset',
  'garden',
  'church',
  'river',
  'field',
  'party',
  'road',
  'sky',
];
const QUERY_FORMS = [
  (colour: string, subject: string) => `a photo of a ${colour} ${subject}`,
  (_colour: string, subject: string) => subject,
  (colour: string, subject: string) => `${colour} ${subject}`,
  (_colour: string, subject: string) => `a ${subject} in the evening`,
];

const sigmaFor = (cosine: number, dims: number) => Math.sqrt((1 / (cosine * cosine) - 1) / dims);

function normalise(v: Float32Array): Float32Array {
  let sum = 0;
  for (let i = 0; i < v.length; i++) sum += v[i]! * v[i]!;
  const scale = 1 / Math.sqrt(sum);
  for (let i = 0; i < v.length; i++) v[i]! *= scale;
  return v;
}

/** `base` plus N(0, σ²) per value, normalised, written into `out`. */
function perturb(rng: Prng, base: Float32Array, sigma: number, out: Float32Array): Float32Array {
  for (let i = 0; i < base.length; i++) out[i] = base[i]! + rng.gaussian() * sigma;
  return normalise(out);
}

interface Look {
  /** Unit content direction, GAP_CONTENT_SIZE values. */
  content: Float32Array;
  /** Unit colour direction ĉ (3 values). */
  colour: Float32Array;
}

/** A topic: a subject word's token row mixed with a random direction, and a colour. */
function topicLook(rng: Prng, tokenizer: ClipTokenizer): Look {
  const subject = SUBJECTS[rng.int(SUBJECTS.length)]!;
  const id = tokenizer.encode(subject)[0]!;
  const table = gapTokenTable();
  const row = normalise(
    table.slice(
      (id % GAP_TOKEN_BUCKETS) * GAP_CONTENT_SIZE,
      ((id % GAP_TOKEN_BUCKETS) + 1) * GAP_CONTENT_SIZE,
    ),
  );
  const random = normalise(Float32Array.from({ length: GAP_CONTENT_SIZE }, () => rng.gaussian()));
  const rest = Math.sqrt(1 - SUBJECT_COSINE ** 2);
  const content = normalise(row.map((x, k) => SUBJECT_COSINE * x + rest * random[k]!));
  const named = rng.next() < NAMED_COLOUR_SHARE;
  const colour = named
    ? Float32Array.from(colourVector(TOY_COLOURS[COLOUR_WORDS[rng.int(COLOUR_WORDS.length)]!]))
    : Float32Array.from({ length: 3 }, () => rng.gaussian());
  return { content, colour: normalise(colour) };
}

/** `base` jittered: content at cosine `cosine`, colour by `colourNoise`. */
function jitter(rng: Prng, base: Look, cosine: number, colourNoise: number, out: Look): Look {
  perturb(rng, base.content, sigmaFor(cosine, GAP_CONTENT_SIZE), out.content);
  perturb(rng, base.colour, colourNoise, out.colour);
  return out;
}

/** The photo's embedding as toy-clip-gap lays out an image, L2-normalised, into `out`. */
function photoVector(look: Look, out: Float32Array): Float32Array {
  out.fill(0);
  out[GAP_SHARED_DIM] = GAP_WEIGHTS.shared;
  out[GAP_IMAGE_DIM] = GAP_WEIGHTS.modality;
  for (let c = 0; c < 3; c++) out[c] = GAP_WEIGHTS.colour * look.colour[c]!;
  for (let k = 0; k < GAP_CONTENT_SIZE; k++)
    out[GAP_CONTENT_START + k] = GAP_WEIGHTS.content * look.content[k]!;
  return normalise(out);
}

/** Rounds of sign flips and Walsh–Hadamard transforms: two mix every axis into all 512. */
const ROTATION_ROUNDS = 2;

/**
 * A fixed random orthogonal map, in place: per round, flip the signs the seeded `signs`
 * say, then an orthonormal fast Walsh–Hadamard transform (DIM is a power of two).
 */
function rotate(v: Float32Array, signs: Float32Array): Float32Array {
  for (let round = 0; round < ROTATION_ROUNDS; round++) {
    for (let i = 0; i < DIM; i++) v[i]! *= signs[round * DIM + i]!;
    for (let half = 1; half < DIM; half *= 2)
      for (let i = 0; i < DIM; i += 2 * half)
        for (let j = i; j < i + half; j++) {
          const a = v[j]!;
          const b = v[j + half]!;
          v[j] = a + b;
          v[j + half] = a - b;
        }
    const scale = 1 / Math.sqrt(DIM);
    for (let i = 0; i < DIM; i++) v[i]! *= scale;
  }
  return v;
}

const newLook = (): Look => ({
  content: new Float32Array(GAP_CONTENT_SIZE),
  colour: new Float32Array(3),
});

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

/** Text queries: toy-clip-gap text embeddings of sentences naming a subject and often a colour. */
function textQueries(
  rng: Prng,
  tokenizer: ClipTokenizer,
  count: number,
): { texts: string[]; vectors: Float32Array[] } {
  const texts = Array.from({ length: count }, () =>
    QUERY_FORMS[rng.int(QUERY_FORMS.length)]!(
      COLOUR_WORDS[rng.int(COLOUR_WORDS.length)]!,
      SUBJECTS[rng.int(SUBJECTS.length)]!,
    ),
  );
  const vectors = texts.map((text) =>
    normalise(Float32Array.from(gapTextEmbedding(clipTokenIds(tokenizer, text)))),
  );
  return { texts, vectors };
}

/**
 * The dataset of `rows` vectors and its `queryCount` queries, written once and reused.
 * A stamp file written last marks a complete store; anything else is rebuilt.
 */
/** The folder of the `rows`-vector dataset: its store in `store/`. */
export function datasetDir(rows: number): string {
  return path.join(CACHE_DIR, `vectors-v${VERSION}`, String(rows));
}

export async function vectorDataset(rows: number, queryCount: number): Promise<VectorDataset> {
  const dir = datasetDir(rows);
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
  const tokenizer = ClipTokenizer.fromFile(CLIP_VOCABULARY);
  const topics = Array.from({ length: Math.max(20, Math.round(rows / ROWS_PER_TOPIC)) }, () =>
    topicLook(rng, tokenizer),
  );
  const signs = Float32Array.from({ length: ROTATION_ROUNDS * DIM }, () =>
    rng.next() < 0.5 ? -1 : 1,
  );
  const queries = textQueries(rng, tokenizer, queryCount).vectors.map((q) => rotate(q, signs));

  const store = await LibraryStore.open(storeDir, { dim: DIM, model: 'bench-vit-b32' });
  const buffer = new Float32Array(WRITE_ROWS * DIM);
  let pending: MediaRow[] = [];
  const eventLook = newLook();
  const look = newLook();
  let written = 0;
  let event = 0;
  while (written + pending.length < rows) {
    const topic = topics[rng.int(topics.length)]!;
    jitter(rng, topic, COS_EVENT_TOPIC, EVENT_COLOUR_NOISE, eventLook);
    // Geometric size, mean EVENT_MEAN: each further photo follows with probability 1 − 1/mean.
    let size = 1;
    while (size < EVENT_MAX && rng.next() > 1 / EVENT_MEAN) size++;
    for (let k = 0; k < size && written + pending.length < rows; k++) {
      const i = written + pending.length;
      const vector = buffer.subarray(pending.length * DIM, (pending.length + 1) * DIM);
      rotate(
        photoVector(jitter(rng, eventLook, COS_PHOTO_EVENT, PHOTO_COLOUR_NOISE, look), vector),
        signs,
      );
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
