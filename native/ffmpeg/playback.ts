/**
 * @file Playing a video Chromium cannot: which videos the player opens as they are, and
 * an on-the-fly proxy for the rest, streamed as fragmented MP4 (H.264 + AAC) from any
 * point of the file. Plain Node; used by the browser shell's /media and the desktop
 * app's media:// (their transports), and by the engine to tell the player which to use.
 *
 * [Note: playing what Chromium cannot]
 * Chromium plays MP4/MOV and WebM holding H.264 (8-bit 4:2:0), VP8, VP9 or AV1, with AAC,
 * MP3, Opus, Vorbis or FLAC sound. Anything else (AVI with MPEG-4 Part 2, WMV, MPEG-2,
 * HEVC, ProRes, MKV, PCM or AC-3 sound) either refuses to load or, worse, plays the sound
 * over a dead grey picture, so the choice is made from ffprobe, not from the player's
 * error. A proxy copies H.264 that only sits in the wrong container (remux: costs disk
 * reads only) and otherwise encodes H.264 with libx264 at "veryfast"; sound is copied
 * when it is AAC and encoded to AAC otherwise.
 *
 * A proxy is a stream, not a file: the player (renderer/src/lib/stream-player.ts) feeds it
 * to Media Source Extensions and, for a seek outside what it holds, asks for a new stream
 * starting there; closing the request kills ffmpeg. MP4's fragmenter rebases time to zero
 * whatever `-copyts` says, so each stream reports where its zero lies in the file
 * (`startAt`): the requested time when encoding (ffmpeg's input seek decodes from the
 * keyframe before and drops frames up to it), the keyframe before it when copying
 * (ffmpeg starts a copy on a keyframe: see [Note: what a fast cut really contains]).
 */
import type { ChildProcess } from 'node:child_process';
import type { Readable } from 'node:stream';
import { VideoError, ffmpegReason } from './errors.js';
import { keyframeAtOrBefore } from './keyframes.js';
import type { FfmpegPaths } from './locate.js';
import { fileArg, probeVideo, type VideoProbe } from './probe.js';
import { keepTail, runTool, spawnTool } from './run.js';

export type PlaybackPlan =
  | { mode: 'direct'; reason: string }
  | {
      mode: 'stream';
      video: 'copy' | 'encode';
      audio: 'copy' | 'encode' | 'none';
      /** For MediaSource.addSourceBuffer. */
      mime: string;
      /** Why the file is not played as it is, for the person (shown under the player). */
      reason: string;
    };

const H264_8BIT = new Set(['yuv420p', 'yuvj420p']);
const MP4_VIDEO = new Set(['h264', 'vp9', 'av1']);
const WEBM_VIDEO = new Set(['vp8', 'vp9', 'av1']);
const MP4_AUDIO = new Set(['aac', 'mp3', 'opus', 'flac']);
const WEBM_AUDIO = new Set(['opus', 'vorbis']);
/** H.264 High profile; Chromium reads the real profile from the stream itself. */
const H264_CODEC = 'avc1.640028';
const AAC_CODEC = 'mp4a.40.2';

function isMp4Family(container: string): boolean {
  return container.split(',').some((name) => name === 'mp4' || name === 'mov');
}

/** Whether Chromium decodes this picture: a web codec in 8-bit 4:2:0. */
function playableVideo(probe: VideoProbe, codecs: ReadonlySet<string>): boolean {
  return codecs.has(probe.videoCodec) && H264_8BIT.has(probe.pixelFormat ?? 'yuv420p');
}

/** The container in people's words, for the reason line. */
function containerName(container: string): string {
  if (isMp4Family(container)) return 'MP4';
  if (container.includes('matroska')) return 'Matroska';
  return container.split(',')[0]?.toUpperCase() ?? 'this';
}

/**
 * How to play a probed video ([Note: playing what Chromium cannot]). `transcode` forces
 * an encoded stream: the player asks for it when a file chosen for direct play fails to
 * decode after all.
 */
export function planPlayback(
  probe: VideoProbe,
  options: { transcode?: boolean } = {},
): PlaybackPlan {
  const audio = probe.hasAudio ? probe.audioCodec : null;
  const direct = isMp4Family(probe.container)
    ? playableVideo(probe, MP4_VIDEO) && (audio === null || MP4_AUDIO.has(audio))
    : probe.container.includes('webm') &&
      playableVideo(probe, WEBM_VIDEO) &&
      (audio === null || WEBM_AUDIO.has(audio));
  if (direct && !options.transcode) return { mode: 'direct', reason: 'Plays as it is.' };
  const copyVideo =
    !options.transcode && probe.videoCodec === 'h264' && H264_8BIT.has(probe.pixelFormat ?? '');
  const audioPlan =
    audio === null ? 'none' : audio === 'aac' && !options.transcode ? 'copy' : 'encode';
  const codecs = audioPlan === 'none' ? H264_CODEC : `${H264_CODEC}, ${AAC_CODEC}`;
  const held = `${probe.videoCodec.toUpperCase()} in ${containerName(probe.container)}`;
  let reason: string;
  if (options.transcode)
    reason = 'The player could not decode this file; Lantern converts it as it plays.';
  else if (copyVideo)
    reason = `${held}: Lantern repackages it as it plays (the picture is untouched).`;
  else reason = `${held} does not play in the app as it is; Lantern converts it as it plays.`;
  return {
    mode: 'stream',
    video: copyVideo ? 'copy' : 'encode',
    audio: audioPlan,
    mime: `video/mp4; codecs="${codecs}"`,
    reason,
  };
}

export type StreamPlan = Extract<PlaybackPlan, { mode: 'stream' }>;

/** Pictures larger than this are scaled down when encoded: a preview, not a master. */
const MAX_ENCODED_HEIGHT = 1080;

/** ffmpeg's arguments for a proxy stream starting `startAt` seconds into `file`. */
export function playbackArgs(
  file: string,
  probe: VideoProbe,
  plan: StreamPlan,
  startAt: number,
): string[] {
  const video =
    plan.video === 'copy'
      ? ['-c:v', 'copy']
      : [
          ...['-c:v', 'libx264', '-preset', 'veryfast', '-tune', 'zerolatency', '-crf', '23'],
          ...['-pix_fmt', 'yuv420p', '-g', '50'],
          // Even sizes (4:2:0), no taller than MAX_ENCODED_HEIGHT, aspect kept.
          ...['-vf', `scale=-2:'min(${MAX_ENCODED_HEIGHT},trunc(ih/2)*2)'`],
        ];
  const audio =
    plan.audio === 'none'
      ? ['-an']
      : plan.audio === 'copy'
        ? ['-map', '0:a:0', '-c:a', 'copy']
        : ['-map', '0:a:0', '-c:a', 'aac', '-b:a', '160k', '-ac', '2'];
  return [
    ...['-hide_banner', '-nostdin', '-loglevel', 'error'],
    // Containers without timestamps on every packet (AVI, raw H.264) need them made up.
    ...['-fflags', '+genpts'],
    ...(startAt > 0 ? ['-ss', startAt.toFixed(3)] : []),
    ...['-i', fileArg(file)],
    ...['-map', `0:${probe.videoStream}`, ...video, ...audio, '-sn', '-dn'],
    ...['-map_metadata', '-1', '-f', 'mp4'],
    // Fragments that Media Source Extensions accept as they arrive: an empty header first,
    // then a fragment at every keyframe and at least once a second.
    ...['-movflags', 'frag_keyframe+empty_moov+default_base_moof', '-frag_duration', '1000000'],
    'pipe:1',
  ];
}

/**
 * ffmpeg's copy seeks this much before the asked time when the video has B-frames (its
 * "dts heuristic", 3/23 s); asking this much after a keyframe makes the copy start on it.
 */
const COPY_SEEK_MARGIN = 0.2;

export interface PlaybackStream {
  /** The proxy's fragmented MP4, as ffmpeg writes it. */
  body: Readable;
  mime: string;
  /** Seconds into the file where the stream's time zero lies. */
  startAt: number;
  /** Stop ffmpeg (idempotent); the request closing calls it. */
  stop(): void;
  /** Resolves when ffmpeg has exited; rejects with its reason when it failed. */
  done: Promise<void>;
}

let encoderCheck: Map<string, Promise<boolean>> | undefined;

/** Whether this ffmpeg can encode H.264 (libx264); asked once per binary. */
export function hasH264Encoder(ff: FfmpegPaths): Promise<boolean> {
  encoderCheck ??= new Map();
  let known = encoderCheck.get(ff.ffmpeg);
  if (!known) {
    known = runTool(ff.ffmpeg, ['-hide_banner', '-encoders'])
      .then((result) => /\blibx264\b/.test(result.stdout.toString('utf8')))
      .catch(() => false);
    encoderCheck.set(ff.ffmpeg, known);
  }
  return known;
}

/**
 * Start a proxy stream of `file` from `start` seconds ([Note: playing what Chromium
 * cannot]). The caller has already decided the file may be served.
 */
export async function openPlaybackStream(
  file: string,
  ff: FfmpegPaths,
  options: { start: number; transcode?: boolean; signal?: AbortSignal },
): Promise<PlaybackStream> {
  const probe = await probeVideo(
    file,
    ff,
    options.signal ? { checkTail: false, signal: options.signal } : { checkTail: false },
  );
  const planned = planPlayback(probe, { transcode: options.transcode === true });
  // A direct file asked for as a stream (a player fallback) is encoded.
  const plan = planned.mode === 'stream' ? planned : planPlayback(probe, { transcode: true });
  if (plan.mode !== 'stream') throw new Error('unreachable: a forced plan is a stream');
  if (plan.video === 'encode' && !(await hasH264Encoder(ff)))
    throw new VideoError(
      'UNSUPPORTED_FORMAT',
      `This ffmpeg cannot encode H.264 (no libx264), so ${probe.videoCodec.toUpperCase()} video cannot be converted for playing. Install an ffmpeg built with libx264, or choose it in Settings.`,
    );
  const start = Math.max(0, Math.min(options.start, Math.max(0, probe.duration - 0.05)));
  const startAt =
    plan.video === 'copy' && start > 0
      ? await keyframeAtOrBefore(file, ff, probe, start, options.signal)
      : start;
  const seekTo = plan.video === 'copy' && startAt > 0 ? startAt + COPY_SEEK_MARGIN : startAt;
  const child = spawnTool(ff.ffmpeg, playbackArgs(file, probe, plan, seekTo));
  return { ...watch(child, file), mime: plan.mime, startAt };
}

function watch(child: ChildProcess, file: string): Pick<PlaybackStream, 'body' | 'stop' | 'done'> {
  let stderr = '';
  let stopped = false;
  child.stderr?.setEncoding('utf8');
  child.stderr?.on('data', (chunk: string) => (stderr = keepTail(stderr, chunk)));
  const stop = () => {
    if (stopped) return;
    stopped = true;
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  };
  const done = new Promise<void>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code) => {
      if (code === 0 || stopped) resolve();
      else
        reject(
          new VideoError(
            'DECODE_FAILED',
            `${file.split(/[\\/]/).at(-1) ?? file} could not be converted for playing: ${ffmpegReason(stderr)}`,
          ),
        );
    });
  });
  const body = child.stdout;
  if (!body) throw new Error('ffmpeg was spawned without a stdout pipe');
  // The reader going away (player closed, seek elsewhere) ends ffmpeg at once.
  body.once('close', stop);
  return { body, stop, done };
}
