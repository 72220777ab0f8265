/**
 * @file The watcher's target over an open Library (engine, plain Node): a batch is an
 * ordinary index run (incremental: unchanged files are skipped by path, size and mtime,
 * moved ones carried over by content hash, so their tags, which hang on the content,
 * stay), restricted to the batch's folders, followed by tagging when the library tags at
 * index time, as the service's index job does.
 */
import type { IndexProgress, IndexReport } from '../../shared/types.js';
import type { Library } from '../library.js';
import { libraryVocabulary } from '../tags/library-vocabulary.js';
import { tagFolders } from '../tags/tag-folders.js';
import type { PauseGate } from '../util/pause-gate.js';
import type { WatchBatch, WatchTarget } from './folder-watcher.js';

export interface BatchRunContext {
  signal: AbortSignal;
  pause?: PauseGate;
  onProgress?: (progress: IndexProgress) => void;
}

/**
 * [Note: a watched change tags only new contents]
 * Once tagging is on, a batch was followed by a tagging run over every file under the
 * batch's folders: one photo saved into a folder of 10 000 re-decided all 10 000 (each
 * file's vector read, scored against the vocabulary, its suggestions written again), and
 * a batch that only deleted or moved files did the same. Tags hang on a file's content
 * (its hash), so a batch of changes tags only the contents the library did not hold
 * before it, and none when there are none: the text encoder is not even loaded for the
 * vocabulary then. A batch that catches up (the watcher's start, a resume, a root back
 * online) still tags every file under its folders, so a file indexed just before the
 * engine stopped, and never tagged, is tagged then; so does a batch whose run completed a
 * change of model (a batch over whole roots can: [Note: switching model] in
 * model-switch.ts), since what the old model decided is no decision of the new one's.
 */
async function decidedBefore(library: Library, batch: WatchBatch): Promise<Set<string> | null> {
  if (!library.taggingOn || batch.reason !== 'changes') return null;
  return new Set((await library.store.listMedia()).map((row) => row.hash));
}

/** Index one batch in `library` (the one holding the writer lock). */
export async function indexWatchBatch(
  library: Library,
  batch: WatchBatch,
  context: BatchRunContext,
): Promise<IndexReport> {
  const decidedHashes = await decidedBefore(library, batch);
  const servingBefore = library.encoder.id;
  const report = await library.index(batch.roots, {
    signal: context.signal,
    ...(context.pause ? { pause: context.pause } : {}),
    ...(context.onProgress ? { onProgress: context.onProgress } : {}),
    ...(batch.within ? { within: batch.within } : {}),
  });
  if (library.taggingOn && !report.cancelled && !context.signal.aborted)
    await tagFolders(library, await libraryVocabulary(library.dbDir), batch.within ?? batch.roots, {
      signal: context.signal,
      requireFiles: false,
      ...(decidedHashes && library.encoder.id === servingBefore ? { decidedHashes } : {}),
    });
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
