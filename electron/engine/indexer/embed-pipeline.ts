/**
 * @file The photo embedding pipeline (engine): decode → batch → encode, with decoding of
 * the next batches running while the encoder works on the current one. [Note: pipeline
 * overlap] sharp decodes on libuv's thread pool and onnxruntime runs on its own threads,
 * so the JavaScript thread only orchestrates: a bounded queue of ready batches and a
 * small pool of reusable batch tensors keep both sides busy with flat memory.
 */
import { createHash } from 'node:crypto';
import path from 'node:path';
import { decodeImage, readMediaFile, type DecodedImageInfo } from '../../../native/image/index.js';
import type { ClipEncoder } from '../clip/encoder.js';
import { AsyncQueue, Slots } from '../util/async-queue.js';
import type { PauseGate } from '../util/pause-gate.js';
import type { ScannedFile } from './scan.js';

export interface DecodedPhoto {
  file: ScannedFile;
  hash: string;
  info: DecodedImageInfo;
  thumbnail: string;
}

export interface PipelineOptions {
  encoder: ClipEncoder;
  thumbnailsDir: string;
  thumbnailSize: number;
  maxPixels: number;
  /** Files larger than this are recorded as TOO_LARGE unread; default: native/image's. */
  maxFileBytes?: number;
  /** Wall-clock budget of one decode, ms; default: native/image's (20 s). */
  decodeTimeoutMs?: number;
  batchSize: number;
  decodeConcurrency: number;
  signal?: AbortSignal;
  /** Held before each photo's decode while the person has paused the job. */
  pause?: PauseGate;
  /** Decides per file, after hashing, whether it still needs decoding (moves do not). */
  needsEmbedding?: (file: ScannedFile, hash: string) => boolean;
  onEmbedded: (items: DecodedPhoto[], vectors: Float32Array[]) => Promise<void>;
  onSkipped: (file: ScannedFile, hash: string) => Promise<void>;
  onFailed: (file: ScannedFile, code: string, message: string) => Promise<void>;
}

interface Batch {
  tensor: Float32Array;
  items: DecodedPhoto[];
}

/** Thumbnails are keyed by content, so a moved or duplicated photo shares one. */
export function thumbnailPath(dir: string, hash: string): string {
  return path.join(dir, hash.slice(0, 2), `${hash}.webp`);
}

export async function embedPhotos(
  files: readonly ScannedFile[],
  options: PipelineOptions,
): Promise<void> {
  const { encoder, batchSize } = options;
  const stride = encoder.imageStride;
  // Two batches decoding ahead plus the one being encoded.
  const pool: Float32Array[] = Array.from(
    { length: 3 },
    () => new Float32Array(batchSize * stride),
  );
  const freeTensors = new AsyncQueue<Float32Array>(pool.length);
  for (const tensor of pool) await freeTensors.push(tensor);
  const ready = new AsyncQueue<Batch>(2);

  // [Note: decodes run on across batches] The decodes of a batch no longer wait for the
  // slowest photo of the batch before them: each photo takes the next free decode slot,
  // in order, and a batch goes to the encoder once all its photos are done (batches stay in
  // order). Waiting at each boundary left a core idle for the slowest decode of every batch:
  // the bench's 48 real photos alone, 2 at a time, 3 alternated runs: 2.92–3.34 s wall at
  // 71–75 % of both cores batch by batch, 2.65–2.77 s at 79–81 % run on. Whole runs, where
  // the encoder mostly fills that idle core anyway, gained within the VM's noise (38 photos,
  // 4 alternated runs: fp32 4.66–5.16 against 4.77–5.20 s, int8 3.86–4.47 against 3.92–4.30
  // s). At most two batches decode at once (the one finishing, the next starting), so the
  // three tensors still bound what is decoded ahead.
  const slots = new Slots(options.decodeConcurrency);
  const produce = async () => {
    // The last batch begun: the loop has awaited every batch before it.
    let previous: Promise<void> = Promise.resolve();
    try {
      for (let start = 0; start < files.length; start += batchSize) {
        if (options.signal?.aborted) break;
        const next = await freeTensors.next();
        if (next.done) break;
        const tensor = next.value;
        const chunk = files.slice(start, start + batchSize);
        const decoded = Promise.all(
          chunk.map((file, i) =>
            slots.run(async () => {
              await options.pause?.wait(options.signal);
              // Cancelled: the photos not started are left for the next run.
              if (options.signal?.aborted) return null;
              return decodeOne(file, tensor, i * stride, options);
            }),
          ),
        );
        const before = previous;
        previous = (async () => {
          const results = await decoded;
          await before;
          // Compact the successes to the front of the tensor so the encoder sees no holes.
          const items: DecodedPhoto[] = [];
          results.forEach((item, i) => {
            if (!item) return;
            if (i !== items.length)
              tensor.copyWithin(items.length * stride, i * stride, (i + 1) * stride);
            items.push(item);
          });
          if (items.length === 0) await freeTensors.push(tensor);
          else await ready.push({ tensor, items });
        })();
        // The batch before this one is handed on before a third starts decoding.
        await before;
      }
      await previous;
    } finally {
      // A failure leaves no batch running unobserved.
      await previous.catch(() => undefined);
      ready.close();
    }
  };

  // [Note: the encoder never waits on a write] onEmbedded (rows to the store, keywords)
  // runs while the encoder works on the next batch: one write in flight at a time, in
  // batch order, so rows land as before but a LanceDB flush no longer idles the model.
  let writing: Promise<void> = Promise.resolve();
  const consume = async () => {
    for await (const batch of ready) {
      let vectors: Float32Array[];
      try {
        // Cancelled: the batches decoded ahead are dropped, not encoded (they are redone
        // on the next run), so a cancel stops within the batch being encoded.
        if (options.signal?.aborted) continue;
        vectors = await encoder.encodeImages(batch.tensor, batch.items.length);
      } finally {
        // The vectors are the encoder's own arrays: the tensor can be refilled now.
        await freeTensors.push(batch.tensor);
      }
      await writing;
      writing = options.onEmbedded(batch.items, vectors);
      // Awaited at the next batch or at the end; this only keeps a failure that
      // surfaces while the next batch encodes from being reported as unhandled.
      writing.catch(() => undefined);
    }
    await writing;
  };

  const producing = produce();
  try {
    await consume();
  } finally {
    ready.close();
    freeTensors.close();
    await producing;
    await writing.catch(() => undefined);
  }
}

async function decodeOne(
  file: ScannedFile,
  tensor: Float32Array,
  offset: number,
  options: PipelineOptions,
): Promise<DecodedPhoto | null> {
  let bytes: Buffer;
  try {
    // Regular files only, bounded: [Note: only regular files are read] in native/image.
    bytes = await readMediaFile(file.path, {
      ...(options.maxFileBytes !== undefined ? { maxBytes: options.maxFileBytes } : {}),
    });
  } catch (error) {
    const { code, message } = describeFailure(error);
    await options.onFailed(file, code === 'DECODE_FAILED' ? 'READ_FAILED' : code, message);
    return null;
  }
  if (bytes.length === 0) {
    await options.onFailed(file, 'EMPTY_FILE', 'The file is empty (0 bytes).');
    return null;
  }
  const hash = createHash('sha256').update(bytes).digest('hex');
  if (options.needsEmbedding && !options.needsEmbedding(file, hash)) {
    await options.onSkipped(file, hash);
    return null;
  }
  // The first photo to encode starts the model's load, which then overlaps this and the
  // next decodes ([Note: each encoder loads on first use] in clip/encoder.ts).
  options.encoder.prepareImages();
  const thumbnail = thumbnailPath(options.thumbnailsDir, hash);
  try {
    const info = await decodeImage(bytes, {
      preprocess: options.encoder.model.vision,
      target: tensor,
      offset,
      thumbnail: { path: thumbnail, size: options.thumbnailSize },
      maxPixels: options.maxPixels,
      // [Note: a time budget per decode]: a decode over it fails here and the batch goes
      // on; the abandoned work never writes into `tensor`.
      ...(options.decodeTimeoutMs !== undefined ? { timeoutMs: options.decodeTimeoutMs } : {}),
    });
    return { file, hash, info, thumbnail };
  } catch (error) {
    const { code, message } = describeFailure(error);
    await options.onFailed(file, code, message);
    return null;
  }
}

/** The adapters' errors carry a code and a sentence; anything else is a decode failure. */
function describeFailure(error: unknown): { code: string; message: string } {
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    return { code: typeof code === 'string' ? code : 'DECODE_FAILED', message: error.message };
  }
  return { code: 'DECODE_FAILED', message: String(error) };
}
