/**
 * @file Benchmark piece: Lantern's frame sampling (native/ffmpeg sampleFrames) against a
 * full decode of the same file (`ffmpeg -i FILE -f null -`), on a generated 1080p H.264
 * video of five minutes, measured one after the other on the same machine. Plain Node;
 * the main benchmark (main.ts) calls benchmarkVideoSampling and reports its figures.
 * Target (issue 4): sampling ≤ 0.5 × the full decode.
 */
import { execFile } from 'node:child_process';
import { mkdir, readFile, rename, stat } from 'node:fs/promises';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { promisify } from 'node:util';
import { locateFfmpeg, probeVideo, sampleFrames } from '../../native/ffmpeg/index.js';
import type { FfmpegTools } from '../../native/ffmpeg/index.js';

const run = promisify(execFile);

export interface VideoSamplingOptions {
  /**
   * Seconds between keyframes in the generated video. Default 1: what phones and
   * cameras write (0.5–2 s). 250 / 30 ≈ 8.3 s is x264's default, the long-GOP case in
   * which sampling every 2 s needs most of a full decode (native/ffmpeg/sample.ts).
   */
  keyframeInterval?: number;
  /** Length of the generated video, seconds (default 300: the five minutes). */
  seconds?: number;
  maxInterval?: number;
  /** Runs of each side, alternating; the fastest counts (default 3). */
  repeats?: number;
  ff?: FfmpegTools;
}

export interface VideoSamplingResult {
  /** Wall-clock seconds, the fastest of the runs. */
  sampleSeconds: number;
  fullDecodeSeconds: number;
  /** sampleSeconds / fullDecodeSeconds. */
  ratio: number;
  /**
   * CPU seconds (user + system) of the ffmpeg processes, fastest run; null off Linux.
   * Steadier than wall time on a shared machine: other load stretches the wall clock,
   * not the work done.
   */
  sampleCpuSeconds: number | null;
  fullDecodeCpuSeconds: number | null;
  cpuRatio: number | null;
  /** Frames sampleFrames yielded. */
  frames: number;
  videoSeconds: number;
  /** Which ffmpeg ran, for the report. */
  ffmpeg: string;
  keyframeInterval: number;
}

const FPS = 30;

/**
 * testsrc2 (moving patterns, a running counter) with its hue turned every 7.3 s: a cut
 * the scene detector must see, placed off the keyframe grid on purpose. ultrafast keeps
 * generation to a few minutes on two cores; its scenecut is off, so keyframes fall on
 * the fixed grid only, as a phone's hardware encoder places them.
 */
export async function benchVideo(
  dir: string,
  ff: FfmpegTools,
  seconds: number,
  gopSeconds: number,
): Promise<string> {
  const gop = Math.max(1, Math.round(gopSeconds * FPS));
  const file = path.join(dir, `video-1080p-${seconds}s-gop${gop}.mp4`);
  if (
    await stat(file).then(
      (s) => s.size > 0,
      () => false,
    )
  )
    return file;
  await mkdir(dir, { recursive: true });
  const partial = `${file}.partial.mp4`;
  await run(ff.ffmpeg, [
    ...['-hide_banner', '-nostdin', '-loglevel', 'error', '-y'],
    ...['-f', 'lavfi', '-i', `testsrc2=s=1920x1080:r=${FPS}:d=${seconds}`],
    ...['-vf', "hue=h='51*floor(t/7.3)'"],
    ...[
      '-c:v',
      'libx264',
      '-preset',
      'ultrafast',
      '-crf',
      '23',
      '-g',
      String(gop),
      '-pix_fmt',
      'yuv420p',
    ],
    partial,
  ]);
  await rename(partial, file);
  return file;
}

/**
 * CPU seconds used so far by this process's finished children: `cutime` + `cstime` of
 * /proc/self/stat (fields 16 and 17, in USER_HZ ticks, 100 a second on Linux). Node
 * reaps its children, so every ffmpeg that has exited is counted. Null off Linux.
 */
async function childCpuSeconds(): Promise<number | null> {
  try {
    const stat = await readFile('/proc/self/stat', 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // Fields after "(comm)" start at field 3, so field n is fields[n - 3].
    return (Number(fields[13]) + Number(fields[14])) / 100;
  } catch {
    return null;
  }
}

async function measure(
  work: () => Promise<unknown>,
): Promise<{ wall: number; cpu: number | null }> {
  const cpuBefore = await childCpuSeconds();
  const started = performance.now();
  await work();
  const wall = (performance.now() - started) / 1000;
  const cpuAfter = await childCpuSeconds();
  return { wall, cpu: cpuBefore !== null && cpuAfter !== null ? cpuAfter - cpuBefore : null };
}

/** Generate (once, cached in `dir`) and measure. */
export async function benchmarkVideoSampling(
  dir: string,
  options: VideoSamplingOptions = {},
): Promise<VideoSamplingResult> {
  const ff = options.ff ?? (await locateFfmpeg());
  const keyframeInterval = options.keyframeInterval ?? 1;
  const file = await benchVideo(dir, ff, options.seconds ?? 300, keyframeInterval);
  const probe = await probeVideo(file, ff);

  const full = { wall: Infinity, cpu: Infinity };
  const sample = { wall: Infinity, cpu: Infinity };
  let frames = 0;
  const sampling = options.maxInterval === undefined ? {} : { maxInterval: options.maxInterval };
  for (let i = 0; i < (options.repeats ?? 3); i++) {
    const decode = await measure(() =>
      run(ff.ffmpeg, [
        '-hide_banner',
        '-nostdin',
        '-loglevel',
        'error',
        '-i',
        file,
        '-f',
        'null',
        '-',
      ]),
    );
    const sampled = await measure(async () => {
      frames = 0;
      for await (const frame of sampleFrames(file, ff, { ...sampling, probe }))
        frames += frame.t >= 0 ? 1 : 0;
    });
    for (const [best, got] of [
      [full, decode],
      [sample, sampled],
    ] as const) {
      best.wall = Math.min(best.wall, got.wall);
      best.cpu = Math.min(best.cpu, got.cpu ?? NaN);
    }
  }
  const cpu = (value: number) => (Number.isFinite(value) ? value : null);
  const [sampleCpuSeconds, fullDecodeCpuSeconds] = [cpu(sample.cpu), cpu(full.cpu)];
  const sampleSeconds = sample.wall;
  const fullDecodeSeconds = full.wall;

  return {
    sampleSeconds,
    fullDecodeSeconds,
    ratio: sampleSeconds / fullDecodeSeconds,
    sampleCpuSeconds,
    fullDecodeCpuSeconds,
    cpuRatio:
      sampleCpuSeconds !== null && fullDecodeCpuSeconds !== null
        ? sampleCpuSeconds / fullDecodeCpuSeconds
        : null,
    frames,
    videoSeconds: probe.duration,
    ffmpeg: `${ff.version} (${ff.source})`,
    keyframeInterval,
  };
}
