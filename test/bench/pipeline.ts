/**
 * @file Lantern's indexing throughput and its CPU bound (plain Node, bench time only).
 * Both run in fresh child processes of the benchmark bundle (see runChild):
 *
 * - `index`: the real indexer end to end — Library.open, then library.index over the
 *   photo folder into a new database — timed on the wall clock, with the child's peak
 *   memory.
 * - `bound`: the two costs the indexer overlaps, each measured alone in CPU-seconds
 *   per photo: the pipeline's decode step (read + SHA-256 + decodeImage into a batch
 *   tensor with the thumbnail, at the pipeline's decode concurrency) and inference
 *   (encodeImages at the pipeline's batch size on ready tensors). process.cpuUsage()
 *   counts every thread of the process — libuv's, libvips' and onnxruntime's — so the
 *   sum is what one photo costs the machine, and cores ÷ that sum is the most photos
 *   per second any schedule of the two could reach.
 */
import { createHash } from 'node:crypto';
import { readFile, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { decodeImage } from '../../native/image/index.js';
import { ClipEncoder } from '../../electron/engine/clip/encoder.js';
import { thumbnailPath } from '../../electron/engine/indexer/embed-pipeline.js';
import { DEFAULT_INDEXER_SETTINGS, Library, openRegistry } from '../../electron/engine/library.js';
import { clipVocabularyPath } from '../../electron/engine/paths.js';
import { mapConcurrent } from '../../electron/engine/util/async-queue.js';
import { BENCH_MODEL_ID } from './vit-model.js';
import { cpuSecondsSince, peakRssMiB } from './measure.js';

export interface IndexResult {
  photos: number;
  failed: number;
  /** Library.open: registry, model check, both sessions, the store. */
  openSeconds: number;
  /** library.index alone. */
  indexSeconds: number;
  photosPerSecond: number;
  /** CPU-seconds of the whole process during index(), per photo: comparable with the bound's parts. */
  cpuPerPhoto: number;
  /** CPU-seconds of the whole process during index(), ÷ (wall × cores): how busy the machine was. */
  cpuUtilisation: number;
  /**
   * Share of index() during which the JavaScript thread was busy (eventLoopUtilization):
   * while it is, no decode can take its next step. In-process onnxruntime-node inference
   * is synchronous and counts here in full; inference on a worker thread does not.
   */
  eventLoopBusy: number;
  peakRssMiB: number;
}

/** Child side of `index <photosDir> <dbDir> <modelsDir>`. */
export async function indexChild(photosDir: string, dbDir: string, modelsDir: string) {
  await rm(dbDir, { recursive: true, force: true });
  const openStarted = performance.now();
  const library = await Library.open({
    dbDir,
    modelsDir,
    modelId: BENCH_MODEL_ID,
    provider: 'cpu',
  });
  const openSeconds = (performance.now() - openStarted) / 1000;
  const cpu = process.cpuUsage();
  const loop = performance.eventLoopUtilization();
  const started = performance.now();
  const report = await library.index([photosDir]);
  const indexSeconds = (performance.now() - started) / 1000;
  const cpuSeconds = cpuSecondsSince(cpu);
  const eventLoopBusy = performance.eventLoopUtilization(loop).utilization;
  await library.close();
  await rm(dbDir, { recursive: true, force: true });
  const result: IndexResult = {
    photos: report.indexed,
    failed: report.failed.length,
    openSeconds,
    indexSeconds,
    photosPerSecond: report.indexed / indexSeconds,
    cpuPerPhoto: cpuSeconds / report.indexed,
    cpuUtilisation: cpuSeconds / (indexSeconds * os.availableParallelism()),
    eventLoopBusy,
    peakRssMiB: peakRssMiB(),
  };
  return result;
}

export interface BoundResult {
  decodeConcurrency: number;
  batchSize: number;
  decodePhotos: number;
  decodeCpuPerPhoto: number;
  /** Wall-clock rate of the decode step alone. */
  decodePhotosPerSecond: number;
  inferencePhotos: number;
  inferenceCpuPerPhoto: number;
  inferencePhotosPerSecond: number;
  cores: number;
  /** cores ÷ (decode + inference CPU-seconds per photo). */
  boundPhotosPerSecond: number;
}

/** Child side of `bound <modelsDir> <decodePhotos> <inferenceBatches> <photo>…`. */
export async function boundChild(
  modelsDir: string,
  decodeCount: number,
  inferenceBatches: number,
  photos: readonly string[],
): Promise<BoundResult> {
  const { batchSize, decodeConcurrency, thumbnailSize, maxPixels } = DEFAULT_INDEXER_SETTINGS;
  const registry = await openRegistry({ modelsDir });
  const resolved = await registry.resolveClip(BENCH_MODEL_ID);
  const preprocess = resolved.model.vision;
  const stride = 3 * preprocess.size * preprocess.size;
  const thumbnailsDir = await mkdtemp(path.join(os.tmpdir(), 'lantern-bench-thumbs-'));

  // Decode first, before any onnxruntime session exists, so no idle ORT thread is counted.
  // Spread over the whole set: photos differ in detail, and so in decoding cost.
  const step = Math.max(1, photos.length / decodeCount);
  const files = Array.from(
    { length: decodeCount },
    (_, i) => photos[Math.floor(i * step) % photos.length]!,
  );
  const tensor = new Float32Array(batchSize * stride);
  const decodeCpu = process.cpuUsage();
  const decodeStarted = performance.now();
  // The same shape as embed-pipeline's producer: a batch at a time, decodeConcurrency at once.
  for (let start = 0; start < files.length; start += batchSize) {
    await mapConcurrent(
      files.slice(start, start + batchSize),
      decodeConcurrency,
      async (file, i) => {
        const bytes = await readFile(file);
        const hash = createHash('sha256').update(bytes).digest('hex');
        await decodeImage(bytes, {
          preprocess,
          target: tensor,
          offset: i * stride,
          thumbnail: { path: thumbnailPath(thumbnailsDir, hash), size: thumbnailSize },
          maxPixels,
        });
      },
    );
  }
  const decodeSeconds = (performance.now() - decodeStarted) / 1000;
  const decodeCpuSeconds = cpuSecondsSince(decodeCpu);
  await rm(thumbnailsDir, { recursive: true, force: true });

  const encoder = await ClipEncoder.load(resolved, {
    tokenizerPath: clipVocabularyPath(),
    provider: 'cpu',
  });
  const batch = Float32Array.from({ length: batchSize * stride }, () => Math.random() * 2 - 1);
  await encoder.encodeImages(batch, batchSize); // warm-up: first-run allocations
  const inferenceCpu = process.cpuUsage();
  const inferenceStarted = performance.now();
  for (let i = 0; i < inferenceBatches; i++) await encoder.encodeImages(batch, batchSize);
  const inferenceSeconds = (performance.now() - inferenceStarted) / 1000;
  const inferenceCpuSeconds = cpuSecondsSince(inferenceCpu);
  await encoder.close();

  const inferencePhotos = inferenceBatches * batchSize;
  const cores = os.availableParallelism();
  const decodeCpuPerPhoto = decodeCpuSeconds / decodeCount;
  const inferenceCpuPerPhoto = inferenceCpuSeconds / inferencePhotos;
  return {
    decodeConcurrency,
    batchSize,
    decodePhotos: decodeCount,
    decodeCpuPerPhoto,
    decodePhotosPerSecond: decodeCount / decodeSeconds,
    inferencePhotos,
    inferenceCpuPerPhoto,
    inferencePhotosPerSecond: inferencePhotos / inferenceSeconds,
    cores,
    boundPhotosPerSecond: cores / (decodeCpuPerPhoto + inferenceCpuPerPhoto),
  };
}
