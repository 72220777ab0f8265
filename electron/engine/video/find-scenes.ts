/**
 * @file Scene search over the library (engine): a query vector → the videos whose frames
 * come nearest → each video's timeline scored → matching time ranges (scenes.ts).
 * Used by `scenes:find` / `lantern scenes` and to put videos into ordinary search results.
 */
import { whereIn, type LibraryStore, type StoredMedia } from '../../../native/store/index.js';
import { sqlString } from '../../../native/store/index.js';
import { LanternError } from '../../shared/errors.js';
import type { Scene } from '../../shared/types.js';
import { relevanceCutoff } from '../search/cutoff.js';
import { dot } from '../util/vectors.js';
import { frameThumbnailPath } from './index-videos.js';
import { findSceneRanges } from './scenes.js';

export interface SceneSearch {
  store: LibraryStore;
  thumbnailsDir: string;
  /** Sampling interval of the index, seconds: ranges this close are merged. */
  maxInterval: number;
  /** Library vectors the prompt is measured against (as in photo search). */
  background: () => Promise<Float32Array[]>;
}

/** Frames fetched across the library to choose which videos to score in full. */
const CANDIDATE_FRAMES = 400;
/** Seconds added before and after each scene, so a clip does not start mid-gesture. */
const SCENE_PADDING = 0.25;

export interface VideoScenes {
  video: StoredMedia;
  scenes: Scene[];
}

export async function findScenes(
  search: SceneSearch,
  query: Float32Array,
  options: { video?: string; where?: string; limit?: number } = {},
): Promise<VideoScenes[]> {
  const { store } = search;
  let videos: StoredMedia[];
  if (options.video) {
    videos = await store.listMedia({
      where: `path = ${sqlString(options.video)} AND kind = 'video'`,
    });
    if (videos.length === 0) {
      throw new LanternError(
        'NOT_FOUND',
        `${options.video} is not an indexed video: index its folder first.`,
      );
    }
  } else {
    const hits = await store.frames.search(query, { limit: CANDIDATE_FRAMES });
    const ids = [...new Set(hits.map((hit) => hit.videoId))];
    if (ids.length === 0) return [];
    const clauses = [whereIn('id', ids), "kind = 'video'", options.where].filter(Boolean);
    videos = await store.listMedia({ where: clauses.map((c) => `(${c})`).join(' AND ') });
  }
  const background = (await search.background()).map((vector) => dot(query, vector));
  const result: VideoScenes[] = [];
  for (const video of videos) {
    const frames = await store.frames.ofVideo(video.id);
    if (frames.length === 0) continue;
    const scored = frames.map((frame) => ({ t: frame.t, score: dot(query, frame.vector) }));
    const best = Math.max(...scored.map((f) => f.score));
    const minPeak = background.length > 0 ? relevanceCutoff(background, best).threshold : -Infinity;
    const ranges = findSceneRanges(scored, {
      duration: video.duration ?? frames.at(-1)?.t ?? 0,
      mergeGap: search.maxInterval,
      padding: SCENE_PADDING,
      minPeak,
    });
    const nearest = (t: number) =>
      frames.reduce((a, b) => (Math.abs(b.t - t) < Math.abs(a.t - t) ? b : a)).t;
    const scenes = ranges.map((range) => ({
      path: video.path,
      start: round(range.start),
      end: round(range.end),
      peak: round(range.peak),
      score: Math.round(range.score * 10_000) / 10_000,
      thumbnail: frameThumbnailPath(search.thumbnailsDir, video.hash, nearest(range.peak)),
    }));
    if (scenes.length > 0) result.push({ video, scenes });
  }
  return result;
}

function round(seconds: number): number {
  return Math.round(seconds * 1000) / 1000;
}
