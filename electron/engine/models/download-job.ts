/**
 * @file A model download as a job of the engine service: progress for the whole model
 * (bytes, speed, time left, then "verifying"), pause as "stop the stream and keep the
 * `.part` file" and resume as a Range request from where it stopped (download.ts). Runs in
 * the engine (the worker of the desktop app, or `lantern serve`).
 */
import { isCancelled, LanternError } from '../../shared/errors.js';
import type { ModelSpeed } from '../../shared/contract.js';
import type { IndexProgress } from '../../shared/types.js';
import { downloadModel, type DownloadProgress } from './download.js';
import type { ModelEntry } from './manifest.js';
import { measureModelSpeed, type MeasureOptions } from './model-speed.js';
import { resolveInside } from './registry.js';

/** The parts of the service's JobContext a download uses (service/jobs.ts). */
export interface DownloadJobContext {
  signal: AbortSignal;
  pause: { wait(signal?: AbortSignal): Promise<void> };
  onPause: (listener: () => void) => () => void;
  progress: (progress: IndexProgress) => void;
}

export interface DownloadJobOptions {
  allowUnverified?: boolean;
  /** Injected for tests; the global fetch otherwise. */
  fetch?: typeof fetch;
  /**
   * Time a CLIP model once its files are verified ([Note: measured once] in
   * model-speed.ts), on this provider; `false` skips it. On by default.
   */
  measureSpeed?: MeasureOptions | false;
}

/**
 * Download `entry` into `destDir`, pausable: a pause aborts the running request (what
 * arrived stays in `.part`), the job then waits, and a resume starts a new request that
 * continues at the first missing byte. Returns whether every file's checksum was checked.
 */
export async function runDownloadJob(
  entry: ModelEntry,
  destDir: string,
  context: DownloadJobContext,
  opts: DownloadJobOptions = {},
): Promise<{ verified: boolean; speed: ModelSpeed | null }> {
  for (;;) {
    await context.pause.wait(context.signal);
    if (context.signal.aborted) {
      throw new LanternError('CANCELLED', `The download of ${entry.id} was cancelled.`);
    }
    const attempt = new AbortController();
    const stop = (): void => attempt.abort();
    context.signal.addEventListener('abort', stop, { once: true });
    const unsubscribe = context.onPause(stop);
    try {
      const files = await downloadModel(entry, destDir, {
        signal: attempt.signal,
        ...(opts.allowUnverified !== undefined ? { allowUnverified: opts.allowUnverified } : {}),
        ...(opts.fetch ? { fetch: opts.fetch } : {}),
        onProgress: (p) => context.progress(jobProgress(p)),
      });
      const verified = files.every((file) => file.verified);
      const speed =
        opts.measureSpeed === false
          ? null
          : await measureAfter(entry, destDir, opts.measureSpeed, context);
      return { verified, speed };
    } catch (error) {
      // Stopped by a pause (not a cancel): wait for the resume, then continue.
      const paused = attempt.signal.aborted && !context.signal.aborted && isCancelled(error);
      if (!paused) throw error;
    } finally {
      unsubscribe();
      context.signal.removeEventListener('abort', stop);
    }
  }
}

/**
 * The downloaded model's speed on this machine, or null when it is not a CLIP model or
 * could not be timed: a model that downloads but does not load says so when it is put in
 * use, with its own sentence; the download itself succeeded, so it must not fail here.
 */
async function measureAfter(
  entry: ModelEntry,
  destDir: string,
  options: MeasureOptions | undefined,
  context: DownloadJobContext,
): Promise<ModelSpeed | null> {
  if (entry.task !== 'clip' || context.signal.aborted) return null;
  context.progress({
    phase: 'verifying',
    done: 0,
    total: 0,
    rate: 0,
    etaSeconds: null,
    currentFile: 'timing the model on this computer',
  });
  const { tokenizer } = entry.files;
  try {
    return await measureModelSpeed(
      {
        model: entry,
        origin: 'bundled',
        dir: destDir,
        visionPath: resolveInside(destDir, entry.files.vision.path),
        textPath: resolveInside(destDir, entry.files.text.path),
        vocabPath: entry.files.vocab ? resolveInside(destDir, entry.files.vocab.path) : null,
        tokenizerPath: tokenizer ? resolveInside(destDir, tokenizer.path) : null,
      },
      options,
    );
  } catch {
    return null; // the picker then says "not measured yet"
  }
}

/** The job's progress: bytes of the whole model, bytes per second, seconds left. */
function jobProgress(p: DownloadProgress): IndexProgress {
  const total = p.modelTotal ?? 0; // 0: not known, the bar shows no fraction
  const left = total - p.modelReceived;
  return {
    phase: p.phase === 'verifying' ? 'verifying' : 'indexing',
    done: p.modelReceived,
    total,
    rate: p.bytesPerSecond,
    etaSeconds: total > 0 && p.bytesPerSecond > 0 ? Math.max(0, left) / p.bytesPerSecond : null,
    currentFile: p.file,
  };
}
