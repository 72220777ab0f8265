/**
 * @file `lantern detect|segment <video> --at SECONDS` (the built CLI, toy models, real
 * ffmpeg): detect answers the frame at that time in the video's pixels — the orange
 * rectangle of the second half boxed with IoU ≥ 0.8 at 3 s, nothing orange at 1 s — and
 * segment masks it; a video without --at is told to give it, a photo with --at to leave it
 * out; the video's bytes never change.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { locateFfmpeg } from '../../native/ffmpeg/index.js';
import { iou } from '../../electron/engine/vision/boxes.js';
import { lantern } from '../fixtures/cli.js';
import { hexColour } from '../fixtures/videos.js';
import { sha256, writeRectanglePhoto, type Rect } from '../fixtures/vision-photos.js';

const run = promisify(execFile);
const SIZE = { width: 480, height: 320 };
const RECT: Rect = [120, 80, 360, 260];

let dir: string;
let clip: string;
let clipHash: string;
let toys: string[];

interface Detected {
  width: number;
  height: number;
  time: number;
  detections: { label: string; score: number; box: [number, number, number, number] }[];
}

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'lantern-cli-frame-'));
  const ff = await locateFfmpeg();
  clip = path.join(dir, 'clip.mp4');
  const [x0, y0, x1, y1] = RECT;
  const colour = (name: 'red' | 'blue') =>
    `color=c=${hexColour(name)}:s=${SIZE.width}x${SIZE.height}:r=25:d=2`;
  const box = `drawbox=x=${x0}:y=${y0}:w=${x1 - x0}:h=${y1 - y0}:color=${hexColour('orange')}:t=fill`;
  await run(ff.ffmpeg, [
    ...['-hide_banner', '-loglevel', 'error', '-y'],
    ...['-f', 'lavfi', '-i', colour('red'), '-f', 'lavfi', '-i', colour('blue')],
    ...['-filter_complex', `[1:v]${box}[b];[0:v][b]concat=n=2:v=1:a=0[v]`, '-map', '[v]'],
    ...['-c:v', 'libx264', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p', clip],
  ]);
  clipHash = await sha256(clip);
  toys = ['--models', inject('toyModelsDir')];
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('lantern detect --at', () => {
  it('boxes the frame at that time in the video’s pixels', async () => {
    const later = await lantern([
      'detect',
      clip,
      '--at',
      '3',
      '--prompt',
      'orange',
      '--json',
      ...toys,
    ]);
    expect(later.stderr).toBe('');
    expect(later.code).toBe(0);
    const answer = JSON.parse(later.stdout) as Detected;
    expect(answer).toMatchObject({ ...SIZE, time: 3 });
    expect(iou(answer.detections[0]!.box, RECT)).toBeGreaterThanOrEqual(0.8);
    const earlier = await lantern([
      'detect',
      clip,
      '--at',
      '0:01',
      '--prompt',
      'orange',
      '--json',
      ...toys,
    ]);
    expect(earlier.code).toBe(0);
    expect((JSON.parse(earlier.stdout) as Detected).detections).toEqual([]);
    expect(await sha256(clip)).toBe(clipHash);
  });

  it('asks for --at on a video and refuses it on a photo', async () => {
    const untimed = await lantern(['detect', clip, '--prompt', 'orange', ...toys]);
    expect(untimed.code).not.toBe(0);
    expect(untimed.stderr).toContain('clip.mp4 is a video: give --at SECONDS');
    const photo = path.join(dir, 'still.png');
    await writeRectanglePhoto(photo, { ...SIZE, rect: RECT, fill: [245, 140, 20], format: 'png' });
    const timed = await lantern(['detect', photo, '--at', '1', '--prompt', 'orange', ...toys]);
    expect(timed.code).not.toBe(0);
    expect(timed.stderr).toContain('--at is for videos');
  });
});

describe('lantern segment --at', () => {
  it('masks the rectangle of the frame at the video’s size', async () => {
    const out = path.join(dir, 'mask.png');
    const result = await lantern([
      ...['segment', clip, '--at', '3', '--prompt', 'orange', '--out', out, '--json'],
      ...toys,
    ]);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const answer = JSON.parse(result.stdout) as { coverage: number; time: number; mask: string };
    expect(answer).toMatchObject({ ...SIZE, time: 3, mask: out });
    const area = ((RECT[2] - RECT[0]) * (RECT[3] - RECT[1])) / (SIZE.width * SIZE.height);
    expect(answer.coverage).toBeGreaterThan(area * 0.8);
    expect(answer.coverage).toBeLessThan(area * 1.2);
    expect(await sharp(out).metadata()).toMatchObject(SIZE);
    expect(await sha256(clip)).toBe(clipHash);
  });
});
