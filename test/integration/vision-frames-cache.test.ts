/**
 * @file FrameCache (engine/vision/frames.ts), real ffmpeg: calls on one frame, at once or
 * after each other, share one decode (the same bytes come back); another time is another
 * frame; past FRAMES_KEPT frames the oldest is decoded again; a video rewritten under the
 * same name is decoded again; without ffmpeg the sentence says why.
 */
import { utimes } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { locateFfmpeg, type FfmpegPaths } from '../../native/ffmpeg/index.js';
import { FRAMES_KEPT, FrameCache, frameNamingPath } from '../../electron/engine/vision/frames.js';
import { removeDir, tempDir } from '../fixtures/library.js';
import { writeColourVideo } from '../fixtures/videos.js';

const LIMIT = { maxPixels: 100_000_000 };

let dir: string;
let ff: FfmpegPaths;
let video: string;

beforeAll(async () => {
  dir = await tempDir();
  ff = await locateFfmpeg();
  ({ path: video } = await writeColourVideo(dir, ff, {
    name: 'colours',
    stretches: [
      { colour: 'red', seconds: 1 },
      { colour: 'green', seconds: 1 },
    ],
  }));
});

afterAll(async () => {
  await removeDir(dir);
});

describe('FrameCache', () => {
  it('decodes a frame once for every call on it, and keeps the last few', async () => {
    const cache = new FrameCache(() => ff);
    const [a, b] = await Promise.all([
      cache.frame(video, 0.5, LIMIT),
      cache.frame(video, 0.5, LIMIT),
    ]);
    expect(b.png).toBe(a.png);
    expect((await cache.frame(video, 0.5, LIMIT)).png).toBe(a.png);
    expect(a).toMatchObject({ video, width: 320, height: 240, time: 0.5 });
    const other = await cache.frame(video, 1.5, LIMIT);
    expect(other.png).not.toBe(a.png);
    for (let i = 1; i <= FRAMES_KEPT; i++) await cache.frame(video, 0.5 + i * 0.1, LIMIT);
    // 0.5 s was pushed out by FRAMES_KEPT newer frames: decoded again, same pixels.
    const again = await cache.frame(video, 0.5, LIMIT);
    expect(again.png).not.toBe(a.png);
    expect(again.png.equals(a.png)).toBe(true);
    // The same name with another modification time is another file.
    await utimes(video, new Date(), new Date(Date.now() + 60_000));
    expect((await cache.frame(video, 0.5, LIMIT)).png).not.toBe(again.png);
  });

  it('says why there is no frame without ffmpeg, and names exports with the time', async () => {
    const cache = new FrameCache(() => 'No ffmpeg was found; install one.');
    await expect(cache.frame(video, 0.5, LIMIT)).rejects.toMatchObject({
      code: 'NOT_FOUND',
      message: 'Video frames need ffmpeg: No ffmpeg was found; install one.',
    });
    expect(frameNamingPath('/v/clip.mp4', 12.5)).toBe('/v/clip.frame-0m12.5s.png');
    expect(frameNamingPath('/v/a.b.mov', 3723)).toBe('/v/a.b.frame-1h02m03.0s.png');
  });
});
