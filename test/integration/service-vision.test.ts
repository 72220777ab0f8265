/**
 * @file The vision:* channels of the engine service, as the inspector calls them, on the
 * toy detector and segmenter: a red rectangle in a photo stored turned (EXIF 6) is boxed
 * in upright pixels with IoU ≥ 0.8, and boxes down to the floor come back with the
 * model's threshold; a photo outside the library (or a library file that is no photo) is
 * refused; segment's data URL is a PNG at the photo's aspect whose bright pixels cover
 * the rectangle; each export kind is written beside the photo, which stays unchanged; a
 * model that is not downloaded is named with where to get it. Real service, store, toy
 * models.
 */
import { copyFile, readdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { JobSnapshot, Result } from '../../electron/shared/contract.js';
import type { VisionDetections, VisionMasks } from '../../electron/shared/types.js';
import { LanternService } from '../../electron/engine/service/service.js';
import { DETECT_FLOOR } from '../../electron/engine/service/vision-handlers.js';
import { iou } from '../../electron/engine/vision/boxes.js';
import { removeDir, tempDir } from '../fixtures/library.js';
import { readPixels, sha256, writeRectanglePhoto, type Rect } from '../fixtures/vision-photos.js';

const RED = [220, 30, 30] as const;
/** Upright size and rectangle: off-centre and off the patch grid, so a wrong axis misses. */
const SIZE = { width: 600, height: 400 };
const RECT: Rect = [132, 120, 426, 332];

let root: string;
let outside: string;
let db: string;
let service: LanternService;
let photo: string;

function value<T>(answer: Result<unknown>): T {
  if (!answer.ok) throw new Error(JSON.stringify(answer.error));
  return answer.value as T;
}

beforeAll(async () => {
  [root, outside, db] = await Promise.all([tempDir(), tempDir(), tempDir()]);
  photo = path.join(root, 'turned.jpg');
  await writeRectanglePhoto(photo, {
    ...SIZE,
    rect: RECT,
    fill: RED,
    orientation: 6,
    format: 'jpeg',
  });
  await copyFile(photo, path.join(outside, 'elsewhere.jpg'));
  await writeFile(path.join(root, 'notes.txt'), 'not a photo');
  service = await LanternService.create({
    shell: 'browser',
    dbDir: db,
    modelsDir: inject('toyModelsDir'),
    modelId: 'toy-clip',
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

describe('vision:detect', () => {
  it('boxes the rectangle in upright pixels, every box down to the floor, with the threshold', async () => {
    const answer = value<VisionDetections>(
      await service.invoke('vision:detect', { path: photo, prompts: ['red', 'green'] }),
    );
    expect(answer).toMatchObject({ model: 'toy-detect', ...SIZE, threshold: 0.1 });
    const [best] = answer.detections;
    expect(best?.label).toBe('red');
    expect(iou(best!.box, RECT)).toBeGreaterThanOrEqual(0.8);
    // Strongest first, none under the floor.
    const scores = answer.detections.map((d) => d.score);
    expect(scores).toEqual([...scores].sort((a, b) => b - a));
    expect(Math.min(...scores)).toBeGreaterThanOrEqual(DETECT_FLOOR);
  });

  it('refuses a photo outside the library and a library file that is no photo', async () => {
    for (const file of [path.join(outside, 'elsewhere.jpg'), path.join(root, 'notes.txt')]) {
      const answer = await service.invoke('vision:detect', { path: file, prompts: ['red'] });
      expect(answer).toMatchObject({
        ok: false,
        error: {
          code: 'NOT_FOUND',
          message: expect.stringMatching(/not a photo in the library/) as string,
        },
      });
    }
    const sneaky = path.join(root, '..', path.basename(outside), 'elsewhere.jpg');
    const answer = await service.invoke('vision:segment', { path: sneaky, prompts: ['red'] });
    expect(answer).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } });
  });

  it('names a detector that is not downloaded, and where to get it', async () => {
    const answer = await service.invoke('vision:detect', {
      path: photo,
      prompts: ['red'],
      detector: 'owlvit-b32',
    });
    expect(answer).toMatchObject({
      ok: false,
      error: {
        code: 'MODEL_MISSING',
        message: expect.stringMatching(/owlvit-b32.*download/) as string,
      },
    });
  });
});

describe('vision:segment', () => {
  it('answers a PNG probability map at the photo’s aspect that covers the rectangle', async () => {
    const answer = value<VisionMasks>(
      await service.invoke('vision:segment', { path: photo, prompts: ['red', 'green'] }),
    );
    expect(answer).toMatchObject({ model: 'toy-segment', ...SIZE, threshold: 0.5 });
    const [red, green] = answer.masks;
    expect(red?.label).toBe('red');
    const area = ((RECT[2] - RECT[0]) * (RECT[3] - RECT[1])) / (SIZE.width * SIZE.height);
    expect(red!.coverage).toBeCloseTo(area, 1);
    expect(green!.coverage).toBeLessThan(0.01);

    const [header, base64] = red!.image.split(',');
    expect(header).toBe('data:image/png;base64');
    const png = Buffer.from(base64!, 'base64');
    expect(await sharp(png).metadata()).toMatchObject({ format: 'png', channels: 1 });
    const { data, info } = await sharp(png)
      .extractChannel(0)
      .raw()
      .toBuffer({ resolveWithObject: true });
    expect(Math.max(info.width, info.height)).toBeLessThanOrEqual(512);
    expect(info.width / info.height).toBeCloseTo(SIZE.width / SIZE.height, 2);
    // The rectangle scaled to the map; pixels at or above 128 (p ≥ 0.5) are "in".
    const scale = info.width / SIZE.width;
    const truth = RECT.map((edge) => edge * scale);
    let both = 0;
    let either = 0;
    for (let y = 0; y < info.height; y++) {
      for (let x = 0; x < info.width; x++) {
        const inTruth =
          x + 0.5 > truth[0]! && x + 0.5 < truth[2]! && y + 0.5 > truth[1]! && y + 0.5 < truth[3]!;
        const inMap = data[y * info.width + x]! >= 128;
        if (inTruth && inMap) both++;
        if (inTruth || inMap) either++;
      }
    }
    expect(both / either).toBeGreaterThanOrEqual(0.9);
  });
});

describe('vision:export', () => {
  it('writes each kind beside the photo, as a new file, and leaves the photo unchanged', async () => {
    const before = await sha256(photo);
    const exports = [
      { kind: 'annotated', masks: true },
      { kind: 'mask' },
      { kind: 'cutout' },
      { kind: 'blur-rest' },
      { kind: 'desaturate-rest' },
      { kind: 'crop', box: [...RECT] },
    ];
    const written: string[] = [];
    for (const extra of exports) {
      const { path: file } = value<{ path: string }>(
        await service.invoke('vision:export', { path: photo, prompts: ['red'], ...extra }),
      );
      expect(path.dirname(file)).toBe(path.dirname(photo));
      written.push(file);
    }
    expect(new Set(written).size).toBe(exports.length);
    expect(await sha256(photo)).toBe(before);

    const mask = await readPixels(written[1]!);
    expect([mask.info.width, mask.info.height]).toEqual([SIZE.width, SIZE.height]);
    expect(mask.at(280, 226)[0]).toBe(255);
    expect(mask.at(20, 20)[0]).toBe(0);
    const crop = await readPixels(written[5]!);
    expect([crop.info.width, crop.info.height]).toEqual([RECT[2] - RECT[0], RECT[3] - RECT[1]]);
    // A second export of the same kind is another file, never over the first.
    const again = value<{ path: string }>(
      await service.invoke('vision:export', { path: photo, prompts: ['red'], kind: 'mask' }),
    );
    expect(again.path).not.toBe(written[1]);
    expect((await readdir(root)).length).toBe(2 + exports.length + 1);
  });

  it("cuts the annotated photo's masks at the panel's mask threshold", async () => {
    const annotated = async (maskThreshold?: number) => {
      const { path: file } = value<{ path: string }>(
        await service.invoke('vision:export', {
          path: photo,
          prompts: ['red'],
          kind: 'annotated',
          masks: true,
          ...(maskThreshold !== undefined ? { maskThreshold } : {}),
        }),
      );
      return (await readPixels(file)).at(280, 226);
    };
    // Inside the rectangle: tinted by the mask at the segmenter's threshold; at 0.9999 no
    // pixel is in the mask (the toy's strongest logit, 8, is 0.99966), so the photo's red shows.
    const tinted = await annotated();
    const untinted = await annotated(0.9999);
    expect(untinted).not.toEqual(tinted);
    expect(await annotated(0.5)).toEqual(tinted);
  });

  it('refuses a crop with no box, in a sentence', async () => {
    const answer = await service.invoke('vision:export', {
      path: photo,
      prompts: ['red'],
      kind: 'crop',
    });
    expect(answer).toMatchObject({
      ok: false,
      error: { code: 'INVALID_INPUT', message: expect.stringMatching(/needs the box/) as string },
    });
  });
});
