/**
 * @file Scene finding as a pure function (ranges from per-frame scores), and scene search
 * over a stand-in store: a scene ends at the cut, not a moment into the next shot.
 */
import { describe, expect, it } from 'vitest';
import type { LibraryStore, StoredMedia } from '../../native/store/index.js';
import { findScenes } from '../../electron/engine/video/find-scenes.js';
import { findSceneRanges, smoothScores } from '../../electron/engine/video/scenes.js';

const options = { duration: 20, mergeGap: 2, gate: 0.5 };
/** Samples every 2 s with a score function of time. */
const sampled = (score: (t: number) => number, step = 2, until = 20) =>
  Array.from({ length: Math.floor(until / step) }, (_, i) => ({
    t: i * step,
    score: score(i * step),
  }));

describe('findSceneRanges', () => {
  it('finds a matching stretch within one sampling interval', () => {
    const frames = sampled((t) => (t >= 6 && t < 12 ? 0.9 : 0.1));
    const [range] = findSceneRanges(frames, options);
    expect(range).toBeDefined();
    expect(Math.abs((range?.start ?? 0) - 6)).toBeLessThanOrEqual(2);
    expect(Math.abs((range?.end ?? 0) - 12)).toBeLessThanOrEqual(2);
    expect(range?.peak).toBeGreaterThanOrEqual(6);
    expect(range?.score).toBeCloseTo(0.9);
  });

  it('uses a scene-change sample to get the boundary exactly', () => {
    const frames = [...sampled((t) => (t >= 8 ? 0.9 : 0.1)), { t: 7.2, score: 0.9 }];
    const [range] = findSceneRanges(frames, options);
    expect(range?.start).toBeCloseTo(7.2);
    expect(range?.end).toBe(20);
  });

  it('merges ranges across small gaps, keeps far ones apart, best first', () => {
    const frames = sampled(
      (t) => (t === 2 || t === 4 || t === 8 || t === 16 ? (t === 16 ? 0.95 : 0.9) : 0.1),
      2,
    );
    const ranges = findSceneRanges(frames, { ...options, mergeGap: 2 });
    expect(ranges).toHaveLength(2);
    expect(ranges[0]?.peak).toBe(16);
    expect(ranges[1]).toMatchObject({ start: 2 });
    expect(ranges[1]?.end).toBeGreaterThanOrEqual(10);
  });

  it('ends a range at the first sample past it and starts it at the cut, unpadded', () => {
    // Cuts at 5.3 and 9 caught by the sampler between the regular 2 s samples.
    const frames = [
      ...sampled((t) => (t >= 5.3 && t < 9 ? 0.9 : 0.1)),
      { t: 5.3, score: 0.9 },
      { t: 9, score: 0.1 },
    ];
    const [range] = findSceneRanges(frames, options);
    expect(range).toMatchObject({ start: 5.3, end: 9 });
  });

  it('never ends a range before it starts when the duration is probed short', () => {
    const frames = sampled((t) => (t >= 18 ? 0.9 : 0.1));
    const [range] = findSceneRanges(frames, { ...options, duration: 17.9 });
    expect(range).toMatchObject({ start: 18, end: 18 });
  });

  it('reports nothing when no frame reaches the library-level threshold', () => {
    const frames = sampled((t) => (t >= 6 && t < 12 ? 0.3 : 0.1));
    expect(findSceneRanges(frames, options)).toEqual([]);
  });

  it("a stretch is a scene only where it stands above the library's gate, not the video's low point", () => {
    // Darker grey, then a long lighter-grey stretch with one frame that just matches:
    // half-way between the video's low and best (0.28) would call 6–20 s a scene.
    const frames = sampled((t) => (t < 6 ? 0.25 : t >= 10 && t < 12 ? 0.33 : 0.29));
    const ranges = findSceneRanges(frames, { ...options, gate: 0.3 });
    expect(ranges).toHaveLength(1);
    expect(ranges[0]?.start).toBeGreaterThanOrEqual(8);
    expect(ranges[0]?.end).toBeLessThanOrEqual(14);
  });

  it('keeps a video that matches from start to end whole', () => {
    const [range] = findSceneRanges(
      sampled(() => 0.8),
      options,
    );
    expect(range).toMatchObject({ start: 0, end: 20 });
  });
});

describe('findScenes', () => {
  const video = {
    id: 'v1',
    path: '/videos/street.mp4',
    kind: 'video',
    hash: 'abc',
    duration: 20,
  } as StoredMedia;
  const blue = Float32Array.of(1, 0);
  const red = Float32Array.of(0, 1);
  /** Regular samples every 2 s plus the sampler's scene-change samples at the cuts (5.3, 9). */
  const frames = [0, 2, 4, 5.3, 6, 8, 9, 10, 12, 14, 16, 18].map((t) => ({
    videoId: video.id,
    t,
    vector: t >= 5.3 && t < 9 ? blue : red,
  }));
  const store = {
    listMedia: () => Promise.resolve([video]),
    frames: { ofVideo: () => Promise.resolve(frames) },
  } as unknown as LibraryStore;
  const search = {
    store,
    thumbnailsDir: '/thumbnails',
    maxInterval: 2,
    background: () => Promise.resolve([]),
  };

  it('a scene spans exactly its shot: no time of the shot before or the next one', async () => {
    const [found] = await findScenes(
      search,
      { vector: blue, negatives: [] },
      { threshold: 0.5, video: video.path },
    );
    // A padded scene (5.05–9.25) played the last frames of red before and the first of red after.
    expect(found?.scenes).toEqual([expect.objectContaining({ start: 5.3, end: 9, peak: 5.3 })]);
  });
});

describe('smoothScores', () => {
  const frames = (scores: number[]) => scores.map((score, t) => ({ t, score }));

  it('calms jitter inside a shot', () => {
    const smooth = smoothScores(frames([0.1, 0.9, 0.86, 0.94, 0.9, 0.1]));
    expect(smooth[2]).toBeCloseTo((0.86 * 2 + 0.9 + 0.94) / 4);
  });

  it('does not average across a cut', () => {
    const smooth = smoothScores(frames([-0.5, -0.5, 1, 1, 1, 0.03, 0.03]));
    expect(smooth[2]).toBeCloseTo(1);
    expect(smooth[5]).toBeCloseTo(0.03);
  });
});
