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

/** Refuse a destination that is one of the inputs, or that exists without `overwrite`. */
export async function checkDestination(out: string, inputs: readonly string[], overwrite: boolean) {
  for (const input of inputs) {
    if (await sameFile(out, input)) {
      throw new VideoError(
        'INVALID_INPUT',
        `${path.basename(out)} is the video being cut; Lantern never writes over an original. Choose another name.`,
      );
    }
  }
  if (!overwrite && (await exists(out))) {
    throw new VideoError(
      'INVALID_INPUT',
      `${out} already exists; choose another name, or allow overwriting.`,
    );
  }
}

async function place(partial: string, out: string, overwrite: boolean): Promise<void> {
  if (overwrite) return rename(partial, out);
  try {
    await link(partial, out);
    await unlink(partial);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EEXIST' || (await exists(out))) {
      await unlink(partial).catch(() => undefined);
      throw new VideoError(
        'INVALID_INPUT',
        `${out} appeared while it was being written; nothing was replaced.`,
      );
    }
    await rename(partial, out); // no hard links on this file system
  }
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
      `The folder ${path.dirname(out)} could not be made (${(error as Error).message}).`,
      {
        cause: error,
      },
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
    if (
      /No space left|Permission denied|Read-only file system|Disk quota/i.test(stderr) &&
      stderr.includes(partial)
    ) {
      throw new VideoError(
        'STORE_FAILED',
        `${path.basename(out)} could not be written to ${path.dirname(out)} (${ffmpegReason(stderr, 1)}); check the folder is writable and the disk has space.`,
      );
    }
    throw classifyInputError(stderr, name);
  }
  options.onProgress?.(1);
  await place(partial, out, overwrite);
}
