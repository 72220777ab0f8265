/**
 * @file sampleFrames: the frames of a video the indexer embeds — one at each scene
 * change and at least one every `maxInterval` seconds — decoded small and piped as raw
 * RGB, never written to disk. Runs in the engine worker (plain Node).
 *
 * [Note: sample from keyframes, decode between them only where they are too far apart]
 * A full decode of 1080p H.264 runs at a few times real time on two cores, and most of
 * it is wasted on frames nobody samples. Keyframes decode on their own, so pass 1 runs
 * ffmpeg with `-skip_frame nokey`: the decoder skips every other frame, and the cost
 * falls to that of the keyframes (about a tenth of a full decode for a 1 s GOP). Phones,
 * action cameras and most cameras write a keyframe every 0.5–2 s, so the keyframes
 * alone already satisfy the interval, and a cut shows at the next keyframe, within one
 * GOP of where it happens.
 *
 * Where two keyframes lie more than `maxInterval` apart (x264's default GOP is 250
 * frames; screen recordings), pass 1 pauses (its pipe fills, ffmpeg waits) and a
 * second ffmpeg decodes that GOP from its keyframe with `-ss`, up to the last point a
 * sample is needed (one interval before the next keyframe); then pass 1 resumes. Those
 * stretches cost what a full decode of them costs, because every frame of a GOP depends
 * on the one before: sampling a long-GOP video every 2 s costs most of a full decode,
 * and no choice of filters changes that. Such fills skip the deblocking filter
 * (`-skip_loop_filter all`): its effect is invisible at the sampling size.
 *
 * Both passes thin what they decode before scaling (`select`, one candidate per
 * quarter second at most) — decoders that ignore `-skip_frame` (ffmpeg's VP9 decoder;
 * intra-only codecs where every frame is a keyframe) still scale only a few frames a
 * second — and FrameSelector (select-frames.ts) picks the samples among the candidates.
 */
import path from 'node:path';
import { readFrames } from './frame-reader.js';
import type { RawFrame } from './frame-reader.js';
import type { FfmpegPaths } from './locate.js';
import { fileArg, probeVideo } from './probe.js';
import type { VideoProbe } from './probe.js';
import { FrameSelector } from './select-frames.js';
import type { SampledFrame } from './select-frames.js';

export interface SampleFramesOptions {
  /** Longest gap between samples, seconds (default 2). */
  maxInterval?: number;
  /** Short side of the frames, pixels (default 256; never larger than the video's). */
  shortSide?: number;
  /** Change (0..1) that counts as a scene cut; see [Note: scene changes by coarse colour layout]. */
  sceneThreshold?: number;
  /** The probe, when the caller has it already (saves an ffprobe). */
  probe?: VideoProbe;
  /**
   * Decode between keyframes further apart than `maxInterval` (default true), as the Note
   * above says. False samples keyframes only: the interval then stretches to the GOP
   * (up to 10 s for x264's default) and a long-GOP video costs a few percent of a full
   * decode instead of most of one — a "quick index" setting.
   */
  decodeBetweenKeyframes?: boolean;
  /** 'keyframes' (default) as in the Note above; 'decode-all' decodes every frame (for comparison). */
  strategy?: 'keyframes' | 'decode-all';
  signal?: AbortSignal;
}

/** Display size scaled to a short side of `shortSide` (never enlarged), both sides even. */
export function sampleSize(
  displayWidth: number,
  displayHeight: number,
  shortSide: number,
): { width: number; height: number } {
  const scale = Math.min(1, shortSide / Math.min(displayWidth, displayHeight));
  // Even sides: chroma-subsampled intermediates and most encoders need them.
  const even = (side: number) => Math.max(2, 2 * Math.round((side * scale) / 2));
  return { width: even(displayWidth), height: even(displayHeight) };
}

/** Candidates are never closer than this; see the Note. Finer only helps place cuts. */
const CANDIDATE_STEP = 0.25;
/** Two times closer than this are the same frame (timestamps are exact to the time base). */
const SAME_TIME = 1e-4;
/** Past a keyframe by less than any frame lasts (2000 fps), for seeking onto it. */
const SEEK_PAST = 5e-4;

function decodeArgs(
  file: string,
  probe: VideoProbe,
  size: { width: number; height: number },
  step: number,
  input: readonly string[],
): string[] {
  const filter = [
    // The first frame, then the first frame at least `step` after the last one chosen.
    `select='isnan(prev_selected_t)+gte(t-prev_selected_t\\,${step})'`,
    `scale=${size.width}:${size.height}:flags=area`,
    'setsar=1',
    'showinfo',
  ].join(',');
  return [
    ...['-hide_banner', '-nostdin', '-nostats', '-loglevel', 'info'],
    ...['-copyts', ...input, '-i', fileArg(file)],
    ...['-map', `0:${probe.videoStream}`, '-an', '-sn', '-dn', '-vf', filter],
    ...['-vsync', 'passthrough', '-pix_fmt', 'rgb24', '-f', 'rawvideo', 'pipe:1'],
  ];
}

/**
 * Sample a video. Yields frames in time order; stopping the iteration or aborting the
 * signal ends ffmpeg. Throws VideoError (probe errors, DECODE_FAILED, CANCELLED).
 */
export async function* sampleFrames(
  file: string,
  ff: FfmpegPaths,
  options: SampleFramesOptions = {},
): AsyncGenerator<SampledFrame> {
  const { signal } = options;
  const name = path.basename(file);
  const maxInterval = options.maxInterval ?? 2;
  if (!(maxInterval > 0)) throw new RangeError(`maxInterval must be > 0, not ${maxInterval}`);
  const probe = options.probe ?? (await probeVideo(file, ff, signal ? { signal } : {}));
  const size = sampleSize(probe.displayWidth, probe.displayHeight, options.shortSide ?? 256);
  const step = Math.min(CANDIDATE_STEP, maxInterval / 2);
  const selector = new FrameSelector(size, maxInterval, options.sceneThreshold);
  const reading = {
    frameBytes: size.width * size.height * 3,
    startTime: probe.startTime,
    signal,
    name,
  };

  if (options.strategy === 'decode-all') {
    for await (const candidate of readFrames(
      ff.ffmpeg,
      decodeArgs(file, probe, size, step, []),
      reading,
    ))
      yield* selector.push(candidate);
    yield* selector.finish(probe.duration);
    return;
  }

  /**
   * Decode the GOP from `from` until one candidate lies within `maxInterval` of `to`:
   * the frames after it are never needed (the keyframe at `to` follows close enough),
   * which spares the last `maxInterval` of every long GOP (a quarter of x264's default).
   */
  async function* fill(from: number, to: number): AsyncGenerator<RawFrame> {
    const until = to - maxInterval + step;
    const input = [
      ...['-skip_loop_filter', 'all'],
      // -ss counts from the file's start time, as the reported times do. Half a
      // millisecond past the keyframe: printed to 6 decimals, 250/30 s becomes
      // 8.333333, which lies before the keyframe, and ffmpeg would seek to the one before
      // it and decode a whole extra GOP.
      ...['-ss', (from + SEEK_PAST).toFixed(6), '-t', (until - from).toFixed(6)],
    ];
    for await (const frame of readFrames(
      ff.ffmpeg,
      decodeArgs(file, probe, size, step, input),
      reading,
    )) {
      if (frame.t >= to - SAME_TIME) return;
      if (frame.t > from + SAME_TIME) yield frame;
    }
  }

  const fills = options.decodeBetweenKeyframes !== false;
  let previous: number | null = null;
  const keyframes = decodeArgs(file, probe, size, step, ['-skip_frame', 'nokey']);
  for await (const keyframe of readFrames(ff.ffmpeg, keyframes, reading)) {
    if (fills && previous !== null && keyframe.t - previous > maxInterval) {
      for await (const candidate of fill(previous, keyframe.t)) yield* selector.push(candidate);
    }
    previous = keyframe.t;
    yield* selector.push(keyframe);
  }
  // After the last keyframe: the same fill up to the end of the video.
  if (fills && previous !== null && probe.duration - previous > maxInterval) {
    for await (const candidate of fill(previous, probe.duration)) yield* selector.push(candidate);
  }
  yield* selector.finish(probe.duration);
}
