/**
 * @file Scene search over the library (engine): a query → the videos whose frames come
 * nearest → each video's timeline scored → the stretches standing above the library's
 * relevance gate for that query (scenes.ts). Used by `scenes:find` / `lantern scenes`
 * and by search/search.ts to put videos into ordinary search results: one gate, the
 * photos' one, decides both.
 */
import { whereIn, type LibraryStore, type StoredMedia } from '../../../native/store/index.js';
import { sqlString } from '../../../native/store/index.js';
import { LanternError } from '../../shared/errors.js';
import type { Scene } from '../../shared/types.js';
import { scoreOf, type Query } from '../search/score.js';
import { frameThumbnailPath } from './index-videos.js';
import { findSceneRanges } from './scenes.js';

export interface SceneSearch {
  store: LibraryStore;
  thumbnailsDir: string;
  /** Sampling interval of the index, seconds: ranges this close are merged. */
  maxInterval: number;
  /** Library vectors the relevance gate measures each query against. */
  background: () => Promise<Float32Array[]>;
}

/** Frames fetched across the library to choose which videos to score in full. */
const CANDIDATE_FRAMES = 400;

export interface VideoScenes {
  video: StoredMedia;
  /** The best frame's score. */
  best: number;
  /** Best first; empty when the best frame is below the gate. */
  scenes: Scene[];
}

export async function findScenes(
  search: SceneSearch,
  query: Query,
  options: {
    /** The library-level relevance gate (search.ts `relevanceGate`); −∞ keeps every video. */
    threshold: number;
    video?: string;
    where?: string;
  },
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
    const hits = await store.frames.search(query.vector, { limit: CANDIDATE_FRAMES });
    const ids = [...new Set(hits.map((hit) => hit.videoId))];
    if (ids.length === 0) return [];
    const clauses = [whereIn('id', ids), "kind = 'video'", options.where].filter(Boolean);
    videos = await store.listMedia({ where: clauses.map((c) => `(${c})`).join(' AND ') });
  }
  const result: VideoScenes[] = [];
  for (const video of videos) {
    const frames = await store.frames.ofVideo(video.id);
    if (frames.length === 0) continue;
    const scored = frames.map((frame) => ({ t: frame.t, score: scoreOf(query, frame.vector) }));
    const best = Math.max(...scored.map((f) => f.score));
    // A video whose best frame is background has no scene (and is no search result).
    if (best < options.threshold) {
      result.push({ video, best, scenes: [] });
      continue;
    }
    const ranges = findSceneRanges(scored, {
      duration: video.duration ?? frames.at(-1)?.t ?? 0,
      mergeGap: search.maxInterval,
      gate: options.threshold,
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
    result.push({ video, best, scenes });
  }
  return result;
}

function round(seconds: number): number {
  return Math.round(seconds * 1000) / 1000;
}
