/**
 * @file Integration tests of frame sampling (native/ffmpeg sampleFrames) with the real
 * ffmpeg on generated colour-stretch videos, and of turning a sampled frame into the
 * model tensor (native/image preprocessRaw). Runs under vitest in plain Node.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { locateFfmpeg, probeVideo, sampleFrames, sampleSize } from '../../native/ffmpeg/index.js';
import type { FfmpegTools, SampledFrame, SampleFramesOptions } from '../../native/ffmpeg/index.js';
import { FrameSelector } from '../../native/ffmpeg/select-frames.js';
import { preprocessRaw } from '../../native/image/index.js';
import type { ImagePreprocessOptions } from '../../native/image/index.js';
import { TOY_COLOURS } from '../toy-models/colours.js';
import type { ColourWord, Rgb } from '../toy-models/colours.js';
import {
  colourAt,
  writeColourVideo,
  writeRotatedVideo,
  writeVfrVideo,
} from '../fixtures/videos.js';
import type { ColourStretch, ColourVideo, ColourVideoSpec } from '../fixtures/videos.js';

let dir = '';
let ff: FfmpegTools;
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'lantern-sample-'));
  ff = await locateFfmpeg();
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function collect(file: string, options: SampleFramesOptions = {}): Promise<SampledFrame[]> {
  const frames: SampledFrame[] = [];
  for await (const frame of sampleFrames(file, ff, options)) frames.push(frame);
  return frames;
}

function meanColour(frame: SampledFrame): Rgb {
  const sums = [0, 0, 0];
  for (let i = 0; i < frame.rgb.length; i++) sums[i % 3]! += frame.rgb[i]!;
  const pixels = frame.width * frame.height;
  return [sums[0]! / pixels, sums[1]! / pixels, sums[2]! / pixels];
}

/** Encoders and YUV↔RGB round trips move a solid colour by a few levels. */
const COLOUR_TOLERANCE = 8;

function expectColour(actual: Rgb, colour: ColourWord, where: string): void {
  const expected = TOY_COLOURS[colour];
  const off = Math.max(...actual.map((v, c) => Math.abs(v - expected[c]!)));
  expect(off, `${where}: ${actual.map(Math.round).join(',')} is not ${colour}`).toBeLessThanOrEqual(
    COLOUR_TOLERANCE,
  );
}

/** Everything sampling promises about a colour-stretch video. */
function checkSampling(video: ColourVideo, frames: SampledFrame[], maxInterval: number): void {
  expect(frames.length).toBeGreaterThan(0);
  expect(frames[0]!.t).toBeLessThan(0.05);
  expect(frames[0]!.scene).toBe(true);
  for (let i = 1; i < frames.length; i++) {
    const gap = frames[i]!.t - frames[i - 1]!.t;
    expect(gap, `gap before ${frames[i]!.t}`).toBeGreaterThan(0);
    expect(gap, `gap before ${frames[i]!.t}`).toBeLessThanOrEqual(maxInterval + 1e-6);
  }
  expect(video.duration - frames[frames.length - 1]!.t).toBeLessThanOrEqual(maxInterval + 1e-6);
  for (const frame of frames) {
    expect(frame.rgb.length).toBe(frame.width * frame.height * 3);
    expectColour(meanColour(frame), colourAt(video, frame.t), `frame at ${frame.t}`);
  }
  // Each cut is seen, as a scene change, within one interval.
  for (const boundary of video.boundaries) {
    const seen = frames.find(
      (f) => f.scene && f.t >= boundary - 1e-6 && f.t <= boundary + maxInterval,
    );
    expect(seen, `cut at ${boundary}`).toBeDefined();
  }
}

const RGB: ColourStretch[] = [
  { colour: 'red', seconds: 3 },
  { colour: 'green', seconds: 3 },
  { colour: 'blue', seconds: 3 },
];

describe('sampleFrames', () => {
  const cases: [string, Partial<ColourVideoSpec>][] = [
    ['H.264, a keyframe a second (keyframes alone)', { codec: 'h264' }],
    ['H.264, x264 default GOP of 250 (decoding between keyframes)', { codec: 'h264', gop: 250 }],
    ['VP9 in WebM', { codec: 'vp9', gop: 50 }],
    ['MJPEG in AVI (every frame a keyframe)', { codec: 'mjpeg' }],
  ];
  it.each(cases)('%s: every cut, every interval, the right colours', async (label, spec) => {
    const name = `s-${label.replace(/\W+/g, '-')}`;
    const video = await writeColourVideo(dir, ff, { name, stretches: RGB, ...spec });
    const frames = await collect(video.path);
    checkSampling(video, frames, 2);
    expect(frames.every((f) => f.width === 320 && f.height === 240)).toBe(true);
  });

  it('samples at most every maxInterval and at the short side asked for', async () => {
    const video = await writeColourVideo(dir, ff, { name: 'one-second', stretches: RGB, gop: 250 });
    const frames = await collect(video.path, { maxInterval: 1, shortSide: 120 });
    checkSampling(video, frames, 1);
    expect([frames[0]!.width, frames[0]!.height]).toEqual([160, 120]);
  });

  it('keyframes only, when asked, stretches the interval to the GOP', async () => {
    const video = await writeColourVideo(dir, ff, { name: 'quick', stretches: RGB, gop: 100 });
    const frames = await collect(video.path, { decodeBetweenKeyframes: false });
    expect(frames.map((f) => f.t)).toEqual([0, 4, 8]); // the keyframes: every 100 frames at 25 fps
    frames.forEach((f) => expectColour(meanColour(f), colourAt(video, f.t), `frame at ${f.t}`));
  });

  it('decoding every frame finds the same cuts and colours', async () => {
    const video = await writeColourVideo(dir, ff, { name: 'decode-all', stretches: RGB });
    checkSampling(video, await collect(video.path, { strategy: 'decode-all' }), 2);
  });

  it('reads the real timestamps of a variable-frame-rate video', async () => {
    const video = await writeVfrVideo(dir, ff);
    const frames = await collect(video.path);
    checkSampling(video, frames, 2);
    // Red frames lie on tenths of a second, blue ones on thirtieths (fixtures/videos.ts).
    const onGrid = (t: number, step: number) => Math.abs(t / step - Math.round(t / step)) < 1e-3;
    for (const frame of frames) {
      expect(onGrid(frame.t, frame.t < 2 ? 0.1 : 1 / 30), `frame at ${frame.t}`).toBe(true);
    }
    // A blue frame between tenths: times come from the file, not from a constant rate.
    expect(frames.some((f) => f.t > 2 && !onGrid(f.t, 0.1) && !onGrid(f.t, 0.05))).toBe(true);
  });

  it('turns rotated videos upright and reports the displayed size', async () => {
    const file = await writeRotatedVideo(dir, ff);
    const probe = await probeVideo(file, ff);
    const [frame] = await collect(file, { probe });
    expect([frame!.width, frame!.height]).toEqual([240, 320]);
    // Stored red above blue; turned a quarter clockwise red is on the right, anticlockwise on the left.
    const at = (x: number): Rgb => {
      const i = (160 * frame!.width + x) * 3;
      return [frame!.rgb[i]!, frame!.rgb[i + 1]!, frame!.rgb[i + 2]!];
    };
    const [left, right]: [ColourWord, ColourWord] =
      probe.rotation === 90 ? ['blue', 'red'] : ['red', 'blue'];
    expectColour(at(20), left, 'left side');
    expectColour(at(220), right, 'right side');
  });

  it('stops ffmpeg when the consumer stops, and when cancelled', async () => {
    const video = await writeColourVideo(dir, ff, { name: 'stop', stretches: RGB, gop: 250 });
    for await (const frame of sampleFrames(video.path, ff)) {
      expect(frame.t).toBe(0);
      break;
    }
    const controller = new AbortController();
    const error = await (async () => {
      for await (const frame of sampleFrames(video.path, ff, { signal: controller.signal })) {
        if (frame.t === 0) controller.abort();
      }
    })().catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'CANCELLED' });
  });

  it('sizes frames to the short side, even, never enlarged', () => {
    expect(sampleSize(1920, 1080, 256)).toEqual({ width: 456, height: 256 });
    expect(sampleSize(1080, 1920, 256)).toEqual({ width: 256, height: 456 });
    expect(sampleSize(320, 240, 256)).toEqual({ width: 320, height: 240 });
    expect(sampleSize(333, 201, 100)).toEqual({ width: 166, height: 100 });
  });
});

describe('FrameSelector', () => {
  const size = { width: 16, height: 16 };
  const solid = (colour: ColourWord) =>
    Buffer.from(Array.from({ length: 16 * 16 * 3 }, (_, i) => TOY_COLOURS[colour][i % 3]!));

  it('keeps a candidate only when skipping it would leave more than the interval', () => {
    const selector = new FrameSelector(size, 2);
    const times: number[] = [];
    for (let t = 0; t <= 10; t += 0.5)
      times.push(...selector.push({ t, rgb: solid('gray') }).map((f) => f.t));
    times.push(...selector.finish(10.5).map((f) => f.t));
    expect(times).toEqual([0, 2, 4, 6, 8, 10]);
  });

  it('emits a change of colour at once, as a scene', () => {
    const selector = new FrameSelector(size, 2);
    const frames = [0, 0.5, 1, 1.5].flatMap((t) =>
      selector.push({ t, rgb: solid(t < 1 ? 'orange' : 'yellow') }),
    );
    expect(frames.map((f) => [f.t, f.scene])).toEqual([
      [0, true],
      [1, true],
    ]);
  });
});

describe('preprocessRaw: a sampled frame into the model tensor', () => {
  const CLIP: ImagePreprocessOptions = {
    size: 32,
    resize: 'shortest-crop',
    interpolation: 'bicubic',
    rescale: 1 / 255,
    mean: [0.48145466, 0.4578275, 0.40821073],
    std: [0.26862954, 0.26130258, 0.27577711],
  };

  it('a solid frame gives its colour in every tensor value, at its offset, with a poster', async () => {
    const video = await writeColourVideo(dir, ff, {
      name: 'tensor',
      stretches: [{ colour: 'blue', seconds: 1 }],
    });
    const [frame] = await collect(video.path);
    const stride = 3 * 32 * 32;
    const target = new Float32Array(stride * 2).fill(Number.NaN);
    const poster = { path: path.join(dir, 'posters', 'blue.webp'), size: 128 };
    await preprocessRaw(frame!.rgb, frame!.width, frame!.height, {
      preprocess: CLIP,
      target,
      offset: stride,
      poster,
    });
    expect(target.subarray(0, stride).every(Number.isNaN)).toBe(true);
    for (let c = 0; c < 3; c++) {
      const plane = target.subarray(stride + c * 1024, stride + (c + 1) * 1024);
      const levels = Array.from(plane, (v) => (v * CLIP.std[c]! + CLIP.mean[c]!) * 255);
      expect(
        Math.max(...levels.map((v) => Math.abs(v - TOY_COLOURS.blue[c]!))),
      ).toBeLessThanOrEqual(COLOUR_TOLERANCE);
    }
    expect(await sharp(poster.path).metadata()).toMatchObject({
      format: 'webp',
      width: 128,
      height: 96,
    });
  });

  it('refuses a buffer that is not width × height × 3', async () => {
    const target = new Float32Array(3 * 32 * 32);
    await expect(
      preprocessRaw(Buffer.alloc(10), 4, 4, { preprocess: CLIP, target, offset: 0 }),
    ).rejects.toThrow(RangeError);
  });
});
