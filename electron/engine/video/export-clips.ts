/**
 * @file Exporting scenes as clips (engine): one clip per range, or all ranges joined
 * into one highlight reel, into a folder, never over an original or an existing file
 * unless asked; names are safe on every platform.
 */
import { mkdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import {
  cutClip,
  freeOutputPath,
  joinClips,
  locateFfmpeg,
  probeVideo,
  safeClipName,
  type FfmpegTools,
} from '../../../native/ffmpeg/index.js';
import { LanternError } from '../../shared/errors.js';
import type { ClipMode, ClipResult } from '../../shared/types.js';

export interface ExportOptions {
  mode: ClipMode;
  outDir: string;
  /** All ranges joined into one file instead of one file per range. */
  join?: boolean;
  overwrite?: boolean;
  /** Exact file name for a single clip (`lantern cut --out`); else names are derived. */
  fileName?: string;
  signal?: AbortSignal;
  /** 0..1 over the whole export. */
  onProgress?: (fraction: number) => void;
}

/**
 * The ffmpeg to cut with when no library is open (`lantern cut`): the one from
 * LANTERN_FFMPEG / LANTERN_FFPROBE, else the bundled one, else the system's.
 */
export async function ffmpegForClips(): Promise<FfmpegTools> {
  return locateFfmpeg();
}

export function requireFfmpeg(ffmpeg: FfmpegTools | string): FfmpegTools {
  if (typeof ffmpeg === 'string') throw new LanternError('NOT_FOUND', ffmpeg);
  return ffmpeg;
}

export async function exportClips(
  ffmpeg: FfmpegTools,
  video: string,
  ranges: readonly { start: number; end: number }[],
  options: ExportOptions,
): Promise<ClipResult[]> {
  // No mkdir here: writeOutput makes the folder once the clip's name has been checked, so
  // a refused clip leaves no empty folder behind.
  const probe = await probeVideo(video, ffmpeg, options.signal ? { signal: options.signal } : {});
  const ext = path.extname(video) || '.mp4';
  const parts = options.join
    ? path.join(os.tmpdir(), `lantern-reel-${process.pid}-${Date.now()}`)
    : options.outDir;
  if (options.join) await mkdir(parts, { recursive: true });
  const clips: ClipResult[] = [];
  try {
    for (const [i, range] of ranges.entries()) {
      const name = safeClipName(video, range.start, range.end, ext);
      // A name the person gave is used as is (cutClip refuses it if it exists, unless
      // overwrite); derived names step aside from existing files.
      const given = options.fileName && ranges.length === 1 && !options.join;
      const out = given
        ? path.join(parts, options.fileName ?? name)
        : options.overwrite
          ? path.join(parts, name)
          : await freeOutputPath(parts, name, ext);
      const clip = await cutClip(video, ffmpeg, {
        start: range.start,
        // Unclamped: cutClip cuts at the video's end and names the real duration when
        // the whole range lies past it.
        end: range.end,
        out,
        mode: options.mode,
        probe,
        ...(options.overwrite !== undefined ? { overwrite: options.overwrite } : {}),
        ...(options.signal ? { signal: options.signal } : {}),
        onProgress: (fraction) =>
          options.onProgress?.((i + fraction) / (ranges.length + (options.join ? 1 : 0))),
      });
      clips.push(clip);
    }
    if (!options.join) return clips;
    const reelName = `${path.basename(video, ext)} highlights${ext}`;
    const out = options.overwrite
      ? path.join(options.outDir, reelName)
      : await freeOutputPath(options.outDir, reelName, ext);
    const reel = await joinClips(
      clips.map((clip) => clip.out),
      out,
      ffmpeg,
      {
        ...(options.overwrite !== undefined ? { overwrite: options.overwrite } : {}),
        ...(options.signal ? { signal: options.signal } : {}),
      },
    );
    const first = clips[0];
    const last = clips.at(-1);
    return [
      { out: reel.out, start: first?.start ?? 0, end: last?.end ?? 0, duration: reel.duration },
    ];
  } finally {
    if (options.join) await rm(parts, { recursive: true, force: true });
  }
}
