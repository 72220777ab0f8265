/**
 * @file The video adapter: Lantern's only door to ffmpeg and ffprobe. Finds the
 * binaries, probes videos, samples frames as raw RGB for the encoder, cuts and joins
 * clips. Runs in the engine worker (plain Node); imports node only and spawns the
 * binaries (DESIGN.md, Layout; why not fluent-ffmpeg: [Note: spawn ffmpeg directly, not
 * through fluent-ffmpeg] in run.ts). Choices and licences: docs/ffmpeg.md.
 */
export { locateFfmpeg, unpackedPath } from './locate.js';
export type { FfmpegPaths, FfmpegTools, LocateFfmpegOptions } from './locate.js';
export { probeVideo } from './probe.js';
export type { ProbeVideoOptions, VideoProbe, VideoStreamSummary } from './probe.js';
export { sampleFrames, sampleSize } from './sample.js';
export type { SampleFramesOptions } from './sample.js';
export { DEFAULT_SCENE_THRESHOLD } from './select-frames.js';
export type { SampledFrame } from './select-frames.js';
export { cutClip, keyframeAtOrBefore } from './cut.js';
export type { CutClipOptions, CutResult } from './cut.js';
export { joinClips } from './join.js';
export type { JoinClipsOptions, JoinResult } from './join.js';
export type { OutputOptions } from './output.js';
export { clipTime, freeOutputPath, safeClipName, safeFileStem } from './names.js';
export { videoStill } from './still.js';
export type { VideoStill, VideoStillOptions } from './still.js';
export { VideoError } from './errors.js';
export type { VideoErrorCode } from './errors.js';

export { videoExtensions } from './extensions.js';
