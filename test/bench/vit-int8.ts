/**
 * @file The int8 encoders against fp32 (plain Node, bench time only): the same random
 * ViT-B/32 weights stored as float32 (`bench-vit-b32`) and quantised as Xenova's
 * published `*_quantized.onnx` files are (`bench-vit-b32-int8`, [Note: dynamic int8
 * quantisation] in transformer.ts). On real photos it reports how far the int8 image
 * embeddings are from fp32 (cosine, plain and centred) and the images/s of each image
 * encoder alone, the two timed alternately in one process so both see the same machine
 * load; for text, text-to-image ranking agreement on a few queries and load time. A
 * second child part loads only one text encoder and reports its load time and the
 * process's peak RSS, the figure behind the `lantern search` memory target.
 *
 * Run in fresh children of the bench bundle (see main.ts `--child`):
 * `int8 <vision fp32> <vision int8> <text fp32> <text int8> <photo folder> <reps>` and
 * `int8-text-memory <text model>`.
 */
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import sharp from 'sharp';
import {
  fileStampOf,
  loadSession,
  runFloat,
  withSignedInt8Weights,
} from '../../native/onnx/index.js';
import type { LoadedSession } from '../../native/onnx/index.js';
import { ClipTokenizer } from '../../electron/engine/tokenizer/clip-bpe.js';
import { clipVocabularyPath } from '../../electron/engine/paths.js';
import { readBundledSignature } from '../toy-models/toy-clip.js';
import { median, peakRssMiB } from './measure.js';

/** Photos per batch in the timed runs (the indexer's order of magnitude). */
const BATCH = 8;
const SIDE = 224;
/** Everyday photo-search queries, for text-to-image ranking agreement. */
export const INT8_QUERIES = [
  'a dog on the beach',
  'sunset over the sea',
  'a red flower',
  'snowy mountains',
  'a city street at night',
  'green leaves',
  'a bird in a tree',
  'sand dunes in the desert',
];

export interface EncoderTiming {
  loadMs: number;
  /** Median over reps of (photos encoded / seconds), batches of BATCH. */
  imagesPerSecond: number;
}

export interface Int8Result {
  photos: number;
  batch: number;
  reps: number;
  image: {
    /** Cosine of each photo's int8 and fp32 embedding. */
    cosineMean: number;
    cosineMin: number;
    /**
     * The same after subtracting each model's mean embedding: random-weight encoders put
     * every photo in a narrow cone, so the plain cosine is near 1 whatever int8 does.
     */
    centredCosineMean: number;
    centredCosineMin: number;
    fp32: EncoderTiming;
    int8: EncoderTiming;
  };
  text: {
    queries: number;
    /** Queries whose best photo is the same with both encoder pairs. */
    top1Agreement: number;
    /** Mean share of the fp32 top 5 that is in the int8 top 5. */
    top5Overlap: number;
    fp32LoadMs: number;
    int8LoadMs: number;
  };
}

export interface Int8TextMemoryResult {
  loadMs: number;
  /** One query through the freshly loaded encoder. */
  firstQueryMs: number;
  /** Peak RSS of the whole child process (node + onnxruntime + model). */
  peakRssMiB: number;
}

/** CLIP preprocessing with sharp: shortest side to 224 (bicubic), centre crop, mean/std. */
async function pixelsOf(file: string): Promise<Float32Array> {
  const { mean, std, rescale } = readBundledSignature().vision;
  const rgb = await sharp(file)
    .rotate()
    .removeAlpha()
    .resize(SIDE, SIDE, { fit: 'cover', position: 'centre', kernel: 'cubic' })
    .raw()
    .toBuffer();
  const out = new Float32Array(3 * SIDE * SIDE);
  for (let i = 0; i < SIDE * SIDE; i++)
    for (let c = 0; c < 3; c++)
      out[c * SIDE * SIDE + i] = (rgb[i * 3 + c]! * rescale - mean[c]!) / std[c]!;
  return out;
}

function normalised(rows: Float32Array[]): Float32Array[] {
  return rows.map((row) => {
    const norm = Math.hypot(...row) || 1;
    return row.map((v) => v / norm);
  });
}

function dot(a: Float32Array, b: Float32Array): number {
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += a[i]! * b[i]!;
  return sum;
}

function centred(rows: Float32Array[]): Float32Array[] {
  const mean = new Float32Array(rows[0]!.length);
  for (const row of rows) for (let i = 0; i < row.length; i++) mean[i]! += row[i]! / rows.length;
  return normalised(rows.map((row) => row.map((v, i) => v - mean[i]!)));
}

function split(data: Float32Array, width: number): Float32Array[] {
  return Array.from({ length: data.length / width }, (_, i) =>
    data.slice(i * width, (i + 1) * width),
  );
}

/** All photos through one encoder in batches of BATCH; returns embeddings and seconds. */
async function encodeAll(
  session: LoadedSession,
  pixels: Float32Array[],
): Promise<{ rows: Float32Array[]; seconds: number }> {
  const { input, output } = readBundledSignature().vision;
  const stride = 3 * SIDE * SIDE;
  const rows: Float32Array[] = [];
  const started = performance.now();
  for (let i = 0; i < pixels.length; i += BATCH) {
    const batch = pixels.slice(i, i + BATCH);
    const data = new Float32Array(batch.length * stride);
    batch.forEach((p, j) => data.set(p, j * stride));
    const out = await runFloat(
      session,
      { [input]: { data, dims: [batch.length, 3, SIDE, SIDE] } },
      output,
    );
    rows.push(...split(out.data, out.dims[1]!));
  }
  return { rows, seconds: (performance.now() - started) / 1000 };
}

async function encodeTexts(session: LoadedSession, texts: readonly string[]) {
  const { input, output, contextLength, padToken } = readBundledSignature().text;
  // The engine's own lookup: bundled into out/bench.js, a path beside this file would miss.
  const tokenizer = ClipTokenizer.fromFile(clipVocabularyPath());
  const { ids } = tokenizer.encodeBatch([...texts], contextLength, padToken);
  const out = await runFloat(
    session,
    { [input]: { data: ids, dims: [texts.length, contextLength] } },
    output,
  );
  return normalised(split(out.data, out.dims[1]!));
}

function ranking(query: Float32Array, images: Float32Array[]): number[] {
  return images
    .map((image, index) => ({ index, score: dot(query, image) }))
    .sort((a, b) => b.score - a.score)
    .map((entry) => entry.index);
}

/** The real JPEGs of a folder, sorted by name. */
async function photosIn(dir: string): Promise<string[]> {
  const names = (await readdir(dir)).filter((name) => /\.jpe?g$/i.test(name)).sort();
  if (names.length === 0) throw new Error(`No JPEG photos in ${dir}.`);
  return names.map((name) => path.join(dir, name));
}

/** Child side of `int8 <vision fp32> <vision int8> <text fp32> <text int8> <photos> <reps>`. */
export async function int8Child(
  visionPath: string,
  visionInt8Path: string,
  textPath: string,
  textInt8Path: string,
  photoDir: string,
  reps: number,
): Promise<Int8Result> {
  const files = await photosIn(photoDir);
  const pixels: Float32Array[] = [];
  for (const file of files) pixels.push(await pixelsOf(file));

  const fp32 = await loadSession(visionPath, { provider: 'cpu' });
  // The file the engine runs: its signed-int8 copy ([Note: signed int8 weights]). Measured on
  // the downloaded file instead, this agreement once hid a copy whose sums saturated on an
  // AVX2-only processor ([Note: int8 products that saturate]).
  const int8 = await loadSession(
    await withSignedInt8Weights(visionInt8Path, await fileStampOf(visionInt8Path)),
    { provider: 'cpu' },
  );
  // Warm-up, and the embeddings compared below.
  const reference = normalised((await encodeAll(fp32, pixels)).rows);
  const quantised = normalised((await encodeAll(int8, pixels)).rows);
  const rates = { fp32: [] as number[], int8: [] as number[] };
  for (let rep = 0; rep < reps; rep++) {
    // Alternated, so a change in machine load hits both alike.
    rates.fp32.push(pixels.length / (await encodeAll(fp32, pixels)).seconds);
    rates.int8.push(pixels.length / (await encodeAll(int8, pixels)).seconds);
  }
  const plain = reference.map((row, i) => dot(row, quantised[i]!));
  const c32 = centred(reference);
  const c8 = centred(quantised);
  const specific = c32.map((row, i) => dot(row, c8[i]!));

  const text32 = await loadSession(textPath, { provider: 'cpu' });
  const text8 = await loadSession(textInt8Path, { provider: 'cpu' });
  const queries32 = await encodeTexts(text32, INT8_QUERIES);
  const queries8 = await encodeTexts(text8, INT8_QUERIES);
  let top1 = 0;
  let overlap = 0;
  INT8_QUERIES.forEach((_, q) => {
    const a = ranking(queries32[q]!, reference);
    const b = ranking(queries8[q]!, quantised);
    if (a[0] === b[0]) top1++;
    const top5 = new Set(b.slice(0, 5));
    overlap += a.slice(0, 5).filter((i) => top5.has(i)).length / 5;
  });

  const mean = (values: number[]) => values.reduce((s, v) => s + v, 0) / values.length;
  return {
    photos: files.length,
    batch: BATCH,
    reps,
    image: {
      cosineMean: mean(plain),
      cosineMin: Math.min(...plain),
      centredCosineMean: mean(specific),
      centredCosineMin: Math.min(...specific),
      fp32: { loadMs: fp32.loadMs, imagesPerSecond: median(rates.fp32) },
      int8: { loadMs: int8.loadMs, imagesPerSecond: median(rates.int8) },
    },
    text: {
      queries: INT8_QUERIES.length,
      top1Agreement: top1 / INT8_QUERIES.length,
      top5Overlap: overlap / INT8_QUERIES.length,
      fp32LoadMs: text32.loadMs,
      int8LoadMs: text8.loadMs,
    },
  };
}

/** Child side of `int8-text-memory <text model>`: one text encoder alone, as a search loads it. */
export async function int8TextMemoryChild(textPath: string): Promise<Int8TextMemoryResult> {
  const session = await loadSession(textPath, { provider: 'cpu' });
  const started = performance.now();
  await encodeTexts(session, [INT8_QUERIES[0]!]);
  return {
    loadMs: session.loadMs,
    firstQueryMs: performance.now() - started,
    peakRssMiB: peakRssMiB(),
  };
}

/** Report lines for report.ts (k1 places them). */
export function formatInt8(
  result: Int8Result,
  memory?: { fp32: Int8TextMemoryResult; int8: Int8TextMemoryResult },
): string[] {
  const { image, text } = result;
  const f = (v: number, d = 4) => v.toFixed(d);
  const lines = [
    `int8 vs fp32 image encoder, ${result.photos} real photos, batch ${result.batch}, ${result.reps} alternated reps:`,
    `  cosine mean ${f(image.cosineMean)}, min ${f(image.cosineMin)}; centred mean ${f(image.centredCosineMean)}, min ${f(image.centredCosineMin)}`,
    `  images/s fp32 ${f(image.fp32.imagesPerSecond, 2)}, int8 ${f(image.int8.imagesPerSecond, 2)} (×${f(image.int8.imagesPerSecond / image.fp32.imagesPerSecond, 2)}); load ${f(image.fp32.loadMs, 0)} / ${f(image.int8.loadMs, 0)} ms`,
    `  text: top-1 agreement ${f(text.top1Agreement, 2)}, top-5 overlap ${f(text.top5Overlap, 2)} on ${text.queries} queries; load fp32 ${f(text.fp32LoadMs, 0)} ms, int8 ${f(text.int8LoadMs, 0)} ms`,
  ];
  if (memory)
    lines.push(
      `  text encoder alone: fp32 ${f(memory.fp32.peakRssMiB, 0)} MiB peak RSS (load ${f(memory.fp32.loadMs, 0)} ms), int8 ${f(memory.int8.peakRssMiB, 0)} MiB (load ${f(memory.int8.loadMs, 0)} ms)`,
    );
  return lines;
}
