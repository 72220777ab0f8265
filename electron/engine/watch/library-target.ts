/**
 * @file The watcher's target over an open Library (engine, plain Node): a batch is an
 * ordinary index run (incremental: unchanged files are skipped by path, size and mtime,
 * moved ones carried over by content hash, so their tags, which hang on the content,
 * stay), restricted to the batch's folders, followed by tagging when the library tags at
 * index time, as the service's index job and `lantern index` do.
 */
import type { IndexProgress, IndexReport } from '../../shared/types.js';
import type { Library } from '../library.js';
import { indexThenTag } from '../tags/tag-after-index.js';
import type { PauseGate } from '../util/pause-gate.js';
import type { WatchBatch, WatchTarget } from './folder-watcher.js';

export interface BatchRunContext {
  signal: AbortSignal;
  pause?: PauseGate;
  onProgress?: (progress: IndexProgress) => void;
}

/**
 * Index one batch in `library` (the one holding the writer lock), then tag the contents it
 * brought in ([Note: an index run tags the contents it brought in] in
 * engine/tags/tag-after-index.ts).
 */
export async function indexWatchBatch(
  library: Library,
  batch: WatchBatch,
  context: BatchRunContext,
): Promise<IndexReport> {
  const folders = batch.within ?? batch.roots;
  const { report } = await indexThenTag(
    library,
    folders,
    () =>
      library.index(batch.roots, {
        signal: context.signal,
        ...(context.pause ? { pause: context.pause } : {}),
        ...(context.onProgress ? { onProgress: context.onProgress } : {}),
        ...(batch.within ? { within: batch.within } : {}),
      }),
    context.signal,
  );
  return report;
}

/** A target that runs each batch directly (`lantern watch`). */
export function libraryWatchTarget(library: Library): WatchTarget {
  return {
    roots: () => library.roots,
    index: (batch, signal) => indexWatchBatch(library, batch, { signal }),
  };
}

/** One line saying what a batch did, for `lantern watch` and logs. */
export function batchSummary(
  batch: WatchBatch,
  report: IndexReport | null,
  seconds: number,
): string {
  const where = batch.within
    ? `${batch.within.length} folder${batch.within.length === 1 ? '' : 's'}`
    : batch.roots.join(', ');
  const why =
    batch.reason === 'changes'
      ? `${batch.events} change${batch.events === 1 ? '' : 's'}`
      : batch.reason;
  if (!report) return `${why} in ${where}: not indexed`;
  const parts = [
    `${report.indexed} indexed`,
    ...(report.moved ? [`${report.moved} moved`] : []),
    ...(report.removed ? [`${report.removed} removed`] : []),
    ...(report.failed.length ? [`${report.failed.length} failed`] : []),
    ...(report.offline.length ? [`${report.offline.length} offline`] : []),
    ...(report.cancelled ? ['stopped'] : []),
  ];
  return `${why} in ${where}: ${parts.join(', ')} (${seconds.toFixed(1)} s)`;
}
