/**
 * @file Tagging videos from their frames (engine): every sampled frame of a video is
 * decided like a photo (decide.ts decideTags, the tagger's calibrations), and the frames
 * where a tag holds become time ranges. A video gets a tag when some frame holds it;
 * the tagger saves the ranges with the suggestion (docs/tagging.md, "Videos").
 *
 * Why frames and not the video's own vector: a video's media vector is the mean of its
 * frames, so a video half red and half blue averages to a purplish vector that carries
 * neither colour clearly (and may look purple); its frames each show one thing.
 *
 * [Note: frames share the photos' calibration]
 * A tag's threshold is calibrated on an even sample of the library's media vectors
 * (Tagger.prepare). A sampled frame is one picture through the same image encoder, so it
 * lives where photos live and is measured against the same background; no frame
 * background is sampled. Measured on toy-clip-gap (docs/tagging.md, "Videos"): frames
 * decided with the photo background and with a background of frames tag the same frames.
 *
 * Ranges come from scenes.ts findSceneRanges, the run-merging scene search uses, fed one
 * 0/1 score per frame (the tag holds or not): its smoothing never mixes two different
 * values (they differ by more than half the range) and its adaptive threshold falls
 * between 0 and 1, so a run of holding frames becomes [its first frame, the next frame
 * that does not hold) — each frame covering its sampling interval — and runs apart by
 * one sampling interval (one missed frame) are merged.
 */
import type { LibraryStore, MediaKey } from '../../../native/store/index.js';
import type { FrameRow } from '../../../native/store/index.js';
import { findSceneRanges } from '../video/scenes.js';

/**
 * The tags one frame gets, with their scores: the vocabulary's calibrated decision
 * (decide.ts decideTags), or a learned tag's scorer past its threshold (learned-tags.ts).
 */
export type FrameDecider = (vector: Float32Array) => readonly { id: string; score: number }[];

/** One tag of one video: its best frame's score and where it holds. */
export interface VideoTag {
  tag: string;
  score: number;
  /** [start, end] seconds, in time order. */
  ranges: Array<[number, number]>;
}

/** Videos whose frames are read per store query: bounds the vectors held at once. */
const VIDEOS_PER_READ = 16;

/**
 * The tags of each video of `media` that has frames, by media id; photos and videos
 * without frames (indexed before frames existed) are absent, and the caller decides them
 * by their media vector.
 */
export async function tagVideosFromFrames(
  store: LibraryStore,
  media: readonly Pick<MediaKey, 'id' | 'kind' | 'duration'>[],
  decide: FrameDecider,
): Promise<Map<string, VideoTag[]>> {
  const videos = media.filter((row) => row.kind === 'video');
  const out = new Map<string, VideoTag[]>();
  for (let i = 0; i < videos.length; i += VIDEOS_PER_READ) {
    const part = videos.slice(i, i + VIDEOS_PER_READ);
    const frames = await store.frames.ofVideos(part.map((video) => video.id));
    for (const video of part) {
      const own = frames.get(video.id);
      if (own && own.length > 0) out.set(video.id, tagFrames(own, video.duration, decide));
    }
  }
  return out;
}

/** Decide each frame (in time order) and turn the frames where a tag holds into ranges. */
export function tagFrames(
  frames: readonly FrameRow[],
  duration: number | null,
  decide: FrameDecider,
): VideoTag[] {
  const sorted = [...frames].sort((a, b) => a.t - b.t);
  const end = duration ?? sorted.at(-1)?.t ?? 0;
  const interval = samplingInterval(sorted, end);
  // Per tag: the best score of a frame where it holds, and which frames hold it.
  const held = new Map<string, { best: number; holds: boolean[] }>();
  sorted.forEach((frame, i) => {
    for (const suggestion of decide(frame.vector)) {
      const entry = held.get(suggestion.id) ?? {
        best: -Infinity,
        holds: sorted.map(() => false),
      };
      entry.best = Math.max(entry.best, suggestion.score);
      entry.holds[i] = true;
      held.set(suggestion.id, entry);
    }
  });
  const out: VideoTag[] = [];
  for (const [tag, { best, holds }] of held) {
    const ranges = findSceneRanges(
      sorted.map((frame, i) => ({ t: frame.t, score: holds[i] ? 1 : 0 })),
      { duration: end, mergeGap: interval, gate: 0.5 },
    )
      .sort((a, b) => a.start - b.start)
      .map((range): [number, number] => {
        // A range shorter than one frame (a lone frame just before the next sample, or
        // the last one at the very end) is still one sampling interval long.
        const longEnough = Math.max(range.end, range.start + interval);
        return [
          seconds(range.start),
          seconds(end > range.start ? Math.min(longEnough, end) : longEnough),
        ];
      });
    out.push({ tag, score: Math.round(best * 10_000) / 10_000, ranges });
  }
  return out.sort((a, b) => b.score - a.score);
}

/**
 * The video's sampling interval: the longest step between two samples (the last one to
 * the video's end included). The sampler takes a frame at least every `maxFrameInterval`
 * seconds (more at keyframes and cuts), so this is the interval the index used, whatever
 * the settings are now; one missed frame is a gap of at most this long.
 */
export function samplingInterval(sorted: readonly FrameRow[], end: number): number {
  let longest = 0;
  for (let i = 1; i < sorted.length; i++)
    longest = Math.max(longest, (sorted[i]?.t ?? 0) - (sorted[i - 1]?.t ?? 0));
  longest = Math.max(longest, end - (sorted.at(-1)?.t ?? end));
  return longest;
}

function seconds(t: number): number {
  return Math.round(t * 1000) / 1000;
}
