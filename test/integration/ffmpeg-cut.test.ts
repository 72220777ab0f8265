/**
 * @file Integration tests of cutting and joining clips (native/ffmpeg cutClip,
 * joinClips) and of clip names, with the real ffmpeg on generated videos in a temporary
 * folder. Runs under vitest in plain Node.
 */
import { mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  cutClip,
  freeOutputPath,
  joinClips,
  locateFfmpeg,
  probeVideo,
  safeClipName,
  sampleFrames,
} from '../../native/ffmpeg/index.js';
import type { FfmpegTools } from '../../native/ffmpeg/index.js';
import { TOY_COLOURS } from '../toy-models/colours.js';
import { colourAt, writeColourVideo } from '../fixtures/videos.js';
import type { ColourVideo } from '../fixtures/videos.js';

let dir = '';
let ff: FfmpegTools;
/** 12 s: red, green, blue, 4 s each; 25 fps, a keyframe every 2 s, with sound. */
let source: ColourVideo;
const FRAME = 1 / 25;

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'lantern-cut-'));
  ff = await locateFfmpeg();
  source = await writeColourVideo(path.join(dir, 'src'), ff, {
    name: 'holiday',
    gop: 50,
    audio: true,
    stretches: [
      { colour: 'red', seconds: 4 },
      { colour: 'green', seconds: 4 },
      { colour: 'blue', seconds: 4 },
    ],
  });
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** The mean red, green and blue of the first sampled frame of a file. */
async function firstColour(file: string): Promise<number[]> {
  for await (const frame of sampleFrames(file, ff)) {
    const sums = [0, 0, 0];
    for (let i = 0; i < frame.rgb.length; i++) sums[i % 3]! += frame.rgb[i]!;
    return sums.map((s) => s / (frame.width * frame.height));
  }
  throw new Error('no frame');
}

const near = (a: number[], b: readonly number[]) => a.every((v, i) => Math.abs(v - b[i]!) <= 8);

describe('cutClip', () => {
  it('accurate: re-encoded, frame-exact, duration read back within 0.1 s', async () => {
    const out = path.join(dir, 'accurate.mp4');
    const progress: number[] = [];
    const result = await cutClip(source.path, ff, {
      start: 3.3,
      end: 7.1,
      out,
      mode: 'accurate',
      onProgress: (fraction) => progress.push(fraction),
    });
    const written = await probeVideo(out, ff);
    expect(Math.abs(written.duration - 3.8)).toBeLessThanOrEqual(0.1);
    expect(result).toMatchObject({ out, start: 3.3 });
    expect(Math.abs(result.end - 7.1)).toBeLessThanOrEqual(0.1);
    expect(result.duration).toBe(written.duration);
    expect(written).toMatchObject({ videoCodec: 'h264', hasAudio: true });
    expect(near(await firstColour(out), TOY_COLOURS.red)).toBe(true); // 3.3 s is still red
    expect(progress.at(-1)).toBe(1);
    expect(progress.every((p, i) => i === 0 || p >= progress[i - 1]!)).toBe(true);
  });

  it('fast: stream copy from the keyframe before the start, and says so', async () => {
    const out = path.join(dir, 'fast.mp4');
    const result = await cutClip(source.path, ff, { start: 5.1, end: 9.3, out, mode: 'fast' });
    // Keyframes every 2 s: the copy starts at 4 s, where the green stretch begins.
    expect(result.start).toBeCloseTo(4, 3);
    expect(result.start).toBeLessThanOrEqual(5.1);
    const written = await probeVideo(out, ff);
    expect(written.videoCodec).toBe('h264');
    expect(Math.abs(written.duration - (result.end - result.start))).toBeLessThanOrEqual(2 * FRAME);
    expect(Math.abs(result.end - 9.3)).toBeLessThanOrEqual(0.1);
    expect(near(await firstColour(out), TOY_COLOURS.green)).toBe(true);
  });

  it('fast from a keyframe starts exactly there', async () => {
    const result = await cutClip(source.path, ff, {
      start: 8,
      end: 10,
      out: path.join(dir, 'on-key.mp4'),
      mode: 'fast',
    });
    expect(result.start).toBeCloseTo(8, 3);
    expect(Math.abs(result.duration - 2)).toBeLessThanOrEqual(0.1);
  });

  it('never overwrites an existing file unless asked, and never the original', async () => {
    const out = path.join(dir, 'exists.mp4');
    await writeFile(out, 'precious');
    const options = { start: 1, end: 2, out, mode: 'fast' } as const;
    expect(await cutClip(source.path, ff, options).catch((e: unknown) => e)).toMatchObject({
      code: 'INVALID_INPUT',
    });
    expect(await readFile(out, 'utf8')).toBe('precious');
    await cutClip(source.path, ff, { ...options, overwrite: true });
    expect((await probeVideo(out, ff)).videoCodec).toBe('h264');
    const over = { ...options, out: source.path, overwrite: true };
    expect(await cutClip(source.path, ff, over).catch((e: unknown) => e)).toMatchObject({
      code: 'INVALID_INPUT',
    });
    expect((await probeVideo(source.path, ff)).duration).toBeCloseTo(12, 1);
  });

  it('refuses a range outside the video or backwards', async () => {
    const out = path.join(dir, 'never.mp4');
    for (const [start, end] of [
      [5, 3],
      [13, 14],
      [-1, 2],
    ] as const) {
      const error = await cutClip(source.path, ff, { start, end, out, mode: 'fast' }).catch(
        (e: unknown) => e,
      );
      expect(error).toMatchObject({ code: 'INVALID_INPUT' });
    }
  });

  it('cancel kills ffmpeg and leaves no output and no partial file', async () => {
    const folder = path.join(dir, 'cancelled');
    const controller = new AbortController();
    const out = path.join(folder, 'clip.mp4');
    const error = await cutClip(source.path, ff, {
      start: 0,
      end: 12,
      out,
      mode: 'accurate',
      signal: controller.signal,
      onProgress: () => controller.abort(),
    }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'CANCELLED' });
    expect(await readdir(folder)).toEqual([]);
  });
});

describe('cutClip on what real cameras write, and its refusals', () => {
  it('fast on a video with B-frames reports the keyframe the clip really starts on', async () => {
    // A keyframe every second, each second its own colour. With B-frames ffmpeg seeks
    // 3/23 s before the requested start, so a cut asked to start on the keyframe at 1 s
    // starts on the one at 0 s: the report must say so, and match the file.
    const video = await writeColourVideo(path.join(dir, 'bframes'), ff, {
      name: 'camera',
      gop: 25,
      bFrames: 3,
      stretches: [
        { colour: 'red', seconds: 1 },
        { colour: 'green', seconds: 1 },
        { colour: 'blue', seconds: 1 },
        { colour: 'yellow', seconds: 1 },
      ],
    });
    const out = path.join(dir, 'bframes', 'clip.mp4');
    const result = await cutClip(video.path, ff, { start: 1, end: 3, out, mode: 'fast' });
    const written = await probeVideo(out, ff);
    expect(Math.abs(result.duration - written.duration)).toBeLessThanOrEqual(0.05);
    expect(Math.abs(result.end - result.start - written.duration)).toBeLessThanOrEqual(0.05);
    expect(result.start).toBeLessThanOrEqual(1);
    expect(result.end).toBeGreaterThanOrEqual(3 - 0.05);
    // The clip's first picture is the source's picture at the reported start.
    const shownFirst = await firstColour(out);
    expect(near(shownFirst, TOY_COLOURS[colourAt(video, result.start + FRAME / 2)])).toBe(true);
  });

  it("a range past the end names the video's real duration", async () => {
    const error = await cutClip(source.path, ff, {
      start: 500,
      end: 502,
      out: path.join(dir, 'late.mp4'),
      mode: 'fast',
    }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'INVALID_INPUT' });
    expect((error as Error).message).toMatch(/500–502 s/);
    expect((error as Error).message).toMatch(/the video is 12 s long/);
  });

  it('a name without a video extension is refused for its extension, listing the allowed ones', async () => {
    for (const name of ['clip.txt', 'clip']) {
      const error = await cutClip(source.path, ff, {
        start: 1,
        end: 2,
        out: path.join(dir, 'named', name),
        mode: 'fast',
      }).catch((e: unknown) => e);
      expect(error).toMatchObject({ code: 'INVALID_INPUT' });
      expect((error as Error).message).toMatch(/extension/);
      expect((error as Error).message).toMatch(/\.mp4, .*\.mkv/);
      expect((error as Error).message).not.toMatch(/holiday/);
    }
  });

  it("an output ffmpeg cannot create is the output folder's fault, not the input's", async () => {
    // A name over the 255-byte limit of ext4, APFS and NTFS: the folder is fine, ffmpeg
    // cannot create the file, and says so about the output.
    const folder = path.join(dir, 'too-long');
    const error = await cutClip(source.path, ff, {
      start: 1,
      end: 2,
      out: path.join(folder, `${'x'.repeat(250)}.mp4`),
      mode: 'fast',
    }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'STORE_FAILED' });
    expect((error as Error).message).toMatch(/could not be written to the folder/);
    expect((error as Error).message).toContain(folder);
    expect((error as Error).message).not.toMatch(/holiday/);
    expect(await readdir(folder)).toEqual([]);
  });

  it('overwrite onto a folder is refused and leaves no partial file', async () => {
    const parent = path.join(dir, 'onto-folder');
    const folder = path.join(parent, 'taken.mp4');
    await mkdir(folder, { recursive: true });
    const error = await cutClip(source.path, ff, {
      start: 1,
      end: 2,
      out: folder,
      mode: 'fast',
      overwrite: true,
    }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'INVALID_INPUT' });
    expect((error as Error).message).toMatch(/is a folder/);
    expect(await readdir(parent)).toEqual(['taken.mp4']);
    expect((await stat(folder)).isDirectory()).toBe(true);
  });
});

describe('joinClips', () => {
  it('joins fast cuts of one video by stream copy', async () => {
    const a = await cutClip(source.path, ff, {
      start: 0,
      end: 2,
      out: path.join(dir, 'j1.mp4'),
      mode: 'fast',
    });
    const b = await cutClip(source.path, ff, {
      start: 8,
      end: 10,
      out: path.join(dir, 'j2.mp4'),
      mode: 'fast',
    });
    const reel = await joinClips([a.out, b.out], path.join(dir, 'reel.mp4'), ff);
    expect(reel.method).toBe('copy');
    expect(Math.abs(reel.duration - (a.duration + b.duration))).toBeLessThanOrEqual(0.15);
  });

  it('re-encodes clips of different codecs and sizes, adding silence where there is no sound', async () => {
    const webm = await writeColourVideo(dir, ff, {
      name: 'other',
      codec: 'vp9',
      width: 160,
      height: 160,
      stretches: [{ colour: 'yellow', seconds: 1 }],
    });
    const clip = await cutClip(source.path, ff, {
      start: 0,
      end: 1,
      out: path.join(dir, 'j3.mp4'),
      mode: 'accurate',
    });
    const reel = await joinClips([clip.out, webm.path], path.join(dir, 'mixed.mp4'), ff);
    expect(reel.method).toBe('encode');
    expect(Math.abs(reel.duration - 2)).toBeLessThanOrEqual(0.15);
    expect(await probeVideo(reel.out, ff)).toMatchObject({
      width: 320,
      height: 240,
      hasAudio: true,
    });
  });
});

describe('clip names', () => {
  it('names a clip after its video and range, safe on every platform', () => {
    expect(safeClipName('/videos/Beach day.MOV', 75.24, 82)).toBe('Beach day 1m15.2s-1m22.0s.mov');
    expect(safeClipName('/v/a:b*c?"<>|.mp4', 0, 3723)).toBe('a_b_c_____ 0m00.0s-1h02m03.0s.mp4');
    expect(safeClipName('/v/clip.mp4', 1, 2, 'webm')).toBe('clip 0m01.0s-0m02.0s.webm');
  });

  it('finds a free name, avoiding device names, trailing dots and very long names', async () => {
    const folder = path.join(dir, 'names');
    expect(await freeOutputPath(folder, 'reel', '.mp4')).toBe(path.join(folder, 'reel.mp4'));
    await writeFile(path.join(dir, 'taken.mp4'), '');
    await writeFile(path.join(dir, 'taken (2).mp4'), '');
    expect(await freeOutputPath(dir, 'taken', 'mp4')).toBe(path.join(dir, 'taken (3).mp4'));
    expect(path.basename(await freeOutputPath(dir, 'CON', '.mp4'))).toBe('_CON.mp4');
    expect(path.basename(await freeOutputPath(dir, 'nul.tar', '.mp4'))).toBe('_nul.tar.mp4');
    expect(path.basename(await freeOutputPath(dir, 'end. . ', '.mp4'))).toBe('end.mp4');
    const long = path.basename(await freeOutputPath(dir, 'ü'.repeat(300), '.mp4'));
    expect(Buffer.byteLength(long)).toBeLessThanOrEqual(200);
  });
});
