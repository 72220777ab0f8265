/**
 * @file Benchmark part for video (issue 4): Lantern's frame sampling against a full
 * decode of the same 5-minute 1080p H.264 file (video-sampling.ts), and end-to-end video
 * indexing with the ViT-B/32-sized model as a multiple of real time, in a fresh child.
 * Plain Node, bundled into out/bench.js.
 */
import { mkdir, rm, symlink } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Library } from '../../electron/engine/library.js';
import { locateFfmpeg } from '../../native/ffmpeg/index.js';
import { cpuSecondsSince, peakRssMiB } from './measure.js';
import { benchmarkVideoSampling, benchVideo, type VideoSamplingResult } from './video-sampling.js';
import { BENCH_MODEL_ID } from './vit-model.js';

export interface VideoIndexResult {
  videoSeconds: number;
  indexSeconds: number;
  /** Seconds of video indexed per second of wall clock. */
  realtime: number;
  frames: number;
  cpuUtilisation: number;
  peakRssMiB: number;
}

export interface VideoBench {
  sampling: VideoSamplingResult;
  index: VideoIndexResult;
  file: string;
}

/** The cached benchmark video (generated on first use: several minutes on 2 cores). */
export async function benchVideoFile(cacheDir: string): Promise<string> {
  return benchVideo(cacheDir, await locateFfmpeg(), 300, 1);
}

/** Child side of `video-index <video> <dbDir> <modelsDir>`. */
export async function videoIndexChild(
  video: string,
  dbDir: string,
  modelsDir: string,
): Promise<VideoIndexResult> {
  await rm(dbDir, { recursive: true, force: true });
  const folder = path.join(dbDir, 'videos');
  await mkdir(folder, { recursive: true });
  await symlink(video, path.join(folder, path.basename(video)));
  const library = await Library.open({
    dbDir: path.join(dbDir, 'db'),
    modelsDir,
    modelId: BENCH_MODEL_ID,
    provider: 'cpu',
  });
  const cpu = process.cpuUsage();
  const started = performance.now();
  const report = await library.index([folder]);
  const indexSeconds = (performance.now() - started) / 1000;
  const cpuSeconds = cpuSecondsSince(cpu);
  const [row] = await library.store.listMedia({ where: "kind = 'video'" });
  const frames = row ? (await library.store.frames.ofVideo(row.id)).length : 0;
  await library.close();
  await rm(dbDir, { recursive: true, force: true });
  if (!row || report.indexed !== 1)
    throw new Error(`the benchmark video was not indexed: ${JSON.stringify(report.failed)}`);
  const videoSeconds = row.duration ?? 0;
  return {
    videoSeconds,
    indexSeconds,
    realtime: videoSeconds / indexSeconds,
    frames,
    cpuUtilisation: cpuSeconds / (indexSeconds * os.availableParallelism()),
    peakRssMiB: peakRssMiB(),
  };
}

export async function measureVideoSampling(
  cacheDir: string,
  repeats: number,
): Promise<VideoSamplingResult> {
  return benchmarkVideoSampling(cacheDir, { repeats });
}

export function renderVideoSection(bench: VideoBench): string {
  const s = bench.sampling;
  const i = bench.index;
  const cpu =
    s.cpuRatio === null
      ? ''
      : ` (CPU seconds ${s.sampleCpuSeconds?.toFixed(2)} against ${s.fullDecodeCpuSeconds?.toFixed(2)}: ${s.cpuRatio.toFixed(3)})`;
  return [
    '## Video',
    '',
    'Command: `npm run bench` (the whole report) or `npm run bench -- --video-only` (this section alone).',
    '',
    `A generated ${Math.round(s.videoSeconds)} s 1080p H.264 video at 30 fps with a keyframe every ${s.keyframeInterval} s (what phones and cameras write) and a cut every 7.3 s, cached as \`.cache/bench/${path.basename(bench.file)}\`; ffmpeg ${s.ffmpeg}.`,
    '',
    '| figure | value | target | |',
    '| --- | --- | --- | --- |',
    `| frame sampling ÷ full decode (\`ffmpeg -i FILE -f null -\`) | ${s.ratio.toFixed(3)} (${s.sampleSeconds.toFixed(2)} s against ${s.fullDecodeSeconds.toFixed(2)} s) | ≤ 0.5 | ${s.ratio <= 0.5 ? '**met**' : '**missed**'} |`,
    `| end-to-end video indexing | ${i.realtime.toFixed(1)} × real time (${i.videoSeconds.toFixed(0)} s of video in ${i.indexSeconds.toFixed(1)} s) | — | |`,
    '',
    `- Sampling: \`sampleFrames\` with the default 2 s maximum interval, consuming all ${s.frames} frames, against a full decode; each side run alternately, the fastest counted${cpu}.`,
    `- End to end: \`library.index\` over a folder holding the video, in a fresh child process with the ViT-B/32-sized model on the CPU: probe, sampling, ${i.frames} frames through the batched encoder on its thread, frame thumbnails, store writes. CPU busy ${(i.cpuUtilisation * 100).toFixed(0)} % of the cores; peak memory ${i.peakRssMiB.toFixed(0)} MiB.`,
    "- Long keyframe intervals are the hard case: with x264's default (a keyframe every 250 frames, 8.3 s at 30 fps), sampling every 2 s must decode most of each GOP and costs about as much as a full decode (1.0× measured while building `native/ffmpeg`; see `docs/ffmpeg.md`).",
    '',
  ].join('\n');
}
