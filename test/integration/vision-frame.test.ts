/**
 * @file The inspector on a paused video frame through the engine service ([Note: a paused
 * video frame]), toy models and real ffmpeg: a video red for 2 s, then blue with an orange
 * rectangle — vision:frame's JPEG decodes to the answered size; vision:detect at 3 s boxes
 * the rectangle (IoU ≥ 0.8, video pixels) and at 1 s finds nothing above the threshold;
 * the same video with rotation metadata answers swapped sides and the box upright;
 * segment covers the rectangle; an export lands beside the video under the time's name
 * and the video's bytes are unchanged; classify on two frames ranks each frame's colour
 * first; a video without a time, a photo with one and a video outside the library are
 * refused with a sentence.
 */
import { execFile } from 'node:child_process';
import { copyFile, readdir } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { locateFfmpeg, probeVideo } from '../../native/ffmpeg/index.js';
import { LanternService } from '../../electron/engine/service/service.js';
import { iou } from '../../electron/engine/vision/boxes.js';
import type { JobSnapshot, Result } from '../../electron/shared/contract.js';
import type {
  LensRanking,
  VisionDetections,
  VisionFrame,
  VisionMasks,
} from '../../electron/shared/types.js';
import { removeDir, tempDir } from '../fixtures/library.js';
import { sha256, writeRectanglePhoto, type Rect } from '../fixtures/vision-photos.js';
import { hexColour } from '../fixtures/videos.js';

const run = promisify(execFile);
/** The video's size and the orange rectangle of its second half, in its pixels. */
const SIZE = { width: 480, height: 320 };
const RECT: Rect = [120, 80, 360, 260];

let root: string;
let outside: string;
let db: string;
let service: LanternService;
let clip: string;
let turned: string;
let photo: string;
/** The rectangle as the turned video shows it upright. */
let turnedRect: Rect;

function value<T>(answer: Result<unknown>): T {
  if (!answer.ok) throw new Error(JSON.stringify(answer.error));
  return answer.value as T;
}

beforeAll(async () => {
  [root, outside, db] = await Promise.all([tempDir(), tempDir(), tempDir()]);
  const ff = await locateFfmpeg();
  clip = path.join(root, 'clip.mp4');
  const [x0, y0, x1, y1] = RECT;
  const colour = (name: 'red' | 'blue') =>
    `color=c=${hexColour(name)}:s=${SIZE.width}x${SIZE.height}:r=25:d=2`;
  await run(ff.ffmpeg, [
    ...['-hide_banner', '-loglevel', 'error', '-y'],
    ...['-f', 'lavfi', '-i', colour('red')],
    ...['-f', 'lavfi', '-i', colour('blue')],
    ...[
      '-filter_complex',
      `[1:v]drawbox=x=${x0}:y=${y0}:w=${x1 - x0}:h=${y1 - y0}:color=${hexColour('orange')}:t=fill[b];[0:v][b]concat=n=2:v=1:a=0[v]`,
    ],
    ...[
      '-map',
      '[v]',
      '-c:v',
      'libx264',
      '-preset',
      'ultrafast',
      '-g',
      '25',
      '-pix_fmt',
      'yuv420p',
    ],
    clip,
  ]);
  turned = path.join(root, 'turned.mp4');
  await run(ff.ffmpeg, [
    ...['-hide_banner', '-loglevel', 'error', '-y', '-i', clip],
    ...['-c', 'copy', '-metadata:s:v:0', 'rotate=90', turned],
  ]);
  // ffmpeg versions write the rotate tag's matrix either way round; the probe says which.
  const { rotation } = await probeVideo(turned, ff);
  turnedRect =
    rotation === 90
      ? [SIZE.height - y1, x0, SIZE.height - y0, x1]
      : [y0, SIZE.width - x1, y1, SIZE.width - x0];
  photo = path.join(root, 'still.png');
  await writeRectanglePhoto(photo, { ...SIZE, rect: RECT, fill: [245, 140, 20], format: 'png' });
  await copyFile(clip, path.join(outside, 'elsewhere.mp4'));
  service = await LanternService.create({
    shell: 'browser',
    dbDir: db,
    modelsDir: inject('toyModelsDir'),
    modelId: 'toy-clip-gap',
  });
  const finished = new Promise<JobSnapshot>((resolve) =>
    service.on('job:progress', (job) => {
      if (['done', 'failed', 'cancelled'].includes(job.state)) resolve(job);
    }),
  );
  value(await service.invoke('library:addRoots', { paths: [root] }));
  expect((await finished).state).toBe('done');
});

afterAll(async () => {
  await service?.close();
  await Promise.all([removeDir(root), removeDir(outside), removeDir(db)]);
});

describe('vision:frame', () => {
  it('answers the frame as a JPEG at the video’s size, with its time', async () => {
    const frame = value<VisionFrame>(await service.invoke('vision:frame', { path: clip, time: 3 }));
    expect(frame).toMatchObject({ ...SIZE, time: 3 });
    const [head, data] = frame.image.split(',');
    expect(head).toBe('data:image/jpeg;base64');
    const jpeg = sharp(Buffer.from(data!, 'base64'));
    expect(await jpeg.metadata()).toMatchObject({ format: 'jpeg', ...SIZE });
    const { data: pixels } = await jpeg.raw().toBuffer({ resolveWithObject: true });
    const at = (x: number, y: number) =>
      Array.from(pixels.subarray((y * 480 + x) * 3, (y * 480 + x) * 3 + 3));
    expect(at(240, 170)[0]).toBeGreaterThan(200); // orange inside the rectangle
    expect(at(20, 20)[2]).toBeGreaterThan(180); // blue around it
  });

  it('answers the turned video upright, and the last frame for a time past the end', async () => {
    const frame = value<VisionFrame>(
      await service.invoke('vision:frame', { path: turned, time: 3 }),
    );
    expect([frame.width, frame.height]).toEqual([SIZE.height, SIZE.width]);
    const late = value<VisionFrame>(
      await service.invoke('vision:frame', { path: clip, time: 500 }),
    );
    expect(late.time).toBeCloseTo(3.96, 2);
  });
});

describe('vision:detect and segment on a frame', () => {
  it('boxes the orange rectangle in the second half, and nothing in the first', async () => {
    const later = value<VisionDetections>(
      await service.invoke('vision:detect', { path: clip, time: 3, prompts: ['orange'] }),
    );
    expect(later).toMatchObject({ model: 'toy-detect', ...SIZE });
    const [best] = later.detections;
    expect(best?.score).toBeGreaterThanOrEqual(later.threshold);
    expect(iou(best!.box, RECT)).toBeGreaterThanOrEqual(0.8);
    const earlier = value<VisionDetections>(
      await service.invoke('vision:detect', { path: clip, time: 1, prompts: ['orange'] }),
    );
    expect(earlier.detections.filter((d) => d.score >= earlier.threshold)).toEqual([]);
  });

  it('boxes the rectangle of the turned video in upright pixels', async () => {
    const answer = value<VisionDetections>(
      await service.invoke('vision:detect', { path: turned, time: 3, prompts: ['orange'] }),
    );
    expect([answer.width, answer.height]).toEqual([SIZE.height, SIZE.width]);
    expect(iou(answer.detections[0]!.box, turnedRect)).toBeGreaterThanOrEqual(0.8);
  });

  it('segments the rectangle of the frame', async () => {
    const answer = value<VisionMasks>(
      await service.invoke('vision:segment', { path: clip, time: 3, prompts: ['orange'] }),
    );
    expect(answer).toMatchObject(SIZE);
    const area = ((RECT[2] - RECT[0]) * (RECT[3] - RECT[1])) / (SIZE.width * SIZE.height);
    expect(answer.masks[0]!.coverage).toBeGreaterThan(area * 0.8);
    expect(answer.masks[0]!.coverage).toBeLessThan(area * 1.2);
  });
});

describe('vision:export of a frame', () => {
  it('writes beside the video under the time’s name, and the video is unchanged', async () => {
    const before = await sha256(clip);
    const annotated = value<{ path: string }>(
      await service.invoke('vision:export', {
        path: clip,
        time: 2.5,
        kind: 'annotated',
        prompts: ['orange'],
      }),
    );
    expect(annotated.path).toBe(path.join(root, 'clip.frame-0m02.5s.annotated.png'));
    expect(await sharp(annotated.path).metadata()).toMatchObject({ format: 'png', ...SIZE });
    const crop = value<{ path: string }>(
      await service.invoke('vision:export', {
        path: clip,
        time: 2.5,
        kind: 'crop',
        prompts: ['orange'],
        box: [...RECT],
      }),
    );
    expect(crop.path).toBe(path.join(root, 'clip.frame-0m02.5s.crop-orange.png'));
    expect(await sharp(crop.path).metadata()).toMatchObject({
      format: 'png',
      width: 240,
      height: 180,
    });
    expect(await sha256(clip)).toBe(before);
    const again = value<{ path: string }>(
      await service.invoke('vision:export', {
        path: clip,
        time: 2.5,
        kind: 'annotated',
        prompts: ['orange'],
      }),
    );
    expect(again.path).toBe(path.join(root, 'clip.frame-0m02.5s.annotated-2.png'));
    expect((await readdir(root)).filter((name) => name.startsWith('clip.mp4'))).toEqual([
      'clip.mp4',
    ]);
  });
});

describe('lenses on a frame', () => {
  it('ranks the colour of each frame first', async () => {
    const labels = ['red', 'blue', 'green', 'yellow'];
    const first = value<LensRanking>(
      await service.invoke('lens:classify', { path: clip, time: 1, labels }),
    );
    expect(first.path).toBe(clip);
    expect(first.candidates[0]?.text).toBe('red');
    const second = value<LensRanking>(
      await service.invoke('lens:ask', {
        path: clip,
        time: 3,
        question: 'what colour is it?',
        answers: labels,
      }),
    );
    expect(second.candidates[0]?.text).toBe('blue');
  });
});

describe('refusals', () => {
  it('asks for a time on a video, refuses one on a photo, and a video outside the library', async () => {
    const untimed = await service.invoke('vision:detect', { path: clip, prompts: ['orange'] });
    expect(untimed).toMatchObject({
      ok: false,
      error: {
        code: 'INVALID_INPUT',
        message: expect.stringMatching(/clip\.mp4 is a video: pause it/) as string,
      },
    });
    const timed = await service.invoke('vision:segment', {
      path: photo,
      time: 1,
      prompts: ['orange'],
    });
    expect(timed).toMatchObject({
      ok: false,
      error: {
        code: 'INVALID_INPUT',
        message: expect.stringMatching(/still\.png is a photo/) as string,
      },
    });
    for (const channel of ['vision:frame', 'lens:classify'] as const) {
      const elsewhere = await service.invoke(channel, {
        path: path.join(outside, 'elsewhere.mp4'),
        time: 1,
        ...(channel === 'lens:classify' ? { labels: ['red', 'blue'] } : {}),
      });
      expect(elsewhere).toMatchObject({
        ok: false,
        error: {
          code: 'NOT_FOUND',
          message: expect.stringMatching(/not a video in the library/) as string,
        },
      });
    }
  });
});
