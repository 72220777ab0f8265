/**
 * @file probeVideo: what a video file is (duration, frame rate, size, rotation, codecs,
 * streams), or a per-file reason it cannot be indexed. Runs in the engine worker.
 *
 * [Note: a truncated video is found by reading its last seconds]
 * A video cut short (a copy interrupted, a card pulled out) is the commonest broken
 * video, and ffprobe alone does not see it when the container's header survives: an MP4
 * with its index at the front, a WebM or AVI whose header states the duration, all probe
 * "fine" with the full duration. Decoding the whole file would find it, at the cost of
 * a full decode. Instead probeVideo reads the packets (demuxing only, no decoding) of the
 * last few seconds: in a complete file they reach the stated duration; in a truncated
 * one the demuxer hits the end of the data early ("partial file") or stops short. That
 * costs one more ffprobe of a few megabytes. An MP4 whose index was at the end has lost
 * it entirely ("moov atom not found") and fails the first probe as DECODE_FAILED.
 */
import path from 'node:path';
import { assertRegularFile } from '../image/media-file.js';
import { classifyInputError, VideoError } from './errors.js';
import { looksLikeMp4, readHead, riffTruncated } from './header.js';
import type { FfmpegPaths } from './locate.js';
import {
  clockwiseRotation,
  isCoverArt,
  parseClock,
  parseRational,
  parseSeconds,
  parseCaptureTime,
  parseLocation,
} from './probe-json.js';
import type { ProbeJson, ProbeStreamJson } from './probe-json.js';
import { runTool } from './run.js';

export interface VideoStreamSummary {
  index: number;
  type: 'video' | 'audio' | 'subtitle' | 'data' | 'attachment' | 'unknown';
  codec: string;
  /** A video stream that is a still (cover art), not moving pictures. */
  coverArt: boolean;
}

export interface VideoProbe {
  /** Seconds, from the container (else the video stream). */
  duration: number;
  /** Seconds the first timestamp lies after zero (most files: 0). */
  startTime: number;
  /** Average frame rate (avg_frame_rate), frames per second. */
  frameRate: number;
  /** True when timestamps are irregular: r_frame_rate differs from avg_frame_rate. */
  variableFrameRate: boolean;
  /** Stored size of the pictures. */
  width: number;
  height: number;
  /** Clockwise degrees a player turns the picture (display matrix or rotate tag). */
  rotation: 0 | 90 | 180 | 270;
  /** Size as shown: after rotation and the sample aspect ratio. */
  displayWidth: number;
  displayHeight: number;
  videoCodec: string;
  /** Index of the video stream that is sampled and cut (the first that is not cover art). */
  videoStream: number;
  pixelFormat: string | null;
  audioCodec: string | null;
  hasAudio: boolean;
  /** ffmpeg's demuxer names, e.g. "mov,mp4,m4a,3gp,3g2,mj2", "matroska,webm", "avi". */
  container: string;
  size: number;
  streams: VideoStreamSummary[];
  /** When it was shot, as photos' takenAt, or null ([Note: a video's capture time and place]). */
  capturedAt: number | null;
  /** Where it was shot, signed degrees, or null. */
  location: { lat: number; lon: number } | null;
}

export interface ProbeVideoOptions {
  signal?: AbortSignal;
  /** Read the last seconds to find truncation (default true); see the Note above. */
  checkTail?: boolean;
}

/** ffmpeg reads "a:b" as protocol a; "file:" makes any path, even "pipe:1", a local file. */
export function fileArg(file: string): string {
  return `file:${file}`;
}

const STREAM_TYPES = new Set(['video', 'audio', 'subtitle', 'data', 'attachment']);

function summarise(stream: ProbeStreamJson, i: number): VideoStreamSummary {
  const type = stream.codec_type ?? 'unknown';
  return {
    index: stream.index ?? i,
    type: (STREAM_TYPES.has(type) ? type : 'unknown') as VideoStreamSummary['type'],
    codec: stream.codec_name ?? 'unknown',
    coverArt: isCoverArt(stream),
  };
}

/** Display size: the sample aspect ratio widens or narrows, then a quarter turn swaps. */
function displaySize(stream: ProbeStreamJson, width: number, height: number, rotation: number) {
  const sar = parseRational(stream.sample_aspect_ratio) ?? 1;
  const shownWidth = Math.max(1, Math.round(width * sar));
  return rotation % 180 === 0
    ? { displayWidth: shownWidth, displayHeight: height }
    : { displayWidth: height, displayHeight: shownWidth };
}

/**
 * Still images probe as one-frame "videos" (image2, png_pipe, …): not what the video
 * indexer is for, and the photo indexer reads them better.
 */
function isStillImage(format: string, stream: ProbeStreamJson): boolean {
  return /(^|,)image2|_pipe$/.test(format) || stream.nb_frames === '1';
}

function interpret(json: ProbeJson, name: string, size: number): VideoProbe {
  const streams = json.streams ?? [];
  const container = json.format?.format_name ?? 'unknown';
  const video = streams.find((s) => s.codec_type === 'video' && !isCoverArt(s));
  const audio = streams.find((s) => s.codec_type === 'audio');
  if (video === undefined) {
    throw new VideoError(
      'UNSUPPORTED_FORMAT',
      audio !== undefined
        ? `${name} has no video stream (it is audio only); Lantern indexes the pictures of videos, so it skips this file.`
        : `${name} has no video stream; Lantern indexes the pictures of videos, so it skips this file.`,
    );
  }
  const width = video.width ?? 0;
  const height = video.height ?? 0;
  if (isStillImage(container, video)) {
    throw new VideoError(
      'UNSUPPORTED_FORMAT',
      `${name} is a still image, not a video; give it a photo extension to index it as a photo.`,
    );
  }
  const duration =
    parseSeconds(json.format?.duration) ??
    parseSeconds(video.duration) ??
    parseClock(video.tags?.DURATION);
  if (duration === null || duration === 0 || width === 0 || height === 0) {
    throw new VideoError(
      'DECODE_FAILED',
      `${name} has no readable ${duration ? 'picture size' : 'duration'}; the file looks truncated or corrupt. ` +
        'Re-copy it from its source if it plays nowhere else.',
    );
  }
  const average = parseRational(video.avg_frame_rate);
  const real = parseRational(video.r_frame_rate);
  const rotation = clockwiseRotation(video);
  return {
    duration,
    startTime: parseSeconds(json.format?.start_time) ?? 0,
    frameRate: average ?? real ?? 0,
    // 1 % leaves room for rounding in the rationals of constant-rate files (29.97 vs 30000/1001).
    variableFrameRate: average !== null && real !== null && Math.abs(average - real) > real * 0.01,
    width,
    height,
    rotation,
    ...displaySize(video, width, height, rotation),
    videoCodec: video.codec_name ?? 'unknown',
    videoStream: video.index ?? streams.indexOf(video),
    pixelFormat: video.pix_fmt ?? null,
    audioCodec: audio?.codec_name ?? null,
    hasAudio: audio !== undefined,
    container,
    size,
    streams: streams.map(summarise),
    capturedAt: parseCaptureTime(json.format?.tags),
    location: parseLocation(json.format?.tags),
  };
}

/**
 * Seconds before the stated end whose packets are read by the tail check: enough to
 * span the interleaving of audio and video and a seek landing on an earlier keyframe.
 */
const TAIL_SECONDS = 3;

/** See [Note: a truncated video is found by reading its last seconds]. */
async function checkTail(file: string, ff: FfmpegPaths, probe: VideoProbe, signal?: AbortSignal) {
  const name = path.basename(file);
  const from = probe.startTime + Math.max(0, probe.duration - TAIL_SECONDS);
  const { stderr, stdout } = await runTool(
    ff.ffprobe,
    [
      // An explicit end: the 2023 ffprobe of @ffprobe-installer reads nothing for an
      // open-ended interval ("6%"); "+1 hour" is as good as "to the end" here.
      ...['-v', 'error', '-read_intervals', `${from.toFixed(3)}%+3600`],
      ...['-show_entries', 'packet=pts_time,dts_time,duration_time', '-of', 'csv=p=0'],
      ...['-i', fileArg(file)],
    ],
    { signal, what: `Checking ${name}` },
  );
  let end = -Infinity;
  for (const line of stdout.toString('utf8').split('\n')) {
    const [pts, dts, length] = line.split(',').map((v) => Number.parseFloat(v));
    const at = Number.isFinite(pts) ? pts! : dts!;
    if (Number.isFinite(at)) end = Math.max(end, at + (Number.isFinite(length) ? length! : 0));
  }
  // Stated durations round to a frame or an audio block; half a second is far beyond that
  // and far below what a cut-off copy loses.
  const missing = probe.startTime + probe.duration - end;
  if (/partial file|truncat|Invalid data|error/i.test(stderr) || !(missing < 0.5)) {
    const shown = Number.isFinite(end)
      ? `its data ends at ${Math.max(0, end - probe.startTime).toFixed(1)} s`
      : 'its last seconds cannot be read';
    throw truncated(name, `it says it lasts ${probe.duration.toFixed(1)} s but ${shown}`);
  }
}

function truncated(name: string, detail: string): VideoError {
  return new VideoError(
    'DECODE_FAILED',
    `${name} is truncated: ${detail}. Re-copy it from its source if it plays nowhere else.`,
  );
}

/** Probe a video file. Throws VideoError with a per-file reason. */
export async function probeVideo(
  file: string,
  ff: FfmpegPaths,
  options: ProbeVideoOptions = {},
): Promise<VideoProbe> {
  const name = path.basename(file);
  // ffprobe opens the path itself and would block on a FIFO or read /dev/zero forever:
  // refuse what is not a regular file first ([Note: only regular files are read]).
  const size = await assertRegularFile(file, name).catch((error: unknown) => {
    const { code, message } = error as { code?: unknown; message?: unknown };
    throw new VideoError(
      'READ_FAILED',
      typeof message === 'string' && code === 'READ_FAILED'
        ? message
        : `${name} could not be read (${String(error)}).`,
      { cause: error },
    );
  });
  const info = { size };
  if (info.size === 0) {
    throw new VideoError(
      'EMPTY_FILE',
      `${name} is empty (0 bytes); it may still be copying or was cut short.`,
    );
  }
  const { code, stdout, stderr } = await runTool(
    ff.ffprobe,
    ['-v', 'error', '-print_format', 'json', '-show_format', '-show_streams', '-i', fileArg(file)],
    { signal: options.signal, what: `Probing ${name}` },
  );
  const head = await readHead(file).catch(() => Buffer.alloc(0));
  if (code !== 0) {
    // "moov atom not found" is a truncated MP4 only if the file is an MP4 at all.
    if (/moov atom not found/.test(stderr) && !looksLikeMp4(head)) {
      throw new VideoError('UNSUPPORTED_FORMAT', `${name} is not a video file ffmpeg can read.`);
    }
    throw classifyInputError(stderr, name);
  }
  let json: ProbeJson;
  try {
    json = JSON.parse(stdout.toString('utf8')) as ProbeJson;
  } catch (error) {
    throw new VideoError(
      'DECODE_FAILED',
      `${name} could not be probed (ffprobe's answer was not JSON).`,
      {
        cause: error,
      },
    );
  }
  const probe = interpret(json, name, info.size);
  if (riffTruncated(head, info.size)) {
    throw truncated(name, 'its header promises more data than the file holds');
  }
  if (options.checkTail !== false) await checkTail(file, ff, probe, options.signal);
  return probe;
}
