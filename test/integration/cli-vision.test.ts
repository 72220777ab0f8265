/**
 * @file `lantern detect` and `lantern segment` as a person or a script runs them (the
 * built CLI, toy models through --models): the JSON answers have exactly the issue's
 * shape, in the upright photo's pixels; --out and --cutout write beside nothing they may
 * not, the photo's bytes never change, and a taken name is refused with one sentence; a
 * detector that is not installed is named with the command that fetches it.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { iou } from '../../electron/engine/vision/boxes.js';
import { lantern } from '../fixtures/cli.js';
import type { Rgb } from '../fixtures/images.js';
import { orientedJpeg, type Rect } from '../fixtures/oriented-photos.js';
import { readPixels, sha256 } from '../fixtures/vision-photos.js';

const RED: Rgb = [220, 30, 30];
/** Shown 600 × 400, stored turned with EXIF orientation 6. */
const SHOWN = { width: 600, height: 400 };
const RECT: Rect = [130, 120, 420, 340];

let dir: string;
let photo: string;
let photoHash: string;
let toys: string[];

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'lantern-cli-vision-'));
  photo = path.join(dir, 'turned.jpg');
  const paint = (x: number, y: number): Rgb =>
    x >= RECT[0] && x < RECT[2] && y >= RECT[1] && y < RECT[3]
      ? RED
      : Math.floor(x / 8) % 2
        ? [240, 220, 40]
        : [30, 70, 220];
  await writeFile(photo, await orientedJpeg(SHOWN, 6, paint));
  photoHash = await sha256(photo);
  toys = ['--models', inject('toyModelsDir')];
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Exactly one line on stderr, a sentence, and a failing exit status. */
function expectOneSentence(result: { code: number | null; stderr: string }, words: string): void {
  expect(result.code).not.toBe(0);
  const lines = result.stderr.trim().split('\n');
  expect(lines).toHaveLength(1);
  expect(lines[0]).toContain(words);
}

describe('lantern detect', () => {
  it('answers {width, height, detections: [{label, score, box}]} in upright pixels', async () => {
    const result = await lantern([
      'detect',
      photo,
      '--prompt',
      'red',
      '--prompt',
      'green',
      '--json',
      ...toys,
    ]);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const answer = JSON.parse(result.stdout) as {
      width: number;
      height: number;
      detections: { label: string; score: number; box: [number, number, number, number] }[];
    };
    expect(Object.keys(answer).sort()).toEqual(['detections', 'height', 'width']);
    expect([answer.width, answer.height]).toEqual([600, 400]);
    expect(answer.detections.length).toBeGreaterThan(0);
    for (const detection of answer.detections) {
      expect(Object.keys(detection).sort()).toEqual(['box', 'label', 'score']);
      expect(detection.box).toHaveLength(4);
      expect(detection.score).toBeGreaterThan(0);
      expect(detection.score).toBeLessThanOrEqual(1);
    }
    const [best] = answer.detections;
    expect(best?.label).toBe('red');
    expect(iou(best!.box, RECT)).toBeGreaterThanOrEqual(0.8);
    expect(answer.detections.some((d) => d.label === 'green')).toBe(false);
    expect(await sha256(photo)).toBe(photoHash);
  });

  it('keeps only what passes --threshold', async () => {
    const low = await lantern([
      'detect',
      photo,
      '--prompt',
      'red',
      '--threshold',
      '0.5',
      '--json',
      ...toys,
    ]);
    const high = await lantern([
      'detect',
      photo,
      '--prompt',
      'red',
      '--threshold',
      '0.9999',
      '--json',
      ...toys,
    ]);
    expect(low.code).toBe(0);
    expect(high.code).toBe(0);
    expect((JSON.parse(low.stdout) as { detections: unknown[] }).detections.length).toBeGreaterThan(
      0,
    );
    expect(JSON.parse(high.stdout)).toEqual({ width: 600, height: 400, detections: [] });
    const wrong = await lantern(['detect', photo, '--prompt', 'red', '--threshold', '7', ...toys]);
    expect(wrong.code).toBe(2);
    expectOneSentence(wrong, '--threshold');
  });

  it('writes the annotated photo to --out and never over a file, the photo included', async () => {
    const out = path.join(dir, 'annotated.png');
    const first = await lantern([
      'detect',
      photo,
      '--prompt',
      'red',
      '--out',
      out,
      '--json',
      ...toys,
    ]);
    expect(first.code).toBe(0);
    const annotated = await readPixels(out);
    expect([annotated.info.width, annotated.info.height]).toEqual([600, 400]);
    const written = await sha256(out);
    const again = await lantern(['detect', photo, '--prompt', 'red', '--out', out, ...toys]);
    expectOneSentence(again, 'already exists');
    expect(await sha256(out)).toBe(written);
    const overPhoto = await lantern(['detect', photo, '--prompt', 'red', '--out', photo, ...toys]);
    expectOneSentence(overPhoto, 'already exists');
    expect(await sha256(photo)).toBe(photoHash);
  });

  it('picks the detector from --detector or LANTERN_DETECTOR, and refuses a segmenter', async () => {
    const byEnv = await lantern(['detect', photo, '--prompt', 'red', '--json', ...toys], {
      LANTERN_DETECTOR: 'toy-detect',
    });
    expect(byEnv.code).toBe(0);
    const wrongTask = await lantern([
      'detect',
      photo,
      '--prompt',
      'red',
      '--detector',
      'toy-segment',
      ...toys,
    ]);
    expectOneSentence(wrongTask, 'not a detection model');
  });

  it('names the fetch command when the detector is not installed', async () => {
    const empty = path.join(dir, 'no-models');
    for (const chosen of [['--detector', 'owlvit-b32'], []]) {
      const result = await lantern(
        ['detect', photo, '--prompt', 'red', '--models', empty, ...chosen],
        {
          LANTERN_DETECTOR: '',
        },
      );
      expectOneSentence(result, 'npx lantern models fetch owlvit-b32');
    }
  });
});

describe('lantern segment', () => {
  it('answers {label, coverage, width, height, mask} and writes the mask and the cut-out', async () => {
    const out = path.join(dir, 'mask.png');
    const cutout = path.join(dir, 'cut.png');
    const result = await lantern([
      'segment',
      photo,
      '--prompt',
      'red',
      '--out',
      out,
      '--cutout',
      cutout,
      '--json',
      ...toys,
    ]);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const answer = JSON.parse(result.stdout) as Record<string, unknown>;
    expect(Object.keys(answer).sort()).toEqual(['coverage', 'height', 'label', 'mask', 'width']);
    const truth = ((RECT[2] - RECT[0]) * (RECT[3] - RECT[1])) / (600 * 400);
    expect(answer).toMatchObject({ label: 'red', width: 600, height: 400, mask: out });
    expect(answer['coverage'] as number).toBeCloseTo(truth, 1);
    const mask = await readPixels(out);
    expect([mask.info.width, mask.info.height]).toEqual([600, 400]);
    expect(mask.at(275, 230)[0]).toBe(255);
    expect(mask.at(20, 20)[0]).toBe(0);
    const cut = await readPixels(cutout);
    expect([cut.info.width, cut.info.height, cut.info.channels]).toEqual([600, 400, 4]);
    expect(cut.at(20, 20)[3]).toBe(0);
    expect(cut.at(275, 230)[3]).toBe(255);
    expect(cut.at(275, 230)[0]).toBeGreaterThan(180);
    expect(await sha256(photo)).toBe(photoHash);
  });

  it('needs --out, one --prompt and quoted prompts, each said in one sentence', async () => {
    const noOut = await lantern(['segment', photo, '--prompt', 'red', ...toys]);
    expect(noOut.code).toBe(2);
    expectOneSentence(noOut, '--out');
    const two = await lantern([
      'segment',
      photo,
      '--prompt',
      'red',
      '--prompt',
      'green',
      '--out',
      path.join(dir, 'x.png'),
      ...toys,
    ]);
    expect(two.code).toBe(2);
    expectOneSentence(two, 'one --prompt');
    const unquoted = await lantern(['detect', photo, '--prompt', 'red', 'car', ...toys]);
    expect(unquoted.code).toBe(2);
    expectOneSentence(unquoted, '--prompt "red car"');
  });

  it('lists detect, segment and the model variables in --help', async () => {
    const help = await lantern(['--help']);
    expect(help.code).toBe(0);
    for (const words of [
      'detect <image>',
      'segment <image>',
      'LANTERN_DETECTOR',
      'LANTERN_SEGMENTER',
    ])
      expect(help.stdout).toContain(words);
  });
});
