/**
 * @file The relevance cut-off (engine): one rule for photos, videos and scenes. See
 * docs/search.md ("Where relevance ends") for the measurements behind every constant.
 *
 * CLIP's cosine scores have no fixed meaning across queries: image–text scores of
 * ViT-B/32 live in a narrow band (≈ 0.15–0.35), a match stands only a few hundredths
 * above a baseline, and that baseline moves with the query. Two tests together decide:
 *
 * 1. Stands out: the query is scored against a fixed sample of the library's vectors
 *    (the "background"); a result standing `STANDOUT` robust spreads above the typical
 *    photo is a match. This alone keeps a nonsense query to a handful (its best photo is
 *    just the top of the background's tail), but it fails a library that is all one
 *    subject (the matches *are* the background) and colour-like queries that split a
 *    library into broad groups (the spread grows with the groups).
 * 2. Clears the model's match floor: a score that high is a match for this model
 *    whatever the library holds, so a one-subject library keeps its subject. The floor
 *    is a property of the model (manifest `relevance.matchFloor`), never of the query.
 *
 * A result is kept when it passes either. The gap to the best hit is deliberately not
 * used: the best hit of a nonsense query is no match, and half-way to it let 233 of
 * 1 080 photos through (docs/search.md).
 */

/** Robust standard deviations a result must stand above the typical photo (1 in ~30 000 by chance). */
const STANDOUT = 4;
/** Spread floor, so a library of near-identical photos does not make every score stand out. */
const MIN_SPREAD = 0.01;
/**
 * The match floor of a model that does not state one: CLIP ViT-B/32's, the cosine at
 * which LAION-5B kept an English image–caption pair as matching (0.28).
 */
export const DEFAULT_MATCH_FLOOR = 0.28;

export interface RelevanceInput {
  /** The query's scores against the library sample. */
  background: readonly number[];
  /** The model's match floor (manifest `relevance.matchFloor`), else DEFAULT_MATCH_FLOOR. */
  matchFloor?: number | undefined;
}

export interface Cutoff {
  threshold: number;
  /** The query's typical score on this library. */
  median: number;
  spread: number;
}

function median(values: readonly number[]): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? (sorted[mid] ?? 0) : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
}

export function relevanceCutoff(input: RelevanceInput): Cutoff {
  const m = median(input.background);
  // 1.4826 × MAD estimates the standard deviation of normally distributed scores; medians
  // keep the few true matches inside the sample from dragging the estimate up.
  const spread = Math.max(
    MIN_SPREAD,
    1.4826 * median(input.background.map((s) => Math.abs(s - m))),
  );
  const standsOut = input.background.length > 0 ? m + STANDOUT * spread : Infinity;
  const floor = input.matchFloor ?? DEFAULT_MATCH_FLOOR;
  return { threshold: Math.min(standsOut, floor), median: m, spread };
}
