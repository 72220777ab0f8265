/**
 * @file Choosing which decoded candidate frames become samples: every scene change,
 * and enough others that no two samples lie more than `maxInterval` apart. Pure
 * computation on small RGB frames; runs in the engine worker.
 *
 * [Note: scene changes by coarse colour layout]
 * Each candidate is reduced to the mean colour of an 8 × 8 grid of cells; the change
 * between consecutive candidates is the mean, over cells, of the largest channel
 * difference (0..1). Cell means ignore noise, grain and small motion; the largest
 * channel (rather than the mean of three) keeps a change of one channel, as from orange
 * to yellow, from being diluted by two that stay. A change of 0.15 (about 38 levels in
 * the average cell) is a cut; a pan moves only part of the picture that far between
 * candidates a quarter of a second apart. A missed cut costs little (the next interval
 * sample shows the new scene); a false one costs one extra frame through the encoder.
 */

export interface SampledFrame {
  /** Presentation time, seconds from the start of the file. */
  t: number;
  width: number;
  height: number;
  /** width × height × 3 bytes, RGB, rows top to bottom, upright as displayed. */
  rgb: Buffer;
  /** Chosen because the picture changed (the first frame counts as a change). */
  scene: boolean;
}

export interface Candidate {
  t: number;
  rgb: Buffer;
}

const GRID = 8;
/** [Note: scene changes by coarse colour layout] */
export const DEFAULT_SCENE_THRESHOLD = 0.15;

/** Mean RGB of each cell of a GRID × GRID grid, 0..255, cell by cell. */
export function colourLayout(rgb: Buffer, width: number, height: number): Float32Array {
  const sums = new Float64Array(GRID * GRID * 3);
  const counts = new Uint32Array(GRID * GRID);
  // Every second pixel of every second row: the cell means barely move, the cost halves twice.
  for (let y = 0; y < height; y += 2) {
    const row = Math.min(GRID - 1, Math.floor((y * GRID) / height)) * GRID;
    for (let x = 0; x < width; x += 2) {
      const cell = row + Math.min(GRID - 1, Math.floor((x * GRID) / width));
      const at = (y * width + x) * 3;
      for (let c = 0; c < 3; c++) sums[cell * 3 + c] = sums[cell * 3 + c]! + rgb[at + c]!;
      counts[cell]! += 1;
    }
  }
  const layout = new Float32Array(GRID * GRID * 3);
  for (let i = 0; i < layout.length; i++)
    layout[i] = sums[i]! / Math.max(1, counts[Math.floor(i / 3)]!);
  return layout;
}

/** 0 (same layout) .. 1 (every cell went from black to white in some channel). */
export function layoutChange(a: Float32Array, b: Float32Array): number {
  let total = 0;
  for (let cell = 0; cell < GRID * GRID; cell++) {
    let largest = 0;
    for (let c = 0; c < 3; c++)
      largest = Math.max(largest, Math.abs(a[cell * 3 + c]! - b[cell * 3 + c]!));
    total += largest;
  }
  return total / (GRID * GRID * 255);
}

/**
 * Candidates arrive in time order, at most `maxInterval` apart wherever the decoder
 * allows. A scene change is emitted at once; any other candidate is held until the next
 * one arrives, and emitted only if skipping it would leave more than `maxInterval`
 * between samples. So samples are never further apart than consecutive candidates
 * force, and never more numerous than scenes and the interval need.
 */
export class FrameSelector {
  private previous: Float32Array | null = null;
  private held: Candidate | null = null;
  private last = -Infinity;

  constructor(
    private readonly size: { width: number; height: number },
    private readonly maxInterval: number,
    private readonly threshold = DEFAULT_SCENE_THRESHOLD,
  ) {}

  private frame(candidate: Candidate, scene: boolean): SampledFrame {
    this.last = candidate.t;
    return { t: candidate.t, ...this.size, rgb: candidate.rgb, scene };
  }

  push(candidate: Candidate): SampledFrame[] {
    const out: SampledFrame[] = [];
    if (this.held !== null && candidate.t - this.last > this.maxInterval)
      out.push(this.frame(this.held, false));
    this.held = null;
    const layout = colourLayout(candidate.rgb, this.size.width, this.size.height);
    const scene = this.previous === null || layoutChange(this.previous, layout) > this.threshold;
    this.previous = layout;
    if (scene) out.push(this.frame(candidate, true));
    else this.held = candidate;
    return out;
  }

  /** The end of the video: the held candidate is a sample if the video runs on past the interval. */
  finish(end: number): SampledFrame[] {
    const held = this.held;
    this.held = null;
    return held !== null && end - this.last > this.maxInterval ? [this.frame(held, false)] : [];
  }
}
