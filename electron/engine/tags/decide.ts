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
  return tagDecider(tags, calibrations, options)(photoVector);
}

/**
 * [Note: a tag run decides with one prepared matrix] decideTags for many photos with the
 * same tags and calibrations: what depends only on the tags (their vectors side by side in
 * one array, their thresholds, which ones compete in an exclusive category) is laid out
 * once, so each photo costs its dot products and little else. A run over a library asks
 * every tag of every file (417 tags of the shipped vocabulary, 512 dimensions): decided one
 * call at a time, with a Map lookup, a `?? 0` per multiply and per-category arrays sorted
 * for every photo, a `lantern tag` of 50 000 rows spent 41 of its 119 s deciding (a CPU
 * profile). Prepared, with the dot products four rows at a time (dotRows), 3 000 random
 * photos against 417 random tags: 290–337 µs a photo before, 152–160 after, identical
 * suggestions. The scores are the same sums in the same order (float64, ascending
 * index), the suggestions come out in the same order: a category's best is its first tag
 * with the highest score, as the stable sort had it.
 */
export function tagDecider(
  tags: readonly DecidableTag[],
  calibrations: ReadonlyMap<string, TagCalibration>,
  options: DecideOptions = {},
): (photoVector: Float32Array) => TagSuggestion[] {
  const needed = options.exclusiveMargin ?? EXCLUSIVE_MARGIN;
  // Tags not calibrated yet suggest nothing (rather than guess) and rival no one.
  const decided = tags.flatMap((tag) => {
    const calibration = calibrations.get(tag.id);
    return calibration ? [{ tag, threshold: calibration.threshold }] : [];
  });
  const dim = decided.reduce((most, { tag }) => Math.max(most, tag.vector.length), 0);
  // Row t holds tag t's vector, zero-padded to the longest (dot stops at the shorter one).
  const matrix = new Float32Array(decided.length * dim);
  decided.forEach(({ tag }, t) => matrix.set(tag.vector, t * dim));
  const lengths = Int32Array.from(decided, ({ tag }) => tag.vector.length);
  const thresholds = Float64Array.from(decided, ({ threshold }) => threshold);
  const open = decided.flatMap(({ tag }, t) => (tag.exclusive ? [] : [t]));
  // Exclusive categories in the order their first tag comes, each its tags in tag order.
  const categories = new Map<string, number[]>();
  decided.forEach(({ tag }, t) => {
    if (tag.exclusive) categories.set(tag.category, [...(categories.get(tag.category) ?? []), t]);
  });
  const rivals = [...categories.values()].map((members) => Int32Array.from(members));
  const scores = new Float64Array(decided.length);
  return (photoVector) => {
    dotRows(matrix, dim, lengths, photoVector, scores);
    const out: TagSuggestion[] = [];
    for (const t of open) {
      const score = scores[t]!;
      const threshold = thresholds[t]!;
      if (score >= threshold)
        out.push({ id: decided[t]!.tag.id, score, margin: score - threshold });
    }
    for (const members of rivals) {
      let best = members[0]!;
      let runnerUp = -Infinity;
      for (let k = 1; k < members.length; k++) {
        const score = scores[members[k]!]!;
        if (score > scores[best]!) {
          runnerUp = scores[best]!;
          best = members[k]!;
        } else if (score > runnerUp) runnerUp = score;
      }
      const score = scores[best]!;
      if (!(score >= thresholds[best]!)) continue;
      const lead = members.length > 1 ? score - runnerUp : Infinity;
      if (lead < needed) continue;
      out.push({ id: decided[best]!.tag.id, score, margin: score - thresholds[best]!, lead });
    }
    return out.sort((a, b) => b.margin - a.margin);
  };
}

/**
 * scores[t] = the dot product of row t of `matrix` (rows of `dim`, row t's first lengths[t]
 * values used) with `vector`, each summed in float64 in ascending index order, as `dot`
 * sums. Four rows at a time: each sum keeps its own order, but four independent sums let
 * the processor overlap additions that one running sum makes wait on each other (417
 * rows of 512 against one vector in plain Node: 222 µs a row at a time, 110 four at a
 * time, 94 eight at a time; kept at four).
 */
function dotRows(
  matrix: Float32Array,
  dim: number,
  lengths: Int32Array,
  vector: Float32Array,
  scores: Float64Array,
): void {
  const rows = lengths.length;
  let t = 0;
  for (; t + 4 <= rows; t += 4) {
    const n = Math.min(
      lengths[t]!,
      lengths[t + 1]!,
      lengths[t + 2]!,
      lengths[t + 3]!,
      vector.length,
    );
    const r0 = t * dim;
    const r1 = r0 + dim;
    const r2 = r1 + dim;
    const r3 = r2 + dim;
    let s0 = 0;
    let s1 = 0;
    let s2 = 0;
    let s3 = 0;
    for (let i = 0; i < n; i++) {
      const v = vector[i]!;
      s0 += matrix[r0 + i]! * v;
      s1 += matrix[r1 + i]! * v;
      s2 += matrix[r2 + i]! * v;
      s3 += matrix[r3 + i]! * v;
    }
    // Rows longer than the shortest of the four (vectors of one model are all one length).
    s0 = finish(matrix, r0, n, Math.min(lengths[t]!, vector.length), vector, s0);
    s1 = finish(matrix, r1, n, Math.min(lengths[t + 1]!, vector.length), vector, s1);
    s2 = finish(matrix, r2, n, Math.min(lengths[t + 2]!, vector.length), vector, s2);
    s3 = finish(matrix, r3, n, Math.min(lengths[t + 3]!, vector.length), vector, s3);
    scores[t] = s0;
    scores[t + 1] = s1;
    scores[t + 2] = s2;
    scores[t + 3] = s3;
  }
  for (; t < rows; t++)
    scores[t] = finish(matrix, t * dim, 0, Math.min(lengths[t]!, vector.length), vector, 0);
}

/** `sum` carried on over row values from..to-1 of the row starting at `row`. */
function finish(
  matrix: Float32Array,
  row: number,
  from: number,
  to: number,
  vector: Float32Array,
  sum: number,
): number {
  for (let i = from; i < to; i++) sum += matrix[row + i]! * vector[i]!;
  return sum;
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
