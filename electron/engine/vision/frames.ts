/**
 * @file The inspector's paused video frames (engine worker): the frame of a video at a time,
 * decoded by ffmpeg once and kept for the few calls that follow on it — vision:frame shows
 * it, then detect, segment, export and the lenses work on the same bytes ([Note: a paused
 * video frame] in shared/contract.ts). The decode itself is native/ffmpeg's videoStill.
 *
 * Frames are keyed by the video's real path, size and modification time and by the time to
 * the millisecond: a video replaced or re-encoded under the same name is decoded again, and
 * two times a page rounds differently are two frames. A frame is handed to the models as its
 * PNG bytes (their answer cache keys bytes by SHA-256), and to exports with a naming path
 * beside the video, `clip.frame-0m12.5s.png`, so `clip.mp4` at 12.5 s exports as
 * `clip.frame-0m12.5s.annotated.png` ([Note: an export never writes over a file]).
 */
import { stat } from 'node:fs/promises';
import path from 'node:path';
import {
  clipTime,
  videoStill,
  VideoError,
  type FfmpegPaths,
  type VideoStill,
} from '../../../native/ffmpeg/index.js';
import { LanternError } from '../../shared/errors.js';

/**
 * Frames kept: the one on screen and the few the person stepped through before it. A 4K
 * frame's PNG is 10–25 MB, so a handful bounds the memory at about 100 MB at worst.
 */
export const FRAMES_KEPT = 4;

/** A decoded frame and the video it comes from. */
export interface VideoFrame extends VideoStill {
  /** The video's real path. */
  video: string;
}

/** The path that names a frame's exports: beside the video, with the time in it. */
export function frameNamingPath(video: string, time: number): string {
  const stem = path.basename(video, path.extname(video));
  return path.join(path.dirname(video), `${stem}.frame-${clipTime(time)}.png`);
}

/** The ffmpeg adapter's error as the engine's: same code and sentence. */
function asLanternError(error: unknown): unknown {
  if (error instanceof VideoError) {
    const code = error.code === 'FFMPEG_MISSING' ? 'NOT_FOUND' : error.code;
    return new LanternError(code, error.message, { cause: error });
  }
  return error;
}

export class FrameCache {
  /** Pending or done decodes, oldest first (a Map keeps insertion order). */
  private readonly frames = new Map<string, Promise<VideoFrame>>();

  /** `ffmpeg`: the binaries, or the sentence saying why there are none. */
  constructor(
    private readonly ffmpeg: () => FfmpegPaths | string | Promise<FfmpegPaths | string>,
    private readonly keep = FRAMES_KEPT,
  ) {}

  /**
   * The frame of `video` (a real path the caller has judged) at `time` seconds. Calls on
   * one frame at once share one decode. Throws LanternError with the adapter's sentence.
   */
  async frame(video: string, time: number, options: { maxPixels: number }): Promise<VideoFrame> {
    const ff = await this.ffmpeg();
    if (typeof ff === 'string') {
      throw new LanternError('NOT_FOUND', `Video frames need ffmpeg: ${ff}`);
    }
    const info = await stat(video).catch((error: unknown) => {
      throw new LanternError(
        'NOT_FOUND',
        `${path.basename(video)} is gone; it may have been moved.`,
        {
          cause: error,
        },
      );
    });
    const key = JSON.stringify([
      video,
      info.size,
      info.mtimeMs,
      Math.round(time * 1000),
      options.maxPixels,
    ]);
    const known = this.frames.get(key);
    if (known !== undefined) {
      // Most recently used last, so the oldest is the one dropped.
      this.frames.delete(key);
      this.frames.set(key, known);
      return known;
    }
    const pending = videoStill(video, ff, time, { maxPixels: options.maxPixels }).then(
      (still) => ({ ...still, video }),
      (error: unknown) => {
        if (this.frames.get(key) === pending) this.frames.delete(key);
        throw asLanternError(error);
      },
    );
    this.frames.set(key, pending);
    for (const oldest of this.frames.keys()) {
      if (this.frames.size <= this.keep) break;
      this.frames.delete(oldest);
    }
    return pending;
  }
}
