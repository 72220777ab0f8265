/**
 * @file Finding scenes (engine): per-frame scores of a prompt along a video → temporal
 * smoothing → a threshold that adapts to the video but never falls below the library's
 * relevance gate → time ranges, merged across small gaps. Pure functions; the store and
 * the encoder are the caller's.
 *
 * [Note: scene boundaries] Frames are sampled at scene changes plus at most every
 * `interval` seconds. A range starts at its first matching sample and ends at the first
 * sample after it that does not match (or the video's end), so a boundary is off by at
 * most one sampling interval, and exactly right when the sampler caught the cut. Ranges
 * are not padded: when the sampler caught the cut, the end already is the cut, and any
 * time added after it plays the next shot (a ¼ s pad showed its first frames); time
 * added before a start that is a cut plays the previous shot. A player stops just before
 * `end`, a clip is cut up to it.
 */

export interface ScoredFrame {
  t: number;
  score: number;
}

export interface SceneRange {
  start: number;
  end: number;
  /** Time of the best-matching sample inside the range. */
  peak: number;
  /** The best raw score inside the range. */
  score: number;
}

export interface SceneOptions {
  duration: number;
  /** Gaps up to this many seconds between two ranges are bridged. */
  mergeGap: number;
  /**
   * The library-level relevance gate for this prompt (search/cutoff.ts): a frame below
   * it is background, however it compares with the rest of its video.
   */
  gate: number;
}

/**
 * Each score averaged with its neighbours (¼, ½, ¼) to calm frame-to-frame jitter inside
 * a shot, but never across a cut: a neighbour whose score differs by more than half the
 * video's score range belongs to another shot and is left out. Averaging across cuts
 * would drag the first frame after a cut towards the scene before it and stretch ranges
 * by a sample.
 */
export function smoothScores(frames: readonly ScoredFrame[]): number[] {
  const scores = frames.map((frame) => frame.score);
  const jump = (Math.max(...scores) - Math.min(...scores)) / 2;
  return scores.map((score, i) => {
    let sum = score * 2;
    let weight = 2;
    for (const neighbour of [scores[i - 1], scores[i + 1]]) {
      if (neighbour === undefined || Math.abs(neighbour - score) > jump) continue;
      sum += neighbour;
      weight += 1;
    }
    return sum / weight;
  });
}

/** Share of a video's frames taken as its "not matching" level. */
const LOW_PERCENTILE = 0.1;

/**
 * Halfway between the video's low level (10th percentile of its smoothed scores) and its
 * best: adapts to how strongly this prompt matches anything in this video. A median-based
 * cut would fail on videos that mostly match (the median is then the match level); a
 * video that matches throughout has low ≈ best, so every frame passes.
 */
export function videoThreshold(smooth: readonly number[]): number {
  const sorted = [...smooth].sort((a, b) => a - b);
  const low = sorted[Math.floor(LOW_PERCENTILE * (sorted.length - 1))] ?? 0;
  const high = sorted.at(-1) ?? 0;
  return (low + high) / 2;
}

export function findSceneRanges(
  frames: readonly ScoredFrame[],
  options: SceneOptions,
): SceneRange[] {
  if (frames.length === 0) return [];
  const sorted = [...frames].sort((a, b) => a.t - b.t);
  const smooth = smoothScores(sorted);
  // Half-way inside the video's own contrast places boundaries well; never below the
  // library's gate, so a stretch only a little better than the video's low point (grey
  // next to darker grey) is no scene.
  const threshold = Math.max(videoThreshold(smooth), options.gate);
  const raw: SceneRange[] = [];
  let open: SceneRange | null = null;
  sorted.forEach((frame, i) => {
    const s = smooth[i] ?? -Infinity;
    if (s >= threshold) {
      if (!open) open = { start: frame.t, end: frame.t, peak: frame.t, score: frame.score };
      if (frame.score > open.score) {
        open.score = frame.score;
        open.peak = frame.t;
      }
    } else if (open) {
      open.end = frame.t;
      raw.push(open);
      open = null;
    }
  });
  if (open) {
    // A duration probed a little short of the last sample must not end a range before it starts.
    (open as SceneRange).end = Math.max(options.duration, (open as SceneRange).start);
    raw.push(open);
  }
  const merged: SceneRange[] = [];
  for (const range of raw) {
    const last = merged.at(-1);
    if (last && range.start - last.end <= options.mergeGap) {
      last.end = range.end;
      if (range.score > last.score) {
        last.score = range.score;
        last.peak = range.peak;
      }
    } else {
      merged.push({ ...range });
    }
  }
  return merged.sort((a, b) => b.score - a.score);
}
