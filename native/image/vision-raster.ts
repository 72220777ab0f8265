/**
 * @file The pixels of the inspector's exports: the photo decoded upright at full size,
 * and the PNG/JPEG bytes of a mask, a cut-out, a crop, "blur / desaturate everything
 * else" and the annotated photo (mask tints, then an SVG of boxes composited over).
 * electron/engine/vision/exports.ts decides what to draw, checks sizes and writes the
 * bytes beside the photo; this file only turns pixels into bytes, so sharp stays behind
 * native/image (DESIGN.md, Layout).
 *
 * Rasters are plain 8-bit arrays measured in the photo's upright pixels: RGB for the
 * photo, one byte per pixel for a mask (0 outside, 255 inside, between for a soft edge),
 * the layout of the engine's MaskImage.
 *
 * Memory: a 24 MP photo is held once as 8-bit RGB (72 MB) plus, for "blur everything
 * else", its blurred copy; masks are one byte per pixel.
 */
import { sharp } from './sharp-module.js';
import { classifyDecodeError, emptyFile, tooLarge } from './errors.js';
import { guardedImageBytes } from './guarded-bytes.js';

/** The photo upright, as 8-bit RGB with no alpha. */
export interface RgbRaster {
  data: Buffer;
  width: number;
  height: number;
}

/** One byte per pixel, row by row, at the photo's upright size. */
export interface MaskRaster {
  data: Uint8Array;
  width: number;
  height: number;
}

export interface UprightOptions {
  /** Photos with more pixels (width × height) are refused as TOO_LARGE. */
  maxPixels: number;
  /** How error sentences name the photo; default: the file's name. */
  name?: string;
}

export type Rgb = readonly [number, number, number];

const rawOf = (image: { width: number; height: number }, channels: 1 | 3 | 4) => ({
  raw: { width: image.width, height: image.height, channels },
});

/**
 * The file's bytes after the checks every decode here makes first: bounded regular-file
 * read, the EXIF guard, then the header's size against the pixel limit (no pixel decoded
 * yet). Returns the bytes and the size as shown (EXIF orientation applied).
 */
async function checkedPhoto(photo: Buffer | string, options: UprightOptions) {
  const { name, bytes } = await guardedImageBytes(photo, { name: options.name });
  if (bytes.length === 0) throw emptyFile(name);
  try {
    const meta = await sharp(bytes, { limitInputPixels: false }).metadata();
    if (meta.width * meta.height > options.maxPixels)
      throw tooLarge(name, meta.width, meta.height, options.maxPixels);
    return { bytes, name, width: meta.autoOrient.width, height: meta.autoOrient.height };
  } catch (error) {
    throw classifyDecodeError(error, name);
  }
}

/**
 * The photo's upright size from its header alone. `photo` is a path or the bytes already
 * in memory (a video frame's PNG). Throws ImageError.
 */
export async function uprightSize(photo: Buffer | string, options: UprightOptions) {
  const { width, height } = await checkedPhoto(photo, options);
  return { width, height };
}

/** Decode `photo` upright (EXIF orientation applied) into 8-bit sRGB. Throws ImageError. */
export async function decodeUpright(
  photo: Buffer | string,
  options: UprightOptions,
): Promise<RgbRaster> {
  const { bytes, name } = await checkedPhoto(photo, options);
  try {
    const { data, info } = await sharp(bytes, {
      limitInputPixels: options.maxPixels,
      autoOrient: true,
    })
      .removeAlpha()
      .toColourspace('srgb')
      .raw({ depth: 'uchar' })
      .toBuffer({ resolveWithObject: true });
    return { data, width: info.width, height: info.height };
  } catch (error) {
    throw classifyDecodeError(error, name);
  }
}

/** A mask that does not cover `image` pixel for pixel is a caller's mistake. */
function checkMask(image: { width: number; height: number }, mask: MaskRaster): void {
  if (
    mask.width !== image.width ||
    mask.height !== image.height ||
    mask.data.length !== mask.width * mask.height
  )
    throw new RangeError(
      `a ${mask.width}×${mask.height} mask of ${mask.data.length} bytes does not cover ` +
        `${image.width}×${image.height} pixels`,
    );
}

/** PNG of raw 8-bit pixels; one channel stays one (a greyscale PNG, a third the size). */
function pngOf(pixels: Buffer, image: { width: number; height: number }, channels: 1 | 3 | 4) {
  const raw = sharp(pixels, rawOf(image, channels));
  return (channels === 1 ? raw.toColourspace('b-w') : raw).png().toBuffer();
}

/** The mask alone as a greyscale PNG: white where it is, black elsewhere. */
export function maskPng(mask: MaskRaster): Promise<Buffer> {
  checkMask(mask, mask);
  return pngOf(Buffer.from(mask.data.buffer, mask.data.byteOffset, mask.data.length), mask, 1);
}

/** The photo with alpha = mask, as PNG: what the prompt names, on transparency. */
export function cutoutPng(image: RgbRaster, mask: MaskRaster): Promise<Buffer> {
  checkMask(image, mask);
  const pixels = Buffer.allocUnsafe(image.width * image.height * 4);
  for (let i = 0, o = 0; i < mask.data.length; i++, o += 4) {
    pixels[o] = image.data[i * 3]!;
    pixels[o + 1] = image.data[i * 3 + 1]!;
    pixels[o + 2] = image.data[i * 3 + 2]!;
    pixels[o + 3] = mask.data[i]!;
  }
  return pngOf(pixels, image, 4);
}

export interface Region {
  left: number;
  top: number;
  width: number;
  height: number;
}

/** `region` of the photo (whole pixels, inside it) as PNG or JPEG (quality 92). */
export function cropEncoded(
  image: RgbRaster,
  region: Region,
  format: 'png' | 'jpeg',
): Promise<Buffer> {
  const cropped = sharp(image.data, rawOf(image, 3)).extract(region);
  return (format === 'png' ? cropped.png() : cropped.jpeg({ quality: 92 })).toBuffer();
}

/**
 * "Blur / desaturate everything else", as PNG: the photo where the mask is, blurred
 * (Gaussian, `blurSigma` pixels) or grey elsewhere; a mask value between 0 and 255
 * blends the two.
 */
export async function outsideMaskPng(
  image: RgbRaster,
  mask: MaskRaster,
  effect: 'blur' | 'desaturate',
  blurSigma: number,
): Promise<Buffer> {
  checkMask(image, mask);
  const source = image.data;
  let pixels: Buffer;
  if (effect === 'blur') {
    pixels = await sharp(source, rawOf(image, 3)).blur(blurSigma).raw().toBuffer();
  } else {
    pixels = Buffer.allocUnsafe(source.length);
    for (let o = 0; o < source.length; o += 3) {
      // Rec. 601 luma, the weights libvips and most editors use for "greyscale".
      const grey = Math.round(0.299 * source[o]! + 0.587 * source[o + 1]! + 0.114 * source[o + 2]!);
      pixels[o] = grey;
      pixels[o + 1] = grey;
      pixels[o + 2] = grey;
    }
  }
  for (let i = 0, o = 0; i < mask.data.length; i++, o += 3) {
    const keep = mask.data[i]!;
    if (keep === 0) continue;
    for (let c = o; c < o + 3; c++) {
      pixels[c] = Math.round(pixels[c]! + ((source[c]! - pixels[c]!) * keep) / 255);
    }
  }
  return pngOf(pixels, image, 3);
}

/** One mask drawn on the annotated photo. */
export interface MaskTint {
  mask: MaskRaster;
  colour: Rgb;
}

export interface AnnotateOptions {
  /** How opaque a mask's fill is, 0..1 (its outline is opaque). */
  fillOpacity: number;
  /** Outline width: mask pixels this close to the outside are drawn opaque. */
  edge: number;
  /** Drawn over everything, the photo's size (boxes and their labels); null for none. */
  overlaySvg: string | null;
}

/** Tint the mask's pixels and draw its outline (pixels `edge` away from the outside) opaque. */
function tintMask(image: RgbRaster, { mask, colour }: MaskTint, options: AnnotateOptions): void {
  const { width, height } = mask;
  const { edge } = options;
  const inside = (x: number, y: number) =>
    x < 0 || y < 0 || x >= width || y >= height || mask.data[y * width + x]! >= 128;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      if (mask.data[y * width + x]! < 128) continue;
      const outline =
        !inside(x - edge, y) ||
        !inside(x + edge, y) ||
        !inside(x, y - edge) ||
        !inside(x, y + edge);
      const alpha = outline ? 1 : options.fillOpacity;
      const o = (y * width + x) * 3;
      for (let c = 0; c < 3; c++) {
        image.data[o + c] = Math.round(
          image.data[o + c]! + (colour[c]! - image.data[o + c]!) * alpha,
        );
      }
    }
  }
}

/**
 * The annotated photo as PNG: each mask tinted in its colour, in order, then the SVG
 * overlay composited on top. Tints `image` in place (it is a fresh decode, and a second
 * 72 MB copy of a large photo buys nothing).
 */
export function annotatedPng(
  image: RgbRaster,
  tints: readonly MaskTint[],
  options: AnnotateOptions,
): Promise<Buffer> {
  for (const tint of tints) {
    checkMask(image, tint.mask);
    tintMask(image, tint, options);
  }
  let picture = sharp(image.data, rawOf(image, 3));
  if (options.overlaySvg !== null)
    picture = picture.composite([{ input: Buffer.from(options.overlaySvg) }]);
  return picture.png().toBuffer();
}
