/**
 * @file videoStill (native/ffmpeg/still.ts) on generated H.264 videos, real ffmpeg: the
 * frame is the one a paused player shows — red at 2.39 s and blue at 2.41 s where the
 * colour changes at 2.40 s between keyframes (a keyframe seek would show red, a plain
 * "first frame at or after" seek blue at 2.39) — a time past the end takes the last frame
 * and says so in `time`, a video with rotation metadata comes out upright (sides swapped,
 * the rectangle where a player shows it), and a non-video, an absurd size and an aborted
 * signal are refused with their codes.
 */
import { execFile } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  locateFfmpeg,
  probeVideo,
  videoStill,
  type FfmpegPaths,
  type VideoStill,
} from '../../native/ffmpeg/index.js';
import { removeDir, tempDir } from '../fixtures/library.js';
import { writeColourVideo } from '../fixtures/videos.js';
import { TOY_COLOURS } from '../toy-models/colours.js';

const run = promisify(execFile);
const LIMIT = { maxPixels: 100_000_000 };

let dir: string;
let ff: FfmpegPaths;
let changing: string;
let turned: string;

/** The pixel of a still at (x, y), RGB. */
async function pixel(still: VideoStill, x: number, y: number): Promise<number[]> {
  const { data, info } = await sharp(still.png).raw().toBuffer({ resolveWithObject: true });
  const at = (y * info.width + x) * info.channels;
  return Array.from(data.subarray(at, at + 3));
}

/** Within a video codec's rounding of `colour`. */
function expectColour(rgb: number[], colour: readonly number[]): void {
  rgb.forEach((value, i) => expect(Math.abs(value - colour[i]!)).toBeLessThan(24));
}

beforeAll(async () => {
  dir = await tempDir();
  ff = await locateFfmpeg();
  // Keyframes every second (gop 25 at 25 fps); the change at 2.40 s lies between two.
  ({ path: changing } = await writeColourVideo(dir, ff, {
    name: 'changing',
    stretches: [
      { colour: 'red', seconds: 2.4 },
      { colour: 'blue', seconds: 1.6 },
    ],
  }));
  // Stored 320×240 with a yellow block at the top left, played turned 90° clockwise.
  const stored = path.join(dir, 'stored.mp4');
  await run(ff.ffmpeg, [
    ...['-hide_banner', '-loglevel', 'error', '-y', '-f', 'lavfi'],
    ...[
      '-i',
      'color=c=0x1e46dc:s=320x240:r=25:d=1,drawbox=x=0:y=0:w=80:h=60:color=0xf0dc28:t=fill',
    ],
    ...['-c:v', 'libx264', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p', stored],
  ]);
  turned = path.join(dir, 'turned.mp4');
  await run(ff.ffmpeg, [
    ...['-hide_banner', '-loglevel', 'error', '-y', '-i', stored],
    ...['-c', 'copy', '-metadata:s:v:0', 'rotate=90', turned],
  ]);
});

afterAll(async () => {
  await removeDir(dir);
});

describe('videoStill', () => {
  it('gives the frame a paused player shows, between keyframes', async () => {
    const before = await videoStill(changing, ff, 2.39, LIMIT);
    expect(before).toMatchObject({ width: 320, height: 240, time: 2.39 });
    expect(before.png.subarray(1, 4).toString('latin1')).toBe('PNG');
    expectColour(await pixel(before, 160, 120), TOY_COLOURS.red);
    const after = await videoStill(changing, ff, 2.41, LIMIT);
    expectColour(await pixel(after, 160, 120), TOY_COLOURS.blue);
    const start = await videoStill(changing, ff, 0, LIMIT);
    expectColour(await pixel(start, 160, 120), TOY_COLOURS.red);
  });

  it('takes the last frame for a time past the end, and says where it is', async () => {
    const last = await videoStill(changing, ff, 60, LIMIT);
    // 100 frames at 25 fps: the last starts at 3.96 s.
    expect(last.time).toBeCloseTo(3.96, 2);
    expectColour(await pixel(last, 160, 120), TOY_COLOURS.blue);
  });

  it('turns a video with rotation metadata upright', async () => {
    // ffmpeg versions write the rotate tag's matrix either way round; the probe says which.
    const { rotation } = await probeVideo(turned, ff);
    expect([90, 270]).toContain(rotation);
    const still = await videoStill(turned, ff, 0.5, LIMIT);
    expect([still.width, still.height]).toEqual([240, 320]);
    // The stored top-left block: top right turned clockwise, bottom left the other way.
    const [block, other] =
      rotation === 90
        ? [
            [200, 40],
            [40, 280],
          ]
        : [
            [40, 280],
            [200, 40],
          ];
    expectColour(await pixel(still, block[0]!, block[1]!), TOY_COLOURS.yellow);
    expectColour(await pixel(still, other[0]!, other[1]!), TOY_COLOURS.blue);
    expectColour(await pixel(still, 40, 40), TOY_COLOURS.blue);
  });

  it('refuses a non-video, a frame over the pixel limit, and an aborted signal', async () => {
    const text = path.join(dir, 'notes.mp4');
    await writeFile(text, 'not a video at all, just words '.repeat(20));
    await expect(videoStill(text, ff, 1, LIMIT)).rejects.toMatchObject({
      code: 'UNSUPPORTED_FORMAT',
    });
    await expect(videoStill(changing, ff, 1, { maxPixels: 10_000 })).rejects.toMatchObject({
      code: 'TOO_LARGE',
      message: expect.stringMatching(/changing\.mp4 is 320×240.*raise the limit/) as string,
    });
    const controller = new AbortController();
    controller.abort();
    await expect(
      videoStill(changing, ff, 1, { ...LIMIT, signal: controller.signal }),
    ).rejects.toMatchObject({ code: 'CANCELLED' });
  });
});
