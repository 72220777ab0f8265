/**
 * @file How far a detector's or segmenter's first load has come, for the inspector
 * (event vision:loading): the model file read through once while its bytes are counted,
 * then the session and its thread prepared, then ready or failed. prompt-models.ts
 * reports; loaded-models.ts turns reports into events. Runs in the engine (plain Node).
 *
 * [Note: reading a model before loading it]
 * onnxruntime gives no progress while it creates a session, and a real OWL-ViT file is
 * 0.6–0.9 GB: its first load is seconds to tens of seconds of a bare spinner. Reading the
 * file through once, in chunks, before the session is created measures the part that
 * grows with the file on a cold disk, and leaves the file in the page cache, so the
 * session and then the inference thread read it from memory rather than from disk
 * again. On a warm cache the read is a memory copy (0.12–0.14 s for 300 MB here), small beside
 * the session's own load. The read is only a help: when it fails the load goes on, and
 * the session's own error (MODEL_MISSING, MODEL_INVALID) is the one the caller sees.
 */
import { open } from 'node:fs/promises';
import type { VisionLoading } from '../../shared/types.js';

export type LoadPhase = VisionLoading['phase'];

/** Told each step of one load; `loaded` and `total` are bytes of the model file. */
export type LoadListener = (phase: LoadPhase, loaded: number, total: number) => void;

/** Large enough that the reads cost nothing beside the copying, small enough to hold. */
const CHUNK_BYTES = 4 * 1024 * 1024;
/** At most ten reading reports a second (the last one, loaded = total, always goes). */
const REPORT_INTERVAL_MS = 100;

/**
 * Read `file` through once, reporting bytes read (at most every REPORT_INTERVAL_MS, and
 * at the start and the end); returns the bytes read. Never throws: see [Note: reading a
 * model before loading it].
 */
export async function readThrough(
  file: string,
  report: (loaded: number, total: number) => void,
): Promise<number> {
  let loaded = 0;
  try {
    const handle = await open(file, 'r');
    try {
      const total = (await handle.stat()).size;
      const buffer = Buffer.allocUnsafe(Math.max(1, Math.min(CHUNK_BYTES, total)));
      report(0, total);
      let reported = performance.now();
      for (;;) {
        const { bytesRead } = await handle.read(buffer, 0, buffer.length, loaded);
        if (bytesRead === 0) break;
        loaded += bytesRead;
        const now = performance.now();
        if (loaded >= total || now - reported >= REPORT_INTERVAL_MS) {
          report(loaded, total);
          reported = now;
        }
      }
    } finally {
      await handle.close();
    }
  } catch {
    // The session's load says what is wrong with the file.
  }
  return loaded;
}

/**
 * One load reported to `listener` (when there is one): what `load` reports as it goes,
 * then ready, or failed with the error passed on unchanged.
 */
export async function reportedLoad<T>(
  listener: LoadListener | undefined,
  load: (report: LoadListener) => Promise<T>,
): Promise<T> {
  let last = { loaded: 0, total: 0 };
  const report: LoadListener = (phase, loaded, total) => {
    last = { loaded, total };
    listener?.(phase, loaded, total);
  };
  try {
    const value = await load(report);
    report('ready', last.total, last.total);
    return value;
  } catch (error) {
    report('failed', last.loaded, last.total);
    throw error;
  }
}
