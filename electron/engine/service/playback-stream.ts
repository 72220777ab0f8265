/**
 * @file The proxy stream behind a media URL with `stream=<seconds>` ([Note: playing what
 * Chromium cannot] in native/ffmpeg/playback.ts), shared by the browser shell's /media
 * and the desktop app's media://: the query's meaning, the answer's headers, and the
 * sentence a refusal carries. Which file may be served is decided before, by
 * openServableMedia; this module only turns an allowed video into a stream.
 */
import path from 'node:path';
import { locateFfmpeg, type FfmpegPaths, type FfmpegTools } from '../../../native/ffmpeg/locate.js';
import {
  hasH264Encoder,
  openPlaybackStream,
  planPlayback,
  type PlaybackStream,
} from '../../../native/ffmpeg/playback.js';
import { probeVideo } from '../../../native/ffmpeg/probe.js';
import { LanternError } from '../../shared/errors.js';
import type { PlaybackInfo } from '../../shared/types.js';

export type { FfmpegPaths };

export interface StreamQuery {
  /** Seconds into the file. */
  start: number;
  /** Encode even what could be copied: the player's fallback after a decode error. */
  transcode: boolean;
}

/** The stream a media URL asks for, or null when it asks for the file itself. */
export function streamQuery(params: URLSearchParams): StreamQuery | null {
  const raw = params.get('stream');
  if (raw === null) return null;
  const start = Number(raw);
  return {
    start: Number.isFinite(start) && start > 0 ? start : 0,
    transcode: params.get('transcode') === '1',
  };
}

/** Header that tells the player where the stream's time zero lies in the file. */
export const STREAM_START_HEADER = 'X-Lantern-Stream-Start';

export type StreamAnswer =
  | { ok: true; stream: PlaybackStream; headers: Record<string, string> }
  | { ok: false; status: number; message: string };

/**
 * Start the proxy of `file` (already allowed). `ffmpeg` is the engine's tools, or the
 * sentence saying why there are none.
 */
export async function answerStream(
  file: string,
  ffmpeg: FfmpegPaths | string,
  query: StreamQuery,
): Promise<StreamAnswer> {
  if (typeof ffmpeg === 'string') return { ok: false, status: 503, message: ffmpeg };
  try {
    const stream = await openPlaybackStream(file, ffmpeg, query);
    // A failure after the headers went out only ends the body early; the player then
    // reports the stream as cut short. Logged here, where the reason is known.
    stream.done.catch((error: unknown) => console.error(String(error)));
    return {
      ok: true,
      stream,
      headers: {
        'Content-Type': stream.mime,
        [STREAM_START_HEADER]: stream.startAt.toFixed(6),
        // Each stream is made for one player; nothing may keep or reuse it.
        'Cache-Control': 'no-store',
      },
    };
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    return { ok: false, status: 422, message };
  }
}

let located: Promise<FfmpegTools | string> | undefined;

/**
 * The ffmpeg the desktop app's main process streams with: found the way the engine
 * finds its own (configured, bundled, else the system's), once.
 */
export function mainProcessFfmpeg(): Promise<FfmpegTools | string> {
  located ??= locateFfmpeg().catch((error: unknown) =>
    error instanceof Error ? error.message : String(error),
  );
  return located;
}

/**
 * How the player should open `file` (already allowed): contract channel media:playback.
 * Without ffmpeg nothing can be probed or converted, so the player tries the file as it
 * is and says why a failure cannot be helped.
 */
export async function playbackInfo(
  file: string,
  ffmpeg: FfmpegPaths | string,
  transcode: boolean,
): Promise<PlaybackInfo> {
  if (typeof ffmpeg === 'string')
    return { mode: 'direct', mime: null, duration: 0, reason: ffmpeg };
  const probe = await probeVideo(file, ffmpeg, { checkTail: false });
  const plan = planPlayback(probe, { transcode });
  if (plan.mode === 'direct')
    return { mode: 'direct', mime: null, duration: probe.duration, reason: plan.reason };
  if (plan.video === 'encode' && !(await hasH264Encoder(ffmpeg)))
    throw new LanternError(
      'UNSUPPORTED_FORMAT',
      `${path.basename(file)} needs converting to play (${plan.reason.split(':')[0]}), and this ffmpeg has no H.264 encoder (libx264). Install an ffmpeg built with libx264 and set LANTERN_FFMPEG to it.`,
    );
  return { mode: 'stream', mime: plan.mime, duration: probe.duration, reason: plan.reason };
}
