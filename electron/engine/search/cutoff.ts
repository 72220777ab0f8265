/**
 * @file The adaptive relevance cut-off (engine). See docs/search.md for the why.
 *
 * CLIP's cosine scores have no fixed meaning: a good match for one sentence scores 0.22,
 * for another 0.34, and the scores of unrelated photos shift with the sentence too. So
 * the cut-off is measured per query against the library itself: the query is scored
 * against a fixed sample of the library's vectors (the "background"), and a result is
 * kept when it stands clearly above that background.
 */

/** How many robust standard deviations above the typical photo a result must stand. */
const STANDOUT = 3;
/** Never cut into the better half of the distance between the best hit and the typical photo. */
const KEEP_FRACTION = 0.5;
/** Spread floor, so a library of near-identical photos does not make every score stand out. */
const MIN_SPREAD = 0.01;

export interface Cutoff {
  threshold: number;
  median: number;
  spread: number;
}

function median(sorted: readonly number[]): number {
  if (sorted.length === 0) return 0;
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? (sorted[mid] ?? 0) : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
}

/**
 * @param background the query's scores against the library sample
 * @param best the best candidate's score
 */
export function relevanceCutoff(background: readonly number[], best: number): Cutoff {
  const sorted = [...background].sort((a, b) => a - b);
  const m = median(sorted);
  const deviations = sorted.map((s) => Math.abs(s - m)).sort((a, b) => a - b);
  // 1.4826 × MAD estimates the standard deviation of normally distributed scores.
  const spread = Math.max(MIN_SPREAD, 1.4826 * median(deviations));
  const statistical = m + STANDOUT * spread;
  const protective = best - KEEP_FRACTION * Math.max(0, best - m);
  return { threshold: Math.min(statistical, protective), median: m, spread };
}
