/**
 * @file Keyframes of a video from its packet flags (demuxing only, nothing decoded), and
 * which of them a stream-copied clip really starts on. Runs in the engine worker (plain
 * Node). Why the start must be read back rather than predicted: [Note: what a fast cut
 * really contains] in cut.ts.
 */
import path from 'node:path';
import type { FfmpegPaths } from './locate.js';
import { fileArg } from './probe.js';
import type { VideoProbe } from './probe.js';
import { runTool } from './run.js';

/** A keyframe packet: its time from the start of the file and a hash of its bytes. */
export interface Keyframe {
  t: number;
  hash: string;
}

interface PacketJson {
  pts_time?: string;
  flags?: string;
  data_hash?: string;
}

/** First window searched before a time for keyframes; doubled until enough are found. */
const KEYFRAME_WINDOW = 12;

/**
 * The keyframes of the video stream between `from` and `to` (seconds from the start of
 * the file), each with an MD5 of its packet. Stream copy moves packets byte for byte, so
 * the hash recognises a keyframe again inside a clip.
 */
async function keyframesBetween(
  file: string,
  ff: FfmpegPaths,
  probe: Pick<VideoProbe, 'videoStream' | 'startTime'>,
  from: number,
  to: number,
  signal?: AbortSignal,
): Promise<Keyframe[]> {
  const { stdout } = await runTool(
    ff.ffprobe,
    [
      ...['-v', 'error', '-select_streams', String(probe.videoStream)],
      // read_intervals takes the stream's own timestamps, which include the start time.
      ...[
        '-read_intervals',
        `${(from + probe.startTime).toFixed(6)}%${(to + probe.startTime).toFixed(6)}`,
      ],
      ...['-show_data_hash', 'MD5', '-show_entries', 'packet=pts_time,flags,data_hash'],
      ...['-of', 'json', '-i', fileArg(file)],
    ],
    signal ? { signal, what: `Finding the keyframes in ${path.basename(file)}` } : {},
  );
  const packets = parsePackets(stdout);
  return packets
    .filter((p) => p.flags?.includes('K') === true && p.pts_time !== undefined)
    .map((p) => ({
      t: Number.parseFloat(p.pts_time ?? '') - probe.startTime,
      hash: p.data_hash ?? '',
    }))
    .filter((k) => Number.isFinite(k.t) && k.t <= to)
    .sort((a, b) => a.t - b.t);
}

function parsePackets(stdout: Buffer): PacketJson[] {
  try {
    const json = JSON.parse(stdout.toString('utf8')) as { packets?: PacketJson[] };
    return json.packets ?? [];
  } catch {
    return []; // no packets is answered by the callers' fallbacks
  }
}

/**
 * The keyframes at or before `t`, latest last: at least `count` of them (fewer only when
 * the file has fewer before `t`).
 */
export async function keyframesBefore(
  file: string,
  ff: FfmpegPaths,
  probe: Pick<VideoProbe, 'videoStream' | 'startTime'>,
  t: number,
  count: number,
  signal?: AbortSignal,
): Promise<Keyframe[]> {
  for (let window = KEYFRAME_WINDOW; ; window *= 2) {
    const from = Math.max(0, t - window);
    // 1 ms: times are printed rounded to the microsecond.
    const found = await keyframesBetween(file, ff, probe, from, t + 0.001, signal);
    if (found.length >= count || from === 0) return found;
  }
}

/**
 * The time of the last keyframe of the video stream at or before `t` (seconds from the
 * start of the file), from packet flags: where a fast cut would start if ffmpeg seeked
 * exactly (it does not always: see [Note: what a fast cut really contains] in cut.ts).
 */
export async function keyframeAtOrBefore(
  file: string,
  ff: FfmpegPaths,
  probe: VideoProbe,
  t: number,
  signal?: AbortSignal,
): Promise<number> {
  const found = await keyframesBefore(file, ff, probe, t, 1, signal);
  return Math.max(0, found.at(-1)?.t ?? 0);
}

/** The hash of the first video packet of a file: a clip's opening keyframe. */
export async function firstVideoPacketHash(
  file: string,
  ff: FfmpegPaths,
  signal?: AbortSignal,
): Promise<string | null> {
  const { stdout } = await runTool(
    ff.ffprobe,
    [
      ...['-v', 'error', '-select_streams', 'v:0', '-read_intervals', '%+#1'],
      ...['-show_data_hash', 'MD5', '-show_entries', 'packet=data_hash'],
      ...['-of', 'json', '-i', fileArg(file)],
    ],
    signal ? { signal, what: `Reading ${path.basename(file)}` } : {},
  );
  return parsePackets(stdout)[0]?.data_hash ?? null;
}

/**
 * Which of `candidates` (keyframes of the source) a stream-copied clip starts on. The
 * clip's first packet is one of them byte for byte; when several look alike (a still
 * scene encodes to identical keyframes), or none does (a container change rewrote the
 * packets), the copy's own arithmetic decides: it ran from its keyframe to about the
 * requested end, so its keyframe is the candidate nearest to `end - duration`.
 */
export function clipStartKeyframe(
  candidates: readonly Keyframe[],
  clipHash: string | null,
  end: number,
  duration: number,
): number {
  const matching = candidates.filter((k) => clipHash !== null && k.hash === clipHash);
  const pool = matching.length > 0 ? matching : candidates;
  const estimate = end - duration;
  let best: Keyframe | undefined;
  for (const k of pool)
    if (best === undefined || Math.abs(k.t - estimate) < Math.abs(best.t - estimate)) best = k;
  return Math.max(0, best?.t ?? 0);
}
