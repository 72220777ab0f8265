/**
 * @file Writing one output file with ffmpeg: progress, cancel, and the rule that an
 * original or an existing file is never replaced unless the caller says so. Runs in
 * the engine worker (plain Node).
 *
 * [Note: outputs appear whole or not at all]
 * ffmpeg writes into a hidden partial file beside the destination (same folder, so the
 * final rename never copies across disks) and the partial file becomes the output only
 * when ffmpeg has succeeded. Cancelling or failing removes it. Without `overwrite` the
 * partial file is hard-linked to its name, which fails if a file of that name appeared
 * meanwhile (rename would silently replace it); file systems without hard links (FAT,
 * exFAT on memory cards) fall back to a check and a rename.
 */
import { randomBytes } from 'node:crypto';
import { link, mkdir, realpath, rename, stat, unlink } from 'node:fs/promises';
import path from 'node:path';
import { cancelled, classifyInputError, ffmpegReason, VideoError } from './errors.js';
import { videoExtensions } from './extensions.js';
import { keepTail, spawnTool } from './run.js';

export interface OutputOptions {
  /** Replace an existing file at the destination (never one of the inputs). */
  overwrite?: boolean;
  signal?: AbortSignal;
  /** 0..1 of the output written, from ffmpeg's `-progress` reports. */
  onProgress?: (fraction: number) => void;
}

async function sameFile(a: string, b: string): Promise<boolean> {
  if (path.resolve(a) === path.resolve(b)) return true;
  const [ra, rb] = await Promise.all([
    realpath(a).catch(() => null),
    realpath(b).catch(() => null),
  ]);
  return ra !== null && ra === rb;
}

async function exists(file: string): Promise<boolean> {
  return stat(file).then(
    () => true,
    () => false,
  );
}

/**
 * Containers Lantern writes clips and reels in: those it indexes as videos (a clip cut
 * from any indexed video may keep its extension) plus `.ts`. ffmpeg chooses the
 * container by the extension, so a name without one of these cannot be written.
 */
export const CLIP_EXTENSIONS: readonly string[] = [...videoExtensions, 'ts'];

function checkExtension(out: string): void {
  const ext = path.extname(out).slice(1).toLowerCase();
  if (CLIP_EXTENSIONS.includes(ext)) return;
  throw new VideoError(
    'INVALID_INPUT',
    `${path.basename(out)} ${ext === '' ? 'has no extension' : `ends in .${ext}, which is not a video container`}; the extension chooses the container, so end the name in one of .${CLIP_EXTENSIONS.join(', .')} (.mp4 plays everywhere).`,
  );
}

/**
 * Refuse a destination that has no video extension, is a folder, is one of the inputs,
 * or exists without `overwrite`. Called before anything is written.
 */
export async function checkDestination(out: string, inputs: readonly string[], overwrite: boolean) {
  checkExtension(out);
  const existing = await stat(out).catch(() => null);
  if (existing?.isDirectory()) {
    throw new VideoError(
      'INVALID_INPUT',
      `${out} is a folder; a clip is written as a file, so give a file name (inside it, if you like: ${path.join(out, `clip${path.extname(out) || '.mp4'}`)}).`,
    );
  }
  for (const input of inputs) {
    if (await sameFile(out, input)) {
      throw new VideoError(
        'INVALID_INPUT',
        `${path.basename(out)} is the video being cut; Lantern never writes over an original. Choose another name.`,
      );
    }
  }
  if (!overwrite && existing) {
    throw new VideoError(
      'INVALID_INPUT',
      `${out} already exists; choose another name, or allow overwriting.`,
    );
  }
}

/** Give the finished partial file its name; on any failure the partial file goes. */
async function place(partial: string, out: string, overwrite: boolean): Promise<void> {
  try {
    await moveIntoPlace(partial, out, overwrite);
  } catch (error) {
    await unlink(partial).catch(() => undefined);
    if (error instanceof VideoError) throw error;
    throw new VideoError(
      'STORE_FAILED',
      `${path.basename(out)} was written but could not be given its name in ${path.dirname(out)} (${(error as Error).message}); check that nothing of that name is in the way and try again.`,
      { cause: error },
    );
  }
}

async function moveIntoPlace(partial: string, out: string, overwrite: boolean): Promise<void> {
  if (overwrite) return rename(partial, out);
  try {
    await link(partial, out);
    await unlink(partial);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EEXIST' || (await exists(out))) {
      throw new VideoError(
        'INVALID_INPUT',
        `${out} appeared while it was being written; nothing was replaced.`,
      );
    }
    await rename(partial, out); // no hard links on this file system
  }
}

/**
 * A failed ffmpeg run that is the output's fault, from ffmpeg's words: a line naming the
 * partial file (it could not be created or written: no such folder, permission, space),
 * a full disk, or a container that cannot hold the streams. null: blame the input.
 */
export function outputError(stderr: string, partial: string, out: string): VideoError | null {
  const name = path.basename(out);
  const folder = path.dirname(out);
  const aboutOutput = stderr.split(/\r?\n/).find((line) => line.includes(partial));
  if (aboutOutput !== undefined || /No space left|Disk quota|Read-only file system/i.test(stderr)) {
    // "file:/x/.clip.partial-1a2b.mp4: Permission denied" → "Permission denied".
    const reason = aboutOutput?.split(`${partial}:`).at(-1)?.trim() || ffmpegReason(stderr, 1);
    return new VideoError(
      'STORE_FAILED',
      `${name} could not be written to the folder ${folder} (${reason}); check that the folder exists, is writable and has space, or choose another.`,
    );
  }
  if (
    /Could not write header|not currently supported in container|are supported for|Unable to find a suitable output format/i.test(
      stderr,
    )
  ) {
    return new VideoError(
      'INVALID_INPUT',
      `${name}: a ${path.extname(out)} file cannot hold this video's streams as they are (${muxerReason(stderr)}); choose another extension such as .mkv, or an accurate cut, which re-encodes.`,
    );
  }
  return null;
}

/** The muxer's own line ("Only VP8 or VP9 … are supported for WebM."), else ffmpeg's last. */
function muxerReason(stderr: string): string {
  const line = stderr.split(/\r?\n/).find((l) => /supported/i.test(l));
  const reason = line ? line.replace(/^\[[^\]]*\]\s*/, '') : ffmpegReason(stderr, 1);
  return ffmpegReason(reason, 1).replace(/\.$/, '');
}

/** mkdir's answer when a file stands where a folder of the path should be. */
function inTheWay(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException).code;
  return code === 'EEXIST' || code === 'ENOTDIR';
}

function progressSeconds(line: string): number | null {
  // out_time_us and (despite its name, also microseconds) out_time_ms.
  const match = /^out_time_(?:us|ms)=(\d+)/.exec(line);
  return match ? Number(match[1]) / 1e6 : null;
}

/**
 * Run ffmpeg with `args` (everything but the output) writing `out`. `seconds` is the
 * expected output duration, for progress. Throws VideoError INVALID_INPUT (see
 * checkDestination), CANCELLED, STORE_FAILED (the destination), or the input's error.
 */
export async function writeOutput(
  ffmpeg: string,
  args: readonly string[],
  out: string,
  inputs: readonly string[],
  seconds: number,
  options: OutputOptions,
): Promise<void> {
  const { signal } = options;
  const overwrite = options.overwrite === true;
  const name = path.basename(inputs[0] ?? out);
  await checkDestination(out, inputs, overwrite);
  if (signal?.aborted) throw cancelled(`Writing ${path.basename(out)}`);
  try {
    await mkdir(path.dirname(out), { recursive: true });
  } catch (error) {
    throw new VideoError(
      'STORE_FAILED',
      `The output folder ${path.dirname(out)} could not be made (${inTheWay(error) ? 'a file is in the way: one of its folders is a file' : (error as Error).message}); choose a folder that exists or can be created there.`,
      { cause: error },
    );
  }
  const ext = path.extname(out);
  const partial = path.join(
    path.dirname(out),
    `.${path.basename(out, ext)}.partial-${randomBytes(4).toString('hex')}${ext}`,
  );
  const child = spawnTool(ffmpeg, [
    ...['-hide_banner', '-nostdin', '-nostats', '-loglevel', 'error', '-progress', 'pipe:1'],
    ...args,
    ...['-y', `file:${partial}`],
  ]);
  let stderr = '';
  let buffered = '';
  child.stderr?.setEncoding('utf8');
  child.stderr?.on('data', (chunk: string) => (stderr = keepTail(stderr, chunk)));
  child.stdout?.setEncoding('utf8');
  child.stdout?.on('data', (chunk: string) => {
    const lines = (buffered + chunk).split('\n');
    buffered = lines.pop() ?? '';
    for (const line of lines) {
      const done = progressSeconds(line);
      if (done !== null && seconds > 0) options.onProgress?.(Math.min(1, done / seconds));
    }
  });
  const onAbort = () => child.kill('SIGKILL');
  signal?.addEventListener('abort', onAbort, { once: true });
  const code = await new Promise<number | null>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', resolve);
  }).finally(() => signal?.removeEventListener('abort', onAbort));

  if (signal?.aborted || code !== 0) {
    await unlink(partial).catch(() => undefined);
    if (signal?.aborted) throw cancelled(`Writing ${path.basename(out)}`);
    throw outputError(stderr, partial, out) ?? classifyInputError(stderr, name);
  }
  options.onProgress?.(1);
  await place(partial, out, overwrite);
}
