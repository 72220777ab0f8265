/**
 * @file A model's ORT-format copy: the same graph, optimised once and saved in onnxruntime's
 * own flatbuffer format, which a session can run from in place.
 *
 * [Note: the ORT-format copy] Creating a CPU session from a `.onnx` file parses its
 * protobuf, copies every weight into a tensor and optimises the graph, every time: for
 * CLIP ViT-B/32's float32 text encoder (254 MB) that is ~0.85 s and a 420 MB peak, most of
 * a cold `lantern search`. From an ORT-format copy with `use_ort_model_bytes_directly` and
 * `use_ort_model_bytes_for_initializers`, the session reads its weights straight out of the
 * file's bytes (no parse, no copy, no optimisation): ~0.28 s and a 330 MB peak, with the same
 * embedding to the last digit (measured on the bench model; docs/benchmarks.md). Pre-packing
 * is off for such a session, or it would copy the weights again; one query does not need it.
 *
 * The copy is made once (convertToOrtFormat, after a first search) beside the model in
 * `.ort-format/`, named by the onnxruntime version and the source file's size and time, so
 * a new onnxruntime or a replaced model file never meets a stale copy. Only the CPU provider
 * uses it: the saved graph holds the CPU provider's fused operators.
 */
import { mkdir, open, rename, rm } from 'node:fs/promises';
import { dirname } from 'node:path';
import { env, InferenceSession } from 'onnxruntime-node';
import { modelCopyPath, removeOtherCopies } from './model-copies.js';

const COPY_DIR = '.ort-format';

/** Where the copy of `modelPath` (whose size and mtime are `fileStamp`) lives. */
export function ortFormatPath(modelPath: string, fileStamp: string): string {
  return modelCopyPath(modelPath, COPY_DIR, env.versions.node ?? 'ort', fileStamp, '.ort');
}

/** The copy's bytes, or null when there is none yet. */
export async function readOrtFormat(
  modelPath: string,
  fileStamp: string,
): Promise<Uint8Array | null> {
  try {
    return await readWhole(ortFormatPath(modelPath, fileStamp));
  } catch {
    return null;
  }
}

/** Bytes asked of the OS per read when a copy is loaded; the reads run side by side. */
const READ_CHUNK = 64 * 2 ** 20;

/**
 * A file's bytes in one buffer, read as READ_CHUNK slices at once (libuv's thread pool
 * runs up to four): most of the time goes to faulting in the fresh buffer's pages, which
 * two cores do side by side. On the bench's 254 MB text encoder, from the OS cache:
 * fs.readFile (512 KiB requests, one after another) 210–240 ms, one 64 MiB request at a
 * time 135–155 ms, the slices at once 77–91 ms.
 */
async function readWhole(file: string): Promise<Uint8Array> {
  const handle = await open(file, 'r');
  try {
    const { size } = await handle.stat();
    const bytes = Buffer.allocUnsafe(size);
    const slice = async (start: number) => {
      const end = Math.min(size, start + READ_CHUNK);
      for (let offset = start; offset < end;) {
        const { bytesRead } = await handle.read(bytes, offset, end - offset, offset);
        if (bytesRead === 0) throw new Error(`${file} ended at byte ${offset} of ${size}`);
        offset += bytesRead;
      }
    };
    const starts = Array.from({ length: Math.ceil(size / READ_CHUNK) }, (_, i) => i * READ_CHUNK);
    // Every slice settles before the handle closes, even when one fails.
    const results = await Promise.allSettled(starts.map(slice));
    const failed = results.find((result) => result.status === 'rejected');
    if (failed) throw failed.reason;
    return bytes;
  } finally {
    await handle.close();
  }
}

/** Session options that run from the copy's bytes in place (the bytes must outlive it). */
export function inPlaceOptions(
  options: InferenceSession.SessionOptions,
): InferenceSession.SessionOptions {
  const session = { ...(options.extra as { session?: Record<string, string> })?.session };
  return {
    ...options,
    // Optimised when the copy was made; the saved graph is run as it is.
    graphOptimizationLevel: 'disabled',
    extra: {
      ...(options.extra as object),
      session: {
        ...session,
        use_ort_model_bytes_directly: '1',
        use_ort_model_bytes_for_initializers: '1',
        disable_prepacking: '1',
      },
    },
  };
}

/**
 * Makes the copy of `modelPath` (a CPU session created once with the save options),
 * written under a temporary name and renamed, and removes copies of older versions.
 * Takes about as long and as much memory as one session creation from the `.onnx`.
 */
export async function convertToOrtFormat(modelPath: string, fileStamp: string): Promise<string> {
  const target = ortFormatPath(modelPath, fileStamp);
  const partial = `${target}.partial-${process.pid}`;
  await mkdir(dirname(target), { recursive: true });
  try {
    const session = await InferenceSession.create(modelPath, {
      executionProviders: ['cpu'],
      // 'extended' rather than 'all': the layout rewrites of 'all' are not kept in ORT format.
      graphOptimizationLevel: 'extended',
      optimizedModelFilePath: partial,
      logSeverityLevel: 3,
      extra: { session: { save_model_format: 'ORT', intra_op: { allow_spinning: '0' } } },
    });
    await session.release();
    await rename(partial, target);
  } finally {
    await rm(partial, { force: true });
  }
  await removeOtherCopies(modelPath, [target]);
  return target;
}
