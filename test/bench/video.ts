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
import { cpuSecondsSince, endedChildrenCpuSeconds, peakRssMiB } from './measure.js';
import { benchmarkVideoSampling, benchVideo, type VideoSamplingResult } from './video-sampling.js';
import { BENCH_MODEL_ID } from './vit-model.js';

export interface VideoIndexResult {
  videoSeconds: number;
  indexSeconds: number;
  /** Seconds of video indexed per second of wall clock. */
  realtime: number;
  frames: number;
  /** CPU of the whole run (this process and its ffmpeg children) ÷ (wall × cores). */
  cpuUtilisation: number;
  /** CPU seconds of this process (inference, preprocessing, store) and of ffmpeg; null off Linux. */
  ownCpuSeconds: number;
  ffmpegCpuSeconds: number | null;
  /** The image encoder's intra-op threads for the frames; undefined: the photos' own. */
  threads: number | undefined;
  peakRssMiB: number;
}

export interface VideoBench {
  sampling: VideoSamplingResult;
  /** Library's default: the frames on every core ([Note: a video pass uses every core]). */
  index: VideoIndexResult;
  /** The same run with the frames on the photos' thread count, as before that note. */
  photoThreads: VideoIndexResult;
  file: string;
}

/** The cached benchmark video (generated on first use: several minutes on 2 cores). */
export async function benchVideoFile(cacheDir: string): Promise<string> {
  return benchVideo(cacheDir, await locateFfmpeg(), 300, 1);
}

/**
 * Child side of `video-index <video> <dbDir> <modelsDir> [photo-threads]`: with
 * `photo-threads`, the frames run on the photos' thread count instead of Library's default.
 */
export async function videoIndexChild(
  video: string,
  dbDir: string,
  modelsDir: string,
  photoThreads: boolean,
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
    // Unset: each pass on the photos' count (onnxruntime's own choice).
    ...(photoThreads ? { indexer: { videoInferenceThreads: undefined } } : {}),
  });
  const cpu = process.cpuUsage();
  const children = endedChildrenCpuSeconds();
  const started = performance.now();
  const report = await library.index([folder]);
  const indexSeconds = (performance.now() - started) / 1000;
  const ownCpuSeconds = cpuSecondsSince(cpu);
  const childrenAfter = endedChildrenCpuSeconds();
  const ffmpegCpuSeconds =
    children === null || childrenAfter === null ? null : childrenAfter - children;
  const threads = await library.encoder.imageEncoderThreads();
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
    cpuUtilisation:
      (ownCpuSeconds + (ffmpegCpuSeconds ?? 0)) / (indexSeconds * os.availableParallelism()),
    ownCpuSeconds,
    ffmpegCpuSeconds,
    threads: threads ?? undefined,
    peakRssMiB: peakRssMiB(),
  };
}

export async function measureVideoSampling(
  cacheDir: string,
  repeats: number,
): Promise<VideoSamplingResult> {
  return benchmarkVideoSampling(cacheDir, { repeats });
}

const percent = (share: number) => `${(share * 100).toFixed(0)} %`;
const threadsText = (threads: number | undefined) =>
  threads === undefined ? "onnxruntime's own choice of threads" : `${threads} intra-op threads`;
const cpuText = (run: VideoIndexResult) =>
  `cores ${percent(run.cpuUtilisation)} busy (${run.ownCpuSeconds.toFixed(1)} CPU-s in Lantern's process${run.ffmpegCpuSeconds === null ? '' : ` + ${run.ffmpegCpuSeconds.toFixed(1)} in ffmpeg`})`;

export function renderVideoSection(bench: VideoBench): string {
  const s = bench.sampling;
  const i = bench.index;
  const p = bench.photoThreads;
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
    `| end-to-end video indexing | ${i.realtime.toFixed(1)} × real time (${i.videoSeconds.toFixed(0)} s of video in ${i.indexSeconds.toFixed(1)} s); ${p.realtime.toFixed(1)} × with the frames on the photos' thread count | — | |`,
    `| cores busy while a video is indexed (Lantern and its ffmpeg) | ${percent(i.cpuUtilisation)}; ${percent(p.cpuUtilisation)} with the frames on the photos' thread count | both cores busy (≥ 85 %) | ${i.cpuUtilisation >= 0.85 ? '**met**' : '**not met**'} |`,
    '',
    `- Sampling: \`sampleFrames\` with the default 2 s maximum interval, consuming all ${s.frames} frames, against a full decode; each side run alternately, the fastest counted${cpu}.`,
    `- End to end: \`library.index\` over a folder holding the video, in a fresh child process with the ViT-B/32-sized model on the CPU: probe, sampling, ${i.frames} frames through the batched encoder on its thread, frame thumbnails, store writes. Library's default runs the frames on ${threadsText(i.threads)} ([Note: a video pass uses every core] in \`electron/engine/video/video-pass.ts\`): ${i.indexSeconds.toFixed(1)} s, ${cpuText(i)}, peak memory ${i.peakRssMiB.toFixed(0)} MiB. The same run with the frames on the photos' count (${threadsText(p.threads)}), in its own child right before: ${p.indexSeconds.toFixed(1)} s, ${cpuText(p)}, peak memory ${p.peakRssMiB.toFixed(0)} MiB. "Cores busy" counts ffmpeg's CPU too (/proc/self/stat's cutime and cstime of the ended sampling processes).`,
    "- Long keyframe intervals are the hard case: with x264's default (a keyframe every 250 frames, 8.3 s at 30 fps), sampling every 2 s must decode most of each GOP and costs about as much as a full decode (1.0× measured while building `native/ffmpeg`; see `docs/ffmpeg.md`).",
    '',
  ].join('\n');
}
