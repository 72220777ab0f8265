/**
 * @file The inspector's exports, written with real sharp into temporary folders and read
 * back: sizes, alpha where the mask is, pixels outside blurred or grey, boxes drawn; the
 * photo's bytes never change, no existing file is written over, and a folder Lantern may
 * not write into is refused with a sentence.
 */
import { execFile } from 'node:child_process';
import { chmod, readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import sharp from 'sharp';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  exportAnnotated,
  exportCrop,
  exportCutout,
  exportMaskPng,
  exportOutsideMask,
} from '../../electron/engine/vision/exports.js';
import { removeDir, tempDir } from '../fixtures/library.js';
import {
  readPixels,
  rectangleMask,
  regionStats,
  sha256,
  writeRectanglePhoto,
} from '../fixtures/vision-photos.js';
import type { Rect, Rgb } from '../fixtures/vision-photos.js';

const run = promisify(execFile);

const WIDTH = 360;
const HEIGHT = 240;
const RECT: Rect = [100, 60, 260, 180];
const RED: Rgb = [220, 30, 30];
const MASK = rectangleMask(WIDTH, HEIGHT, RECT);
/** Well inside the rectangle, and well inside the striped background (away from its edge). */
const INSIDE: Rect = [120, 80, 240, 160];
const OUTSIDE: Rect = [8, 8, 80, 220];

let dir: string;
let photo: string;
let photoHash: string;

beforeEach(async () => {
  dir = await tempDir('lantern-vision-exports-');
  photo = path.join(dir, 'IMG_1.jpg');
  await writeRectanglePhoto(photo, {
    width: WIDTH,
    height: HEIGHT,
    rect: RECT,
    fill: RED,
    format: 'jpeg',
  });
  photoHash = await sha256(photo);
});

afterEach(async () => {
  // Every test: the photo is byte for byte what it was, and no temporary file is left.
  expect(await sha256(photo)).toBe(photoHash);
  expect((await readdir(dir)).filter((name) => name.endsWith('.tmp'))).toEqual([]);
  await removeDir(dir);
});

describe('vision exports', () => {
  it('writes the mask PNG beside the photo: white on black at the upright size', async () => {
    const result = await exportMaskPng(photo, MASK, 'red car');
    expect(result.path).toBe(path.join(dir, 'IMG_1.mask-red-car.png'));
    expect(await sharp(result.path).metadata()).toMatchObject({
      format: 'png',
      width: WIDTH,
      height: HEIGHT,
      channels: 1,
    });
    const mask = await readPixels(result.path);
    expect(mask.at(150, 100)[0]).toBe(255);
    expect(mask.at(20, 20)[0]).toBe(0);
    expect(mask.at(RECT[2], RECT[1])[0]).toBe(0);
  });

  it('cuts out a photo stored rotated (EXIF 6): alpha is the mask in upright pixels', async () => {
    const rotated = path.join(dir, 'rotated.jpg');
    await writeRectanglePhoto(rotated, {
      width: WIDTH,
      height: HEIGHT,
      rect: RECT,
      fill: RED,
      format: 'jpeg',
      orientation: 6,
    });
    const before = await sha256(rotated);
    const result = await exportCutout(rotated, MASK, 'red');
    expect(path.basename(result.path)).toBe('rotated.cutout-red.png');
    const cut = await readPixels(result.path);
    expect(cut.info).toMatchObject({ width: WIDTH, height: HEIGHT, channels: 4 });
    const alphaInside = regionStats(cut, INSIDE, 3);
    expect(alphaInside).toEqual({ mean: 255, stdev: 0 });
    expect(regionStats(cut, OUTSIDE, 3)).toEqual({ mean: 0, stdev: 0 });
    // Where the alpha is, the photo is: red (only an upright decode puts red there).
    expect(regionStats(cut, INSIDE, 0).mean).toBeGreaterThan(190);
    expect(regionStats(cut, INSIDE, 2).mean).toBeLessThan(70);
    expect(await sha256(rotated)).toBe(before);
  });

  it('crops a box as JPEG beside a JPEG photo, and as PNG when the out path says so', async () => {
    const jpeg = await exportCrop(photo, [100.4, 60, 259.6, 180], 'red');
    expect(path.basename(jpeg.path)).toBe('IMG_1.crop-red.jpg');
    const cropped = await readPixels(jpeg.path);
    expect((await sharp(jpeg.path).metadata()).format).toBe('jpeg');
    expect(cropped.info).toMatchObject({ width: 160, height: 120 });
    expect(regionStats(cropped, [10, 10, 150, 110], 0).mean).toBeGreaterThan(190);

    const out = path.join(dir, 'chosen.png');
    const png = await exportCrop(photo, [0, 0, 50, 40], undefined, { out });
    expect(png).toEqual({ path: out, width: 50, height: 40 });
    expect(await sharp(out).metadata()).toMatchObject({ format: 'png', width: 50, height: 40 });
  });

  it('refuses a box outside the photo with a sentence', async () => {
    await expect(exportCrop(photo, [400, 10, 500, 50], 'x')).rejects.toMatchObject({
      code: 'INVALID_INPUT',
      message: expect.stringMatching(/lies outside the 360×240 photo/) as string,
    });
  });

  it('blurs everything else: the stripes outside smooth out, the masked part stays sharp', async () => {
    const result = await exportOutsideMask(photo, MASK, 'red', 'blur');
    expect(path.basename(result.path)).toBe('IMG_1.blur-red.png');
    const original = await readPixels(photo);
    const blurred = await readPixels(result.path);
    expect(blurred.info).toMatchObject({ width: WIDTH, height: HEIGHT });
    const before = regionStats(original, OUTSIDE, 2);
    const after = regionStats(blurred, OUTSIDE, 2);
    expect(before.stdev).toBeGreaterThan(60);
    expect(after.stdev).toBeLessThan(before.stdev / 2);
    expect(blurred.at(150, 100)).toEqual(original.at(150, 100));
    expect(regionStats(blurred, INSIDE, 0).mean).toBeCloseTo(
      regionStats(original, INSIDE, 0).mean,
      0,
    );
  });

  it('desaturates everything else: grey outside the mask, colour inside', async () => {
    const result = await exportOutsideMask(photo, MASK, 'red', 'desaturate');
    expect(path.basename(result.path)).toBe('IMG_1.desaturate-red.png');
    const grey = await readPixels(result.path);
    for (const [x, y] of [
      [10, 10],
      [20, 200],
      [300, 30],
      [350, 230],
    ] as const) {
      const [r, g, b] = grey.at(x, y);
      expect(r).toBe(g);
      expect(g).toBe(b);
    }
    const [r, g] = grey.at(180, 120);
    expect(r! - g!).toBeGreaterThan(150);
  });

  it('annotates: boxes in their label colour, masks as a translucent tint, the rest untouched', async () => {
    const result = await exportAnnotated(
      photo,
      [{ label: 'red <car>', score: 0.87, box: [100, 60, 260, 180] }],
      [{ label: 'red <car>', mask: MASK }],
    );
    expect(path.basename(result.path)).toBe('IMG_1.annotated.png');
    const annotated = await readPixels(result.path);
    const original = await readPixels(photo);
    expect(annotated.info).toMatchObject({ width: WIDTH, height: HEIGHT });
    // The box's right edge (no label tab there) is the first palette colour, opaque.
    expect(annotated.at(RECT[2], 150).slice(0, 3)).toEqual([255, 64, 64]);
    // Inside the mask: 40% of the way from the photo's red to the fill colour's.
    const [r, g, b] = annotated.at(180, 150);
    const [r0, g0, b0] = original.at(180, 150);
    expect(g! - g0!).toBeGreaterThan(5);
    expect(Math.abs(r! - (r0! + (255 - r0!) * 0.4))).toBeLessThanOrEqual(2);
    expect(Math.abs(b! - (b0! + (64 - b0!) * 0.4))).toBeLessThanOrEqual(2);
    // Far from box and mask the photo is as it was.
    expect(annotated.at(20, 220).slice(0, 3)).toEqual(original.at(20, 220));
  });

  it('never writes over an existing file: a taken name gets -2, an explicit one is refused', async () => {
    const taken = path.join(dir, 'IMG_1.mask-red.png');
    await writeFile(taken, 'a file of the person’s');
    const second = await exportMaskPng(photo, MASK, 'red');
    expect(second.path).toBe(path.join(dir, 'IMG_1.mask-red-2.png'));
    const third = await exportMaskPng(photo, MASK, 'red');
    expect(third.path).toBe(path.join(dir, 'IMG_1.mask-red-3.png'));
    expect(await readFile(taken, 'utf8')).toBe('a file of the person’s');

    await expect(exportMaskPng(photo, MASK, 'red', { out: taken })).rejects.toMatchObject({
      code: 'INVALID_INPUT',
      message: expect.stringMatching(/exists already.*never writes over a file/) as string,
    });
    expect(await readFile(taken, 'utf8')).toBe('a file of the person’s');
    // Not even the photo itself, whatever the out path's extension.
    await expect(exportCrop(photo, [0, 0, 10, 10], 'x', { out: photo })).rejects.toMatchObject({
      code: 'INVALID_INPUT',
    });
  });

  it('makes a prompt a safe name part: no folder escapes, nothing but letters and digits', async () => {
    const escaping = await exportMaskPng(photo, MASK, '../../etc/Red  Car!');
    expect(escaping.path).toBe(path.join(dir, 'IMG_1.mask-etc-red-car.png'));
    const chinese = await exportMaskPng(photo, MASK, '红色的花');
    expect(chinese.path).toBe(path.join(dir, 'IMG_1.mask-红色的花.png'));
    const nothing = await exportMaskPng(photo, MASK, '?!/');
    expect(nothing.path).toBe(path.join(dir, 'IMG_1.mask.png'));
  });

  it('refuses a mask that is not the photo’s upright size', async () => {
    const turned = rectangleMask(HEIGHT, WIDTH, [10, 10, 20, 20]);
    await expect(exportCutout(photo, turned, 'red')).rejects.toMatchObject({
      code: 'INVALID_INPUT',
      message: expect.stringMatching(/mask is 240×360 but IMG_1\.jpg is 360×240/) as string,
    });
  });

  it('refuses a folder it may not write into, with a sentence, leaving it as it was', async () => {
    const locked = path.join(dir, 'locked');
    await run('mkdir', [locked]);
    const inside = path.join(locked, 'IMG_2.jpg');
    await writeRectanglePhoto(inside, {
      width: 64,
      height: 48,
      rect: [8, 8, 40, 30],
      fill: RED,
      format: 'jpeg',
    });
    await chmod(locked, 0o555);
    // root ignores permission bits; the immutable attribute stops it too.
    const asRoot = process.getuid?.() === 0;
    if (asRoot) await run('chattr', ['+i', locked]);
    try {
      const error: unknown = await exportMaskPng(
        inside,
        rectangleMask(64, 48, [8, 8, 40, 30]),
        'red',
      ).catch((caught: unknown) => caught);
      expect(error).toMatchObject({ code: 'NOT_ALLOWED' });
      expect((error as Error).message).toMatch(
        /may not write into .*locked; make the folder writable/,
      );
      expect(await readdir(locked)).toEqual(['IMG_2.jpg']);
    } finally {
      if (asRoot) await run('chattr', ['-i', locked]);
      await chmod(locked, 0o755);
    }
  });
});
