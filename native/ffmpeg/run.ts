/**
 * @file Running ffmpeg and ffprobe as child processes: collect their output, end them
 * on an AbortSignal. Runs in the engine worker (plain Node).
 *
 * [Note: spawn ffmpeg directly, not through fluent-ffmpeg]
 * DESIGN.md names fluent-ffmpeg, but Lantern spawns the binaries itself. fluent-ffmpeg
 * was archived by its author in May 2025 and is deprecated on npm (issue #1324 of
 * fluent-ffmpeg/node-fluent-ffmpeg: "just a fancy command-line generator"); its ffprobe
 * wrapper parses ffprobe's INI-style output, which has broken on display-matrix side
 * data before (#457), and it has no AbortSignal. What Lantern needs is a handful of
 * fixed command lines, a byte-exact raw-video pipe, `-progress pipe:1` parsing and a
 * kill switch: `child_process.spawn` plus `ffprobe -print_format json` do all of that
 * with nothing between Lantern and ffmpeg's documented command line.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { cancelled } from './errors.js';

export interface RunResult {
  /** Exit code; null when the process was ended by a signal. */
  code: number | null;
  stdout: Buffer;
  stderr: string;
}

export interface RunOptions {
  signal?: AbortSignal | undefined;
  /** What the CANCELLED sentence calls this run ("Probing clip.mp4"). */
  what?: string;
}

/**
 * stderr kept per run: ffmpeg can log a line per frame (showinfo), and only the tail
 * carries the reason for a failure, so the head is dropped past this many characters.
 */
const STDERR_KEEP = 64 * 1024;

/** Spawn without a console window (Windows) and without stdin: ffmpeg must never wait on a prompt. */
export function spawnTool(bin: string, args: readonly string[]): ChildProcess {
  return spawn(bin, args, { stdio: ['ignore', 'pipe', 'pipe'], windowsHide: true });
}

/** Append to a bounded stderr buffer. */
export function keepTail(buffer: string, chunk: string): string {
  const joined = buffer + chunk;
  return joined.length > STDERR_KEEP ? joined.slice(joined.length - STDERR_KEEP) : joined;
}

/**
 * Run a tool to completion and collect its output. Resolves whatever the exit code
 * (callers read stderr to say why); rejects when the binary cannot be started (the
 * spawn error, e.g. ENOENT) or with CANCELLED when `signal` aborts, after the process
 * has been killed.
 */
export function runTool(
  bin: string,
  args: readonly string[],
  options: RunOptions = {},
): Promise<RunResult> {
  const { signal } = options;
  if (signal?.aborted) return Promise.reject(cancelled(options.what ?? 'The operation'));
  return new Promise((resolve, reject) => {
    const child = spawnTool(bin, args);
    const out: Buffer[] = [];
    let stderr = '';
    let aborted = false;
    const onAbort = () => {
      aborted = true;
      child.kill('SIGKILL');
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    child.stdout?.on('data', (chunk: Buffer) => out.push(chunk));
    child.stderr?.setEncoding('utf8');
    child.stderr?.on('data', (chunk: string) => (stderr = keepTail(stderr, chunk)));
    child.once('error', (error) => {
      signal?.removeEventListener('abort', onAbort);
      reject(error);
    });
    child.once('close', (code) => {
      signal?.removeEventListener('abort', onAbort);
      if (aborted) reject(cancelled(options.what ?? 'The operation'));
      else resolve({ code, stdout: Buffer.concat(out), stderr });
    });
  });
}
