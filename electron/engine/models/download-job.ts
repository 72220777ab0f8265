/**
 * @file A model download as a job of the engine service: progress for the whole model
 * (bytes, speed, time left, then "verifying"), pause as "stop the stream and keep the
 * `.part` file" and resume as a Range request from where it stopped (download.ts). Runs in
 * the engine (the worker of the desktop app, or `lantern serve`).
 */
import { isCancelled, LanternError } from '../../shared/errors.js';
import type { IndexProgress } from '../../shared/types.js';
import { downloadModel, type DownloadProgress } from './download.js';
import type { ModelEntry } from './manifest.js';

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
): Promise<{ verified: boolean }> {
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
      return { verified: files.every((file) => file.verified) };
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
