/**
 * @file Which tags a photo gets (engine, pure functions over vectors): per-tag
 * calibration against the library, the exclusive-category margin, and the numbers the
 * UI's live threshold slider shows. See docs/tagging.md ("Deciding tags") for the
 * measurements behind every constant.
 *
 * A tag is a query that is asked of every photo, so it meets the geometry search meets
 * (electron/engine/search/cutoff.ts): CLIP's image–text cosines sit in a narrow band, a
 * match stands a few hundredths above a baseline, and the baseline moves with the text.
 * One global cosine threshold is therefore wrong for most tags; each tag is calibrated on
 * the library's own scores for it with the search gate's rule (stand out of the
 * background, or clear the model's match floor), plus a per-tag offset the person sets.
 *
 * Neighbouring tags (red and orange, dusk and night) both clear their thresholds on the
 * same photo. In an `exclusive` category (a photo has one dominant colour, one season)
 * only the best tag may be suggested, and only when it leads the runner-up clearly;
 * with EXCLUSIVE_MARGIN a photo between two would get neither rather than a coin toss.
 * Rivals are compared by raw cosine: comparing lifts over each tag's median was measured
 * too and lost recall (red 67 %, yellow 33 %, pink 17 %), because a tag whose library
 * leans its way (a warm library for red) has a high median and loses its own photos.
 */
import { relevanceCutoff } from '../search/cutoff.js';
import { dot } from '../util/vectors.js';

/**
 * Score by which the best tag of an exclusive category must lead the runner-up. Measured
 * on toy-clip-gap (docs/tagging.md): every margin tried above 0 (0.005, 0.01) lost
 * recall on red, orange and pink photos and bought no precision, so the measured best is
 * "the best tag only"; kept as a parameter so a model with noisier neighbours can ask
 * for a lead.
 */
export const EXCLUSIVE_MARGIN = 0;
/**
 * Least rise of a tagged photo over the tag's own typical photo. The search gate alone
 * (min(m + 4s, floor)) falls back to the model's floor for colour-like tags, whose
 * spread is wide, and a tag whose typical photo already scores near the floor (brown in
 * an earthy library: median 0.32 > floor 0.30) would tag half the library. A match
 * stands ≈ 0.07–0.1 above the baseline in CLIP's geometry; 0.05 was the measured best
 * (0.03 kept unrelated yellow and green photos, 0.07 lost brown photos).
 */
export const MIN_LIFT = 0.05;
/** Photos the slider helper lists on either side of the threshold. */
export const SLIDER_NEIGHBOURS = 5;

export interface TagCalibration {
  /** The score a photo needs for this tag, the person's offset included. */
  threshold: number;
  /** The tag's typical score on this library. */
  median: number;
  /** Robust spread of the tag's scores on this library. */
  spread: number;
  /** The person's adjustment, already added to `threshold` (positive: stricter). */
  offset: number;
}

export interface CalibrationOptions {
  /** The model's match floor (manifest `relevance.matchFloor`); cutoff.ts's default without one. */
  matchFloor?: number | undefined;
  /** User-set, added to the threshold. */
  offset?: number;
  /** Least rise over the tag's typical photo; MIN_LIFT unless told. */
  minLift?: number;
}

/** Calibrate one tag on a sample of the library's vectors (its background). */
export function calibrateTag(
  tagVector: Float32Array,
  libraryVectors: readonly Float32Array[],
  options: CalibrationOptions = {},
): TagCalibration {
  const background = libraryVectors.map((v) => dot(tagVector, v));
  const cutoff = relevanceCutoff({ background, matchFloor: options.matchFloor });
  const offset = options.offset ?? 0;
  const base = Math.max(cutoff.threshold, cutoff.median + (options.minLift ?? MIN_LIFT));
  return { ...cutoff, threshold: base + offset, offset };
}

/** The same calibration with another offset (the slider moves it; the background is unchanged). */
export function withOffset(calibration: TagCalibration, offset: number): TagCalibration {
  return { ...calibration, threshold: calibration.threshold - calibration.offset + offset, offset };
}

/** What decideTags needs of a tag: its vector and the category rule. */
export interface DecidableTag {
  id: string;
  category: string;
  exclusive: boolean;
  vector: Float32Array;
}

export interface TagSuggestion {
  id: string;
  score: number;
  /** score − threshold: how clearly the photo passed. */
  margin: number;
  /** Exclusive categories: the score by which it led the category's runner-up. */
  lead?: number;
}

export interface DecideOptions {
  /** Score by which the best exclusive tag must lead; EXCLUSIVE_MARGIN unless told. */
  exclusiveMargin?: number;
}

/** The tags one photo gets: none when nothing clears its threshold (no forced top-1). */
export function decideTags(
  photoVector: Float32Array,
  tags: readonly DecidableTag[],
  calibrations: ReadonlyMap<string, TagCalibration>,
  options: DecideOptions = {},
): TagSuggestion[] {
  const needed = options.exclusiveMargin ?? EXCLUSIVE_MARGIN;
  const out: TagSuggestion[] = [];
  const exclusive = new Map<string, { id: string; score: number; passes: boolean }[]>();
  for (const tag of tags) {
    const calibration = calibrations.get(tag.id);
    if (!calibration) continue; // not calibrated yet: suggest nothing rather than guess
    const score = dot(tag.vector, photoVector);
    const passes = score >= calibration.threshold;
    if (!tag.exclusive) {
      if (passes) out.push({ id: tag.id, score, margin: score - calibration.threshold });
      continue;
    }
    const rivals = exclusive.get(tag.category) ?? [];
    rivals.push({ id: tag.id, score, passes });
    exclusive.set(tag.category, rivals);
  }
  for (const rivals of exclusive.values()) {
    rivals.sort((a, b) => b.score - a.score);
    const [best, runnerUp] = rivals;
    if (!best?.passes) continue;
    const lead = runnerUp ? best.score - runnerUp.score : Infinity;
    if (lead < needed) continue;
    const threshold = calibrations.get(best.id)?.threshold ?? best.score;
    out.push({ id: best.id, score: best.score, margin: best.score - threshold, lead });
  }
  return out.sort((a, b) => b.margin - a.margin);
}

export interface ScoredItem {
  id: string;
  score: number;
}

export interface SliderView {
  /** How many items pass at this threshold. */
  passing: number;
  /** The weakest items that still pass, weakest last (the first to go if the threshold rises). */
  justIn: ScoredItem[];
  /** The strongest items that miss, strongest first (the first to come in if it falls). */
  justOut: ScoredItem[];
}

/** For the live slider: at `threshold`, how many of one tag's scores pass, and which are on the edge. */
export function suggestionsFor(
  scores: readonly ScoredItem[],
  threshold: number,
  neighbours = SLIDER_NEIGHBOURS,
): SliderView {
  const sorted = [...scores].sort((a, b) => b.score - a.score);
  let passing = 0;
  while (passing < sorted.length && (sorted[passing]?.score ?? -Infinity) >= threshold) passing++;
  return {
    passing,
    justIn: sorted.slice(Math.max(0, passing - neighbours), passing),
    justOut: sorted.slice(passing, passing + neighbours),
  };
}
