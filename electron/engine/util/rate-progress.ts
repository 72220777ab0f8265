/**
 * @file Progress of work counted in items (files tagged, sidecars written): `done` of
 * `total` turned into the IndexProgress every progress bar reads, with the rate since the
 * start and the time left at that rate. One place for the arithmetic the tagging job, the
 * sidecar job and `lantern tag` all need.
 */
import type { IndexProgress } from '../../shared/types.js';

/** A `(done, total)` callback that reports to `report`, timing from now. */
export function rateProgress(
  report: (progress: IndexProgress) => void,
  currentFile: string | null = null,
  now: () => number = Date.now,
): (done: number, total: number) => void {
  const started = now();
  return (done, total) => {
    const elapsed = (now() - started) / 1000;
    const rate = elapsed > 0 ? done / elapsed : 0;
    report({
      phase: 'indexing',
      done,
      total,
      rate,
      etaSeconds: rate > 0 ? (total - done) / rate : null,
      currentFile,
    });
  };
}
