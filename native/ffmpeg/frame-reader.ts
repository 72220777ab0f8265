/**
 * @file Reading raw RGB frames from an ffmpeg process, each with its presentation time.
 * Runs in the engine worker (plain Node).
 *
 * [Note: frame times come from showinfo on stderr]
 * Raw video on stdout carries pixels only. The filter graph therefore ends in
 * `showinfo`, which logs every frame it passes (`n: 3 pts: 38400 pts_time:3 …`) to
 * stderr, in the same order as the frames leave on stdout; its first lines give the
 * time base ("config in time_base: 1/12800"), so a time is computed as pts × time base
 * exactly, rather than read from pts_time, which is printed to 6 significant digits
 * (0.01 s resolution past 1000 s). Runs use `-copyts` so that timestamps are the file's
 * own (a seek does not restart them at zero) and `-vsync passthrough` so that the
 * raw-video muxer neither duplicates nor drops frames to make a constant rate (it does
 * by default). The file's start time is subtracted, giving the position a player shows.
 */
import type { ChildProcess } from 'node:child_process';
import { cancelled, classifyInputError } from './errors.js';
import { keepTail, spawnTool } from './run.js';

export interface RawFrame {
  /** Seconds from the start of the file. */
  t: number;
  rgb: Buffer;
}

export interface ReadFramesOptions {
  /** Bytes per frame: width × height × 3. */
  frameBytes: number;
  /** Subtracted from each timestamp: the file's start time (VideoProbe.startTime). */
  startTime: number;
  signal?: AbortSignal | undefined;
  /** The file's name, for error sentences. */
  name: string;
}

const SHOWINFO_FRAME =
  /\[Parsed_showinfo_\d+ @ [^\]]+\] n:\s*\d+ pts:\s*(-?\d+|NOPTS)\s+pts_time:(\S+)/;
const SHOWINFO_TIMEBASE = /\[Parsed_showinfo_\d+ @ [^\]]+\] config in time_base: (\d+)\/(\d+)/;

/** Parses showinfo's stderr into a queue of frame times; wakes a reader waiting for one. */
class FrameTimes {
  private readonly times: number[] = [];
  private partial = '';
  private timeBase: number | null = null;
  private waiter: (() => void) | null = null;
  ended = false;
  /** stderr without showinfo's per-frame lines, for error sentences. */
  log = '';

  constructor(private readonly startTime: number) {}

  write(chunk: string): void {
    const lines = (this.partial + chunk).split('\n');
    this.partial = lines.pop() ?? '';
    for (const line of lines) this.line(line);
    this.wake();
  }

  end(): void {
    if (this.partial !== '') this.line(this.partial);
    this.partial = '';
    this.ended = true;
    this.wake();
  }

  private line(line: string): void {
    const base = SHOWINFO_TIMEBASE.exec(line);
    if (base) {
      this.timeBase = Number(base[1]) / Number(base[2]);
      return;
    }
    const frame = SHOWINFO_FRAME.exec(line);
    if (!frame) {
      if (!line.includes('[Parsed_showinfo_')) this.log = keepTail(this.log, `${line}\n`);
      return;
    }
    const [, pts, ptsTime] = frame;
    const exact = pts !== 'NOPTS' && this.timeBase !== null ? Number(pts) * this.timeBase : NaN;
    this.times.push((Number.isFinite(exact) ? exact : Number(ptsTime)) - this.startTime);
  }

  private wake(): void {
    const waiter = this.waiter;
    this.waiter = null;
    waiter?.();
  }

  /** The next frame's time; waits for stderr to catch up with stdout. Null: stderr ended without it. */
  async next(): Promise<number | null> {
    while (this.times.length === 0 && !this.ended) {
      await new Promise<void>((resolve) => (this.waiter = resolve));
    }
    return this.times.shift() ?? null;
  }
}

function exited(child: ChildProcess): Promise<number | null> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(child.exitCode);
  return new Promise((resolve) => child.once('close', (code: number | null) => resolve(code)));
}

/**
 * Run ffmpeg with `args` (which must end in a showinfo filter and raw rgb24 on pipe:1)
 * and yield its frames. Reading is pulled: while the consumer does not ask for the
 * next frame, the pipe fills and ffmpeg waits, so memory stays at a frame or two.
 * Stopping early (break, return, abort) kills ffmpeg. Throws VideoError CANCELLED on
 * abort, and the classified input error when ffmpeg fails.
 */
export async function* readFrames(
  ffmpeg: string,
  args: readonly string[],
  options: ReadFramesOptions,
): AsyncGenerator<RawFrame> {
  const { signal, frameBytes, name } = options;
  if (signal?.aborted) throw cancelled(`Sampling ${name}`);
  const child = spawnTool(ffmpeg, args);
  const closed = exited(child);
  const times = new FrameTimes(options.startTime);
  const failed: { error: Error | null } = { error: null };
  child.once('error', (error) => (failed.error = error));
  child.stderr?.setEncoding('utf8');
  child.stderr?.on('data', (chunk: string) => times.write(chunk));
  child.stderr?.once('close', () => times.end());
  const onAbort = () => child.kill('SIGKILL');
  signal?.addEventListener('abort', onAbort, { once: true });

  try {
    let pending: Buffer[] = [];
    let pendingBytes = 0;
    for await (const chunk of child.stdout! as AsyncIterable<Buffer>) {
      pending.push(chunk);
      pendingBytes += chunk.length;
      while (pendingBytes >= frameBytes) {
        const joined = pending.length === 1 ? pending[0]! : Buffer.concat(pending, pendingBytes);
        const rgb = Buffer.from(joined.subarray(0, frameBytes)); // own copy: the rest is reused
        const rest = joined.subarray(frameBytes);
        pending = rest.length > 0 ? [rest] : [];
        pendingBytes = rest.length;
        const t = await times.next();
        if (t === null) throw new Error('ffmpeg wrote a frame that showinfo did not log');
        yield { t, rgb };
      }
    }
    const code = await closed;
    if (signal?.aborted) throw cancelled(`Sampling ${name}`);
    if (failed.error !== null) throw failed.error;
    if (code !== 0) throw classifyInputError(times.log, name);
  } finally {
    signal?.removeEventListener('abort', onAbort);
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  }
}
