/**
 * @file cutClip: one time range of a video written as its own file, fast (stream copy,
 * starting on a keyframe) or accurate (re-encoded, frame-exact), with the real start
 * and end reported. Runs in the engine worker (plain Node).
 *
 * [Note: what a fast cut really contains]
 * Stream copy cannot start between keyframes: the frames there depend on earlier ones.
 * With `-ss` before `-i` ffmpeg seeks to the last keyframe at or before the requested
 * start and copies from there, `-t` ends the copy at the requested end, and
 * `-avoid_negative_ts make_zero` moves the early part to time 0 so players show it. The
 * clip therefore starts up to one GOP early. cutClip reports that: it reads the flags of
 * the packets (demuxing only) in a window before the start to find that keyframe, and
 * the end is that start plus the duration ffprobe reads back from the written clip.
 */
import path from 'node:path';
import { VideoError } from './errors.js';
import type { FfmpegPaths } from './locate.js';
import { writeOutput } from './output.js';
import type { OutputOptions } from './output.js';
import { fileArg, probeVideo } from './probe.js';
import type { VideoProbe } from './probe.js';
import { runTool } from './run.js';

export interface CutClipOptions extends OutputOptions {
  /** Seconds from the start of the video. */
  start: number;
  end: number;
  /** Destination file; its extension chooses the container. */
  out: string;
  mode: 'fast' | 'accurate';
  /** The input's probe, when the caller has it. */
  probe?: VideoProbe;
}

export interface CutResult {
  out: string;
  /** Where the clip really starts and ends in the original, seconds. */
  start: number;
  end: number;
  /** The clip's duration as ffprobe reads it back. */
  duration: number;
}

/** First window searched for the keyframe before a fast cut; doubled until found. */
const KEYFRAME_WINDOW = 12;

/**
 * The time of the last keyframe of the video stream at or before `t` (seconds from the
 * start of the file), from packet flags: see [Note: what a fast cut really contains].
 */
export async function keyframeAtOrBefore(
  file: string,
  ff: FfmpegPaths,
  probe: VideoProbe,
  t: number,
  signal?: AbortSignal,
): Promise<number> {
  for (let window = KEYFRAME_WINDOW; ; window *= 2) {
    const from = Math.max(0, t - window);
    const { stdout } = await runTool(
      ff.ffprobe,
      [
        ...['-v', 'error', '-select_streams', String(probe.videoStream)],
        // read_intervals takes the stream's own timestamps, which include the start time.
        ...[
          '-read_intervals',
          `${(from + probe.startTime).toFixed(6)}%${(t + probe.startTime + 0.001).toFixed(6)}`,
        ],
        ...['-show_entries', 'packet=pts_time,flags', '-of', 'csv=p=0', '-i', fileArg(file)],
      ],
      signal ? { signal, what: `Finding the keyframe in ${path.basename(file)}` } : {},
    );
    let best = -Infinity;
    for (const line of stdout.toString('utf8').split('\n')) {
      const [time, flags] = line.split(',');
      const at = Number.parseFloat(time ?? '') - probe.startTime;
      // 1 ms: times are printed rounded to the microsecond.
      if (flags?.includes('K') && at <= t + 0.001 && at > best) best = at;
    }
    if (best > -Infinity) return Math.max(0, best);
    if (from === 0) return 0;
  }
}

function encoderArgs(out: string): string[] {
  if (path.extname(out).toLowerCase() === '.webm') {
    // WebM admits only VP8/VP9/AV1 and Vorbis/Opus. Realtime VP9 keeps a clip export
    // interactive; crf 32 is libvpx's recommended quality for 1080p.
    return [
      '-c:v',
      'libvpx-vp9',
      '-deadline',
      'realtime',
      '-cpu-used',
      '8',
      '-crf',
      '32',
      '-b:v',
      '0',
      '-c:a',
      'libopus',
    ];
  }
  // crf 18 is visually lossless for x264; veryfast keeps an export near real time on two
  // cores. Audio is re-encoded too: copied audio would start at the keyframe, not the cut.
  return [
    ...['-c:v', 'libx264', '-preset', 'veryfast', '-crf', '18', '-pix_fmt', 'yuv420p'],
    ...['-c:a', 'aac', '-b:a', '192k'],
  ];
}

/** MP4/MOV players want the index first; ffmpeg moves it there after writing. */
function containerArgs(out: string): string[] {
  return /^\.(mp4|m4v|mov)$/i.test(path.extname(out)) ? ['-movflags', '+faststart'] : [];
}

/** Cut [start, end] of `input` into `out`. See the Note for what `fast` reports. */
export async function cutClip(
  input: string,
  ff: FfmpegPaths,
  options: CutClipOptions,
): Promise<CutResult> {
  const { mode, out } = options;
  const signal = options.signal;
  const probe =
    options.probe ??
    (await probeVideo(input, ff, signal ? { signal, checkTail: false } : { checkTail: false }));
  const end = Math.min(options.end, probe.duration);
  if (!(options.start >= 0) || !(end > options.start) || !Number.isFinite(options.start)) {
    throw new VideoError(
      'INVALID_INPUT',
      `The range ${options.start}–${options.end} s is not inside ${path.basename(input)} (0–${probe.duration.toFixed(2)} s); the start must come before the end.`,
    );
  }
  const start =
    mode === 'fast'
      ? await keyframeAtOrBefore(input, ff, probe, options.start, signal)
      : options.start;
  const args = [
    ...[
      '-ss',
      options.start.toFixed(6),
      '-i',
      fileArg(input),
      '-t',
      (end - options.start).toFixed(6),
    ],
    ...['-map', `0:${probe.videoStream}`, '-map', '0:a?', '-sn', '-dn', '-map_metadata', '0'],
    ...(mode === 'fast' ? ['-c', 'copy', '-avoid_negative_ts', 'make_zero'] : encoderArgs(out)),
    ...containerArgs(out),
  ];
  await writeOutput(ff.ffmpeg, args, out, [input], end - start, options);
  const written = await probeVideo(
    out,
    ff,
    signal ? { signal, checkTail: false } : { checkTail: false },
  );
  return { out, start, end: start + written.duration, duration: written.duration };
}
