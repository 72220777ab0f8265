/**
 * @file Integration tests of electron/engine/vision/input.ts on real sharp: a photo
 * stored under EXIF orientations 1, 3, 6 and 8 becomes a detector input whose content is
 * the upright photo ('squash' and 'pad-square'), pad-square pads right/bottom with the
 * model's pad value, and a rectangle found in the tensor maps back through the Geometry
 * (and vision/boxes.ts) onto the rectangle in the photo's own pixels.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { detectionsFromOutputs, iou } from '../../electron/engine/vision/boxes.js';
import {
  prepareVisionFrame,
  prepareVisionInput,
  type VisionInput,
  type VisionPreprocess,
} from '../../electron/engine/vision/input.js';
import { exifBombJpeg } from '../fixtures/exif-bomb.js';
import { closest, type Rgb } from '../fixtures/images.js';
import { orientedJpeg, rectangles, type Rect, type Size } from '../fixtures/oriented-photos.js';
import { TOY_COLOURS } from '../toy-models/colours.js';

const S = 96;
/** OWL-ViT's preprocessing at a small size: CLIP's mean/std, bicubic squash. */
const SQUASH: VisionPreprocess = {
  size: S,
  resize: 'squash',
  interpolation: 'bicubic',
  rescale: 1 / 255,
  mean: [0.48145466, 0.4578275, 0.40821073],
  std: [0.26862954, 0.26130258, 0.27577711],
};
/** OWLv2's: bilinear, pad to a square with 0.5 first. */
const PAD: VisionPreprocess = { ...SQUASH, resize: 'pad-square', interpolation: 'bilinear' };
const MAX_PIXELS = 100_000_000;

const RED = TOY_COLOURS.red as Rgb;
const BLUE = TOY_COLOURS.blue as Rgb;
const WHITE = TOY_COLOURS.white as Rgb;
/** OWLv2's pad value 0.5 as a byte (input.ts rounds 127.5 up). */
const PAD_GREY: Rgb = [128, 128, 128];
const PALETTE = { red: RED, blue: BLUE, white: WHITE, pad: PAD_GREY };

/** Red near the top-left, blue near the bottom-right, on white: any turn or flip shows. */
function scene(shown: Size) {
  const at = (fx0: number, fy0: number, fx1: number, fy1: number): Rect => [
    Math.round(fx0 * shown.width),
    Math.round(fy0 * shown.height),
    Math.round(fx1 * shown.width),
    Math.round(fy1 * shown.height),
  ];
  const red = at(0.1, 0.1, 0.4, 0.45);
  const blue = at(0.65, 0.6, 0.92, 0.9);
  const paint = rectangles(WHITE, [
    { rect: red, colour: RED },
    { rect: blue, colour: BLUE },
  ]);
  return { red, blue, paint };
}

/** The tensor's pixel at input (x, y), back in 0..255 RGB. */
function pixel(input: VisionInput, pre: VisionPreprocess, x: number, y: number): Rgb {
  const plane = pre.size * pre.size;
  return [0, 1, 2].map((c) => {
    const value = input.tensor[c * plane + y * pre.size + x]!;
    return (value * pre.std[c]! + pre.mean[c]!) / pre.rescale;
  }) as unknown as Rgb;
}

/** Where photo pixel (x, y) lands in the input, by the preprocessing's own definition. */
function expectedInputAt(pre: VisionPreprocess, shown: Size, x: number, y: number) {
  if (pre.resize === 'squash') return [(x * S) / shown.width, (y * S) / shown.height];
  const side = Math.max(shown.width, shown.height);
  return [(x * S) / side, (y * S) / side];
}

/** Bounding box, in input pixels (exclusive end), of the input pixels nearest to `name`. */
function boundsOf(input: VisionInput, pre: VisionPreprocess, name: keyof typeof PALETTE) {
  let [x0, y0, x1, y1] = [Infinity, Infinity, -Infinity, -Infinity];
  for (let y = 0; y < S; y++)
    for (let x = 0; x < S; x++)
      if (closest(pixel(input, pre, x, y), PALETTE) === name) {
        [x0, y0] = [Math.min(x0, x), Math.min(y0, y)];
        [x1, y1] = [Math.max(x1, x + 1), Math.max(y1, y + 1)];
      }
  return [x0, y0, x1, y1] as const;
}

/**
 * The red rectangle as the toy detector would report it: one patch whose box is the red
 * region of the input (cx, cy, w, h in 0..1), mapped back by vision/boxes.ts.
 */
function detectRed(input: VisionInput, pre: VisionPreprocess) {
  const [x0, y0, x1, y1] = boundsOf(input, pre, 'red');
  const boxes = Float32Array.of((x0 + x1) / 2 / S, (y0 + y1) / 2 / S, (x1 - x0) / S, (y1 - y0) / S);
  const detections = detectionsFromOutputs({ logits: Float32Array.of(4), boxes }, input.geometry, {
    labels: ['red'],
    thresholds: 0.5,
  });
  expect(detections).toHaveLength(1);
  return detections[0]!.box;
}

let dir = '';
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'lantern-vision-input-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const shapes: [string, Size][] = [
  ['landscape', { width: 150, height: 100 }],
  ['portrait', { width: 100, height: 150 }],
];
const cases = shapes.flatMap(([shape, shown]) =>
  [1, 3, 6, 8].flatMap((tag) =>
    [SQUASH, PAD].map((pre) => ({ shape, shown, tag, pre, mode: pre.resize })),
  ),
);

describe('prepareVisionInput: the upright photo, whatever its EXIF orientation', () => {
  it.each(cases)('$shape, orientation $tag, $mode', async ({ shown, tag, pre }) => {
    const { red, blue, paint } = scene(shown);
    const bytes = await orientedJpeg(shown, tag, paint);
    const input = await prepareVisionInput(bytes, pre, { maxPixels: MAX_PIXELS });
    expect(input.tensor).toHaveLength(3 * S * S);

    const side = Math.max(shown.width, shown.height);
    expect(input.geometry).toEqual(
      pre.resize === 'squash'
        ? {
            ...shown,
            orientation: tag,
            resize: 'squash',
            inputSize: S,
            scaleX: shown.width / S,
            scaleY: shown.height / S,
            padRight: 0,
            padBottom: 0,
          }
        : {
            ...shown,
            orientation: tag,
            resize: 'pad-square',
            inputSize: S,
            scaleX: side / S,
            scaleY: side / S,
            padRight: side - shown.width,
            padBottom: side - shown.height,
          },
    );

    // The centres of the red and blue rectangles land where the upright photo has them.
    const centre = (r: Rect) =>
      expectedInputAt(pre, shown, (r[0] + r[2]) / 2, (r[1] + r[3]) / 2).map(Math.floor) as [
        number,
        number,
      ];
    expect(closest(pixel(input, pre, ...centre(red)), PALETTE)).toBe('red');
    expect(closest(pixel(input, pre, ...centre(blue)), PALETTE)).toBe('blue');
    expect(closest(pixel(input, pre, 1, 1), PALETTE)).toBe('white');

    // The red rectangle, found in the tensor, maps back onto itself in photo pixels.
    expect(iou(detectRed(input, pre), red)).toBeGreaterThanOrEqual(0.9);
  });
});

describe('prepareVisionInput: pad-square', () => {
  it.each(shapes)(
    '%s: pads at the right or bottom only, with the pad value',
    async (shape, shown) => {
      const bytes = await orientedJpeg(shown, 1, scene(shown).paint);
      const input = await prepareVisionInput(bytes, PAD, { maxPixels: MAX_PIXELS });
      const photoEnd = [(shown.width * S) / 150, (shown.height * S) / 150];
      for (let y = 0; y < S; y++)
        for (let x = 0; x < S; x++) {
          // A pixel wholly past the photo's edge (one input pixel of resampling blur).
          const inPad = x >= photoEnd[0]! + 1 || y >= photoEnd[1]! + 1;
          const inPhoto = x < photoEnd[0]! - 1 && y < photoEnd[1]! - 1;
          const value = pixel(input, PAD, x, y);
          if (inPad) value.forEach((v) => expect(Math.abs(v - 128)).toBeLessThan(0.5));
          // Photo pixels (edge blends included) are never the pad grey.
          if (inPhoto) expect(value.some((v) => Math.abs(v - 128) > 2)).toBe(true);
        }
      // The padding is where the photo is short: below a landscape, right of a portrait.
      expect(closest(pixel(input, PAD, S / 2, S - 2), PALETTE)).toBe(
        shape === 'landscape' ? 'pad' : 'white',
      );
      expect(closest(pixel(input, PAD, S - 2, S / 2), PALETTE)).toBe(
        shape === 'portrait' ? 'pad' : 'white',
      );
    },
  );

  it('takes the pad value from the preprocessing', async () => {
    const bytes = await orientedJpeg({ width: 150, height: 100 }, 1, () => WHITE);
    const input = await prepareVisionInput(
      bytes,
      { ...PAD, padValue: 0 },
      { maxPixels: MAX_PIXELS },
    );
    pixel(input, PAD, S / 2, S - 1).forEach((v) => expect(Math.abs(v)).toBeLessThan(0.5));
  });
});

describe('prepareVisionInput: transparency and greyscale', () => {
  it('flattens transparency onto white and makes greyscale RGB, as the CLIP path does', async () => {
    const clear = await sharp({
      create: { width: 60, height: 40, channels: 4, background: { r: 0, g: 0, b: 0, alpha: 0 } },
    })
      .png()
      .toBuffer();
    const grey = await sharp({
      create: { width: 60, height: 40, channels: 3, background: { r: 60, g: 60, b: 60 } },
    })
      .toColourspace('b-w')
      .png()
      .toBuffer();
    expect((await sharp(grey).metadata()).channels).toBe(1);
    for (const [bytes, expected] of [
      [clear, 255],
      [grey, 60],
    ] as const) {
      const input = await prepareVisionInput(bytes, PAD, { maxPixels: MAX_PIXELS });
      pixel(input, PAD, 10, 10).forEach((v) => expect(Math.abs(v - expected)).toBeLessThan(1));
    }
  });
});

describe('prepareVisionInput: large photos decode small and still map back exactly', () => {
  it.each([SQUASH, PAD])('1200×800 shown, stored turned (orientation 6), $resize', async (pre) => {
    const shown = { width: 1200, height: 800 };
    const { red, paint } = scene(shown);
    const path = join(dir, `large-${pre.resize}.jpg`);
    await writeFile(path, await orientedJpeg(shown, 6, paint));
    const input = await prepareVisionInput(path, pre, { maxPixels: MAX_PIXELS });
    expect(input.geometry).toMatchObject({ width: 1200, height: 800, orientation: 6 });
    const side = pre.resize === 'squash' ? null : 1200;
    expect(input.geometry.scaleX).toBeCloseTo((side ?? 1200) / S, 6);
    expect(input.geometry.scaleY).toBeCloseTo((side ?? 800) / S, 6);
    expect(iou(detectRed(input, pre), red)).toBeGreaterThanOrEqual(0.9);
  });
});

describe('prepareVisionFrame', () => {
  it('gives a raw upright frame the tensor and geometry of the same pixels as a file', async () => {
    const shown = { width: 150, height: 100 };
    const { paint } = scene(shown);
    const rgb = Buffer.alloc(shown.width * shown.height * 3);
    for (let y = 0; y < shown.height; y++)
      for (let x = 0; x < shown.width; x++) rgb.set(paint(x, y), (y * shown.width + x) * 3);
    const png = await sharp(rgb, { raw: { ...shown, channels: 3 } })
      .png()
      .toBuffer();
    for (const pre of [SQUASH, PAD]) {
      const frame = await prepareVisionFrame(rgb, shown.width, shown.height, pre);
      const photo = await prepareVisionInput(png, pre, { maxPixels: MAX_PIXELS });
      expect(frame.geometry).toEqual(photo.geometry);
      expect(frame.tensor).toEqual(photo.tensor);
    }
  });
});

describe('prepareVisionInput: errors are the image adapter’s', () => {
  const failureOf = (promise: Promise<unknown>) =>
    promise.then(
      () => null,
      (error: unknown) => error,
    );

  it('an empty file, a missing file, too many pixels, a looping EXIF block', async () => {
    const jpeg = await orientedJpeg({ width: 150, height: 100 }, 1, () => WHITE);
    expect(
      await failureOf(prepareVisionInput(Buffer.alloc(0), SQUASH, { maxPixels: MAX_PIXELS })),
    ).toMatchObject({ code: 'EMPTY_FILE' });
    expect(
      await failureOf(prepareVisionInput(join(dir, 'gone.jpg'), SQUASH, { maxPixels: MAX_PIXELS })),
    ).toMatchObject({
      code: 'READ_FAILED',
      message: expect.stringMatching(/^gone\.jpg/) as string,
    });
    expect(
      await failureOf(prepareVisionInput(jpeg, PAD, { maxPixels: 10_000, name: 'big.jpg' })),
    ).toMatchObject({
      code: 'TOO_LARGE',
      message: expect.stringMatching(/^big\.jpg is 150×100/) as string,
    });
    expect(
      await failureOf(prepareVisionInput(await exifBombJpeg(), SQUASH, { maxPixels: MAX_PIXELS })),
    ).toMatchObject({
      code: 'DECODE_FAILED',
      message: expect.stringMatching(/malformed EXIF/) as string,
    });
  });
});

describe('prepareVisionInput: a time budget', () => {
  it('gives up on a decode over its budget with DECODE_FAILED', async () => {
    // 12 MP of PNG: no shrink-on-load, so the decode takes far longer than 1 ms anywhere.
    const png = await sharp({
      create: { width: 4000, height: 3000, channels: 3, background: { r: 9, g: 99, b: 199 } },
    })
      .png()
      .toBuffer();
    const failure = await prepareVisionInput(png, PAD, {
      maxPixels: MAX_PIXELS,
      name: 'slow.png',
      timeoutMs: 1,
    }).catch((error: unknown) => error);
    expect(failure).toMatchObject({
      code: 'DECODE_FAILED',
      message: expect.stringMatching(/^slow\.png took longer than 0\.001 s/) as string,
    });
    // Let the abandoned decode finish before the next test (sharp counts its tasks).
    while (sharp.counters().queue + sharp.counters().process > 0)
      await new Promise((resolve) => setTimeout(resolve, 50));
  });
});
