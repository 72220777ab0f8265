/**
 * @file `lantern cut`: one range of a video written as its own file. It needs ffmpeg and
 * nothing else: no model, no library (STYLE.md: a command that cuts a clip loads no
 * model), so it works on a machine where no model was ever downloaded and never creates
 * a library folder.
 */
import { stat } from 'node:fs/promises';
import path from 'node:path';
import { exportClips, ffmpegForClips } from '../engine/video/export-clips.js';
import { LanternError } from '../shared/errors.js';
import { need, type CliArgs } from './args.js';
import { cutLine, print } from './terminal-text.js';

/**
 * The command line's own words for the two destination mistakes a person makes with
 * --out; the clip writer refuses both too (output.ts checkDestination), but in words
 * that cannot name this command's options.
 */
async function checkOut(out: string, overwrite: boolean): Promise<void> {
  const existing = await stat(out).catch(() => null);
  if (existing?.isDirectory()) {
    throw new LanternError(
      'INVALID_INPUT',
      `--out ${out} is a folder; give the clip's file name, e.g. --out ${path.join(out, 'clip.mp4')} (--overwrite never replaces a folder).`,
    );
  }
  if (existing && !overwrite) {
    throw new LanternError(
      'INVALID_INPUT',
      `${out} already exists; choose another --out name, or add --overwrite to replace it.`,
    );
  }
}

export async function runCut(args: CliArgs): Promise<number> {
  const video = need(args.positionals[0], 'the video to cut');
  if (args.start === undefined || args.end === undefined) need(undefined, '--start and --end');
  const out = path.resolve(need(args.out, '--out FILE for the clip'));
  await checkOut(out, args.overwrite);
  const ffmpeg = await ffmpegForClips();
  const controller = new AbortController();
  const stop = () => controller.abort();
  process.once('SIGINT', stop);
  try {
    const [clip] = await exportClips(
      ffmpeg,
      path.resolve(video),
      [{ start: args.start ?? 0, end: args.end ?? 0 }],
      {
        mode: args.mode,
        outDir: path.dirname(out),
        overwrite: args.overwrite,
        signal: controller.signal,
        fileName: path.basename(out),
      },
    );
    if (!clip) throw new LanternError('INTERNAL', 'No clip was written.');
    print(args, clip, () => cutLine(clip));
    return 0;
  } finally {
    process.off('SIGINT', stop);
  }
}
