/**
 * @file videoStill: the frame of a video at a time, as a PNG at the video's upright display
 * size (what a player shows), for the inspector on a paused frame. Runs in the engine
 * worker and in the CLI (plain Node; ffmpeg spawned directly, [Note: spawn ffmpeg directly,
 * not through fluent-ffmpeg] in run.ts).
 *
 * [Note: the frame a paused player shows]
 * A player paused at t shows the last frame whose timestamp is at or before t; ffmpeg's
 * accurate seek (`-ss` before `-i`, which decodes from the keyframe before and drops what
 * lies before the point) gives the first frame at or AFTER the point. Seeking to one frame
 * length before t (plus a millisecond for a time rounded by the page) lands on the shown
 * frame for a constant frame rate, and within a frame of it for a variable one. Rotation
 * metadata is applied by ffmpeg's autorotate (on by default when it transcodes), and the
 * sample aspect ratio by scaling to the probe's display size, so the pixels are the ones
 * boxes and masks of the frame are measured in. A time at or past the last frame takes
 * the last frame: its time is read from the packets of the last seconds (as probe.ts's
 * tail check does), and answered, so the caller can say where the frame really is.
 */
import path from 'node:path';
import { classifyInputError, VideoError } from './errors.js';
import type { FfmpegPaths } from './locate.js';
import { fileArg, probeVideo, type VideoProbe } from './probe.js';
import { runTool } from './run.js';

export interface VideoStill {
  /** PNG bytes, 8-bit RGB, upright at `width × height`. */
  png: Buffer;
  /** The video's display size: rotation and sample aspect ratio applied. */
  width: number;
  height: number;
  /** Seconds from the video's start where the frame is: the asked time, or the last frame's. */
  time: number;
}

export interface VideoStillOptions {
  /** Videos whose display size has more pixels are refused as TOO_LARGE (as the indexer's photos). */
  maxPixels: number;
  /** The probe, when the caller has it already (saves an ffprobe). */
  probe?: VideoProbe;
  signal?: AbortSignal | undefined;
}

/** Seconds read before the end to find the last frame: spans a long GOP's worth of packets. */
const LAST_FRAME_WINDOW = 10;
/** Rounding of a page's time (a millisecond), so a time on a frame's start still lands on it. */
const TIME_SLACK = 1e-3;

const megapixels = (pixels: number) => (pixels / 1e6).toFixed(1);

/** Decode one frame from `seek` seconds on; empty bytes when no frame lies there (past the end). */
async function frameFrom(
  file: string,
  ff: FfmpegPaths,
  probe: VideoProbe,
  seek: number,
  signal: AbortSignal | undefined,
): Promise<Buffer> {
  const name = path.basename(file);
  const { displayWidth: width, displayHeight: height } = probe;
  const { code, stdout, stderr } = await runTool(
    ff.ffmpeg,
    [
      ...['-hide_banner', '-nostdin', '-v', 'error'],
      ...['-ss', seek.toFixed(6), '-i', fileArg(file)],
      ...['-map', `0:${probe.videoStream}`, '-frames:v', '1', '-an', '-sn', '-dn'],
      // After autorotate's transpose: scale only undoes a non-square sample aspect ratio.
      ...['-vf', `scale=${width}:${height}:flags=bicubic,setsar=1`],
      ...['-pix_fmt', 'rgb24', '-c:v', 'png', '-f', 'image2pipe', 'pipe:1'],
    ],
    { signal, what: `Reading the frame of ${name}` },
  );
  if (code !== 0) throw classifyInputError(stderr, name);
  return stdout;
}

/** Seconds from the start of the last video frame, from the packets of the last seconds. */
async function lastFrameTime(
  file: string,
  ff: FfmpegPaths,
  probe: VideoProbe,
  signal: AbortSignal | undefined,
): Promise<number | null> {
  const from = probe.startTime + Math.max(0, probe.duration - LAST_FRAME_WINDOW);
  const { stdout } = await runTool(
    ff.ffprobe,
    [
      ...['-v', 'error', '-select_streams', String(probe.videoStream)],
      ...['-read_intervals', `${from.toFixed(3)}%+3600`],
      ...['-show_entries', 'packet=pts_time', '-of', 'csv=p=0', '-i', fileArg(file)],
    ],
    { signal, what: `Finding the last frame of ${path.basename(file)}` },
  );
  let last = -Infinity;
  for (const line of stdout.toString('utf8').split('\n')) {
    const pts = Number.parseFloat(line);
    if (Number.isFinite(pts)) last = Math.max(last, pts);
  }
  return Number.isFinite(last) ? Math.max(0, last - probe.startTime) : null;
}

/**
 * The frame shown at `seconds` ([Note: the frame a paused player shows]). Throws
 * VideoError: UNSUPPORTED_FORMAT (not a video), DECODE_FAILED (corrupt, or no frame
 * decodes), TOO_LARGE (over `maxPixels`), READ_FAILED, CANCELLED, FFMPEG_MISSING never
 * (the caller found ffmpeg).
 */
export async function videoStill(
  file: string,
  ff: FfmpegPaths,
  seconds: number,
  options: VideoStillOptions,
): Promise<VideoStill> {
  const { signal } = options;
  const name = path.basename(file);
  const probe =
    options.probe ??
    (await probeVideo(file, ff, { checkTail: false, ...(signal ? { signal } : {}) }));
  const { displayWidth: width, displayHeight: height } = probe;
  if (width * height > options.maxPixels) {
    throw new VideoError(
      'TOO_LARGE',
      `${name} is ${width}×${height} = ${megapixels(width * height)} megapixels a frame, over the ` +
        `limit of ${megapixels(options.maxPixels)}; raise the limit in settings if you trust it.`,
    );
  }
  const frameLength = probe.frameRate > 0 ? 1 / probe.frameRate : 0;
  const time = Math.max(0, seconds);
  let png =
    time < probe.duration
      ? await frameFrom(file, ff, probe, Math.max(0, time - frameLength + TIME_SLACK), signal)
      : Buffer.alloc(0);
  let at = time;
  if (png.length === 0) {
    const last = await lastFrameTime(file, ff, probe, signal);
    if (last !== null) {
      png = await frameFrom(file, ff, probe, Math.max(0, last - TIME_SLACK), signal);
      at = Math.min(time, last);
    }
  }
  if (png.length === 0) {
    throw new VideoError(
      'DECODE_FAILED',
      `No frame of ${name} could be decoded at ${time.toFixed(2)} s; the file looks truncated ` +
        'or corrupt. Re-copy it from its source if it plays nowhere else.',
    );
  }
  return { png, width, height, time: at };
}
