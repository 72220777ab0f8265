/**
 * @file cutClip: one time range of a video written as its own file, fast (stream copy,
 * starting on a keyframe) or accurate (re-encoded, frame-exact), with the real start
 * and end reported. Runs in the engine worker (plain Node).
 *
 * [Note: what a fast cut really contains]
 * Stream copy cannot start between keyframes: the frames there depend on earlier ones.
 * With `-ss` before `-i` ffmpeg seeks to a keyframe at or before the requested start and
 * copies from there, `-t` ends the copy at about the requested end, and
 * `-avoid_negative_ts make_zero` moves the early part to time 0 so players show it. The
 * clip therefore starts up to one GOP early, and which keyframe it starts on cannot be
 * predicted from the packet flags alone: when the video has B-frames, ffmpeg seeks 3/23 s
 * before the requested time (its "dts heuristic", fftools since 2012), so a cut asked to
 * start on a keyframe starts on the one before. cutClip therefore reads the start back
 * from what was written: the clip's first packet is a keyframe of the source byte for
 * byte, found by its hash among the source's keyframes before the start
 * (keyframes.ts, clipStartKeyframe). The end is that start plus the duration ffprobe
 * reads from the written clip, so start, end and duration describe the file.
 */
import path from 'node:path';
import { VideoError } from './errors.js';
import type { FfmpegPaths } from './locate.js';
import { writeOutput } from './output.js';
import type { OutputOptions } from './output.js';
import { fileArg, probeVideo } from './probe.js';
import type { VideoProbe } from './probe.js';
import { clipStartKeyframe, firstVideoPacketHash, keyframesBefore } from './keyframes.js';

export { keyframeAtOrBefore } from './keyframes.js';

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

/** Seconds as a person reads them: 79.5, 12, 0.04 (no trailing zeros). */
function seconds(value: number): string {
  return String(Number(value.toFixed(2)));
}

/** Refuse a range that is not a forward stretch inside the video, saying which part is wrong. */
function checkRange(name: string, start: number, end: number, duration: number): void {
  if (!Number.isFinite(start) || !Number.isFinite(end) || start < 0) {
    throw new VideoError(
      'INVALID_INPUT',
      `The range ${start}–${end} s is not a time range in ${name}; give a start and an end from 0 s on.`,
    );
  }
  if (start >= duration) {
    throw new VideoError(
      'INVALID_INPUT',
      `The range ${seconds(start)}–${seconds(end)} s starts after the end of ${name}: the video is ${seconds(duration)} s long; choose a start before ${seconds(duration)} s.`,
    );
  }
  if (end <= start) {
    throw new VideoError(
      'INVALID_INPUT',
      `The range ${seconds(start)}–${seconds(end)} s ends before it starts; give an end after the start (the video is ${seconds(duration)} s long).`,
    );
  }
}

/**
 * Cut [start, end] of `input` into `out`; an end past the video's end is cut at the end.
 * For what `fast` reports, see [Note: what a fast cut really contains].
 */
export async function cutClip(
  input: string,
  ff: FfmpegPaths,
  options: CutClipOptions,
): Promise<CutResult> {
  const { mode, out, signal } = options;
  const probeOptions = signal ? { signal, checkTail: false } : { checkTail: false };
  const probe = options.probe ?? (await probeVideo(input, ff, probeOptions));
  checkRange(path.basename(input), options.start, options.end, probe.duration);
  const end = Math.min(options.end, probe.duration);
  // Read before writing, so a failure here leaves no clip behind. At least two: ffmpeg
  // may start on the keyframe before the last one (see the Note).
  const keyframes =
    mode === 'fast' ? await keyframesBefore(input, ff, probe, options.start, 2, signal) : [];
  const expected = mode === 'fast' ? (keyframes.at(-1)?.t ?? 0) : options.start;
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
  await writeOutput(ff.ffmpeg, args, out, [input], end - expected, options);
  const written = await probeVideo(out, ff, probeOptions);
  const start =
    mode === 'fast'
      ? clipStartKeyframe(
          keyframes,
          await firstVideoPacketHash(out, ff, signal),
          end,
          written.duration,
        )
      : options.start;
  return { out, start, end: start + written.duration, duration: written.duration };
}
