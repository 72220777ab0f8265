/**
 * @file The inspector's exports: mask PNG, transparent cut-out, crop of a box, "blur /
 * desaturate everything else", and the annotated photo (boxes with label and score,
 * masks as translucent fills). Each starts from the photo decoded and turned upright by
 * its EXIF orientation (the pixels boxes and masks are measured in) and is written beside
 * it per [Note: an export never writes over a file] (export-files.ts). Runs in the engine
 * worker and in the CLI.
 *
 * The pixels are native/image's (vision-raster.ts): the engine reaches sharp only through
 * that adapter (DESIGN.md, Layout). What is drawn (colours, the boxes' SVG, sizes), the
 * checks a person's sentence comes from and where the bytes go stay here; the adapter's
 * ImageError becomes a LanternError with the same code and sentence.
 */
import path from 'node:path';
import { LanternError } from '../../shared/errors.js';
import {
  annotatedPng,
  cropEncoded,
  cutoutPng,
  decodeUpright,
  ImageError,
  maskPng,
  outsideMaskPng,
  uprightSize,
} from '../../../native/image/index.js';
import { exportKind, writeExport } from './export-files.js';
import type { MaskImage } from './masks.js';

/** A box in original oriented pixels: left, top, right, bottom. */
export type PixelBox = readonly [number, number, number, number];

/** One detection as `lantern detect --json` reports it. */
export interface ExportDetection {
  label: string;
  score: number;
  box: PixelBox;
}

export interface ExportOptions {
  /** Write exactly here instead of beside the photo (refused if anything exists there). */
  out?: string | undefined;
  /** Photos with more pixels are refused as TOO_LARGE; default 100 MP as the indexer. */
  maxPixels?: number | undefined;
}

export interface ExportResult {
  path: string;
  width: number;
  height: number;
}

const DEFAULT_MAX_PIXELS = 100_000_000;

/** `work`, with the image adapter's error as the engine's: same code and sentence. */
async function imaging<T>(work: Promise<T>): Promise<T> {
  try {
    return await work;
  } catch (error) {
    if (error instanceof ImageError)
      throw new LanternError(error.code, error.message, { cause: error });
    throw error;
  }
}

/**
 * What an export starts from: a photo's path, or pixels already in memory (a paused video
 * frame's PNG, vision/frames.ts) with the path that names the export, which is never read.
 */
export type ExportSource = string | { readonly bytes: Buffer; readonly path: string };

/** The path an export is named after (and written beside). */
const namingPath = (source: ExportSource) => (typeof source === 'string' ? source : source.path);

/** What native/image reads, named in its sentences as the naming path's file. */
const imageInput = (source: ExportSource) => (typeof source === 'string' ? source : source.bytes);

/** Decode `photo` upright (EXIF orientation applied) into 8-bit sRGB. */
const uprightPhoto = (photo: ExportSource, maxPixels = DEFAULT_MAX_PIXELS) =>
  imaging(decodeUpright(imageInput(photo), { maxPixels, name: path.basename(namingPath(photo)) }));

/** The photo's upright size from its header alone (no pixels decoded). */
const uprightPhotoSize = (photo: ExportSource, maxPixels = DEFAULT_MAX_PIXELS) =>
  imaging(uprightSize(imageInput(photo), { maxPixels, name: path.basename(namingPath(photo)) }));

function assertSameSize(
  photo: ExportSource,
  image: { width: number; height: number },
  mask: MaskImage,
): void {
  if (mask.width !== image.width || mask.height !== image.height) {
    throw new LanternError(
      'INVALID_INPUT',
      `The mask is ${mask.width}×${mask.height} but ${path.basename(namingPath(photo))} is ` +
        `${image.width}×${image.height} upright; segment the photo again.`,
    );
  }
}

/** An `out` path must end in one of `allowed`; returns the extension to use. */
function outputExtension(out: string | undefined, allowed: readonly string[], fallback: string) {
  if (out === undefined) return fallback;
  const extension = path.extname(out).slice(1).toLowerCase();
  if (!allowed.includes(extension)) {
    throw new LanternError(
      'INVALID_INPUT',
      `${path.basename(out)} should end in .${allowed.join(' or .')} for this export; rename it.`,
    );
  }
  return extension;
}

/** The mask alone: white where it is, black elsewhere, at the photo's upright size. */
export async function exportMaskPng(
  photo: ExportSource,
  mask: MaskImage,
  label: string,
  options: ExportOptions = {},
): Promise<ExportResult> {
  const extension = outputExtension(options.out, ['png'], 'png');
  assertSameSize(photo, await uprightPhotoSize(photo, options.maxPixels), mask);
  const bytes = await imaging(maskPng(mask));
  const written = await writeExport(bytes, {
    photo: namingPath(photo),
    kind: exportKind('mask', label),
    extension,
    out: options.out,
  });
  return { path: written, width: mask.width, height: mask.height };
}

/** The photo with alpha = mask: what the prompt names, on transparency. */
export async function exportCutout(
  photo: ExportSource,
  mask: MaskImage,
  label: string,
  options: ExportOptions = {},
): Promise<ExportResult> {
  const extension = outputExtension(options.out, ['png'], 'png');
  const image = await uprightPhoto(photo, options.maxPixels);
  assertSameSize(photo, image, mask);
  const bytes = await imaging(cutoutPng(image, mask));
  const written = await writeExport(bytes, {
    photo: namingPath(photo),
    kind: exportKind('cutout', label),
    extension,
    out: options.out,
  });
  return { path: written, width: image.width, height: image.height };
}

/**
 * One box cut out of the upright photo, as JPEG or PNG: the `out` path's extension says
 * which, otherwise the photo's own kind (a JPEG photo gives a JPEG crop, anything else
 * PNG, so no transparency or lossless source is silently made lossy).
 */
export async function exportCrop(
  photo: ExportSource,
  box: PixelBox,
  label: string | undefined,
  options: ExportOptions = {},
): Promise<ExportResult> {
  const own = /^\.jpe?g$/i.test(path.extname(namingPath(photo))) ? 'jpg' : 'png';
  const extension = outputExtension(options.out, ['jpg', 'jpeg', 'png'], own);
  const image = await uprightPhoto(photo, options.maxPixels);
  const left = Math.max(0, Math.floor(Math.min(box[0], box[2])));
  const top = Math.max(0, Math.floor(Math.min(box[1], box[3])));
  const right = Math.min(image.width, Math.ceil(Math.max(box[0], box[2])));
  const bottom = Math.min(image.height, Math.ceil(Math.max(box[1], box[3])));
  if (!(right > left && bottom > top)) {
    throw new LanternError(
      'INVALID_INPUT',
      `The box [${box.join(', ')}] lies outside the ${image.width}×${image.height} photo; crop a box inside it.`,
    );
  }
  const region = { left, top, width: right - left, height: bottom - top };
  const bytes = await imaging(cropEncoded(image, region, extension === 'png' ? 'png' : 'jpeg'));
  const written = await writeExport(bytes, {
    photo: namingPath(photo),
    kind: exportKind('crop', label),
    extension,
    out: options.out,
  });
  return { path: written, width: region.width, height: region.height };
}

export interface OutsideMaskOptions extends ExportOptions {
  /** Gaussian sigma of "blur", in pixels; default scales with the photo (longest side / 150, at least 4). */
  blurSigma?: number | undefined;
}

/**
 * "Blur / desaturate everything else": the photo where the mask is, blurred or grey
 * elsewhere; a mask value between 0 and 255 blends the two.
 */
export async function exportOutsideMask(
  photo: ExportSource,
  mask: MaskImage,
  label: string,
  effect: 'blur' | 'desaturate',
  options: OutsideMaskOptions = {},
): Promise<ExportResult> {
  const extension = outputExtension(options.out, ['png'], 'png');
  const image = await uprightPhoto(photo, options.maxPixels);
  assertSameSize(photo, image, mask);
  // Scales with the photo, so "blur" looks the same on a thumbnail-sized and a 24 MP photo.
  const sigma = options.blurSigma ?? Math.max(4, Math.max(image.width, image.height) / 150);
  const bytes = await imaging(outsideMaskPng(image, mask, effect, sigma));
  const written = await writeExport(bytes, {
    photo: namingPath(photo),
    kind: exportKind(effect, label),
    extension,
    out: options.out,
  });
  return { path: written, width: image.width, height: image.height };
}

/** Distinct, readable on most photos; a label keeps its colour for its box and its mask. */
const PALETTE: readonly Rgb[] = [
  [255, 64, 64],
  [40, 200, 255],
  [255, 200, 0],
  [80, 220, 100],
  [230, 90, 255],
  [255, 140, 40],
  [0, 230, 200],
  [255, 120, 190],
];

type Rgb = readonly [number, number, number];

/** How opaque a mask's fill is: the photo stays readable underneath. */
const FILL_OPACITY = 0.4;

export interface LabelledMask {
  label: string;
  mask: MaskImage;
}

/** Each label's colour, in order of first appearance. */
export function labelColours(labels: readonly string[]): Map<string, Rgb> {
  const colours = new Map<string, Rgb>();
  for (const label of labels) {
    if (!colours.has(label)) colours.set(label, PALETTE[colours.size % PALETTE.length]!);
  }
  return colours;
}

const escapeXml = (text: string) => text.replace(/[<>&"']/g, (char) => `&#${char.charCodeAt(0)};`);

/** The boxes as one SVG the size of the photo: outline, then a filled tab with "label 0.87". */
export function boxesSvg(
  size: { width: number; height: number },
  detections: readonly ExportDetection[],
  colours: ReadonlyMap<string, Rgb>,
): string {
  const longest = Math.max(size.width, size.height);
  const stroke = Math.max(2, Math.round(longest / 400));
  const font = Math.max(12, Math.round(longest / 50));
  // Strongest last, so it is drawn on top where boxes overlap.
  const ordered = [...detections].sort((a, b) => a.score - b.score);
  const shapes = ordered.map(({ label, score, box }) => {
    const [r, g, b] = colours.get(label) ?? PALETTE[0]!;
    const colour = `rgb(${r},${g},${b})`;
    const [x0, y0, x1, y1] = box;
    const text = `${label} ${score.toFixed(2)}`;
    // Sans-serif glyphs average about 0.6 em; the tab is a little wider than the text.
    const tabWidth = Math.round(text.length * font * 0.6 + font * 0.6);
    const tabHeight = Math.round(font * 1.3);
    const tabTop = y0 - tabHeight >= 0 ? y0 - tabHeight : y0;
    const ink = r * 0.299 + g * 0.587 + b * 0.114 > 150 ? '#000' : '#fff';
    return (
      `<rect x="${x0}" y="${y0}" width="${x1 - x0}" height="${y1 - y0}" fill="none" ` +
      `stroke="${colour}" stroke-width="${stroke}"/>` +
      `<rect x="${x0}" y="${tabTop}" width="${tabWidth}" height="${tabHeight}" fill="${colour}"/>` +
      `<text x="${x0 + font * 0.3}" y="${tabTop + font * 1.0}" font-family="sans-serif" ` +
      `font-size="${font}" fill="${ink}">${escapeXml(text)}</text>`
    );
  });
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" width="${size.width}" height="${size.height}" ` +
    `viewBox="0 0 ${size.width} ${size.height}">${shapes.join('')}</svg>`
  );
}

/**
 * The photo with masks as translucent fills with an outline and boxes drawn over them
 * with their label and score, in one colour per label.
 */
export async function exportAnnotated(
  photo: ExportSource,
  detections: readonly ExportDetection[],
  masks: readonly LabelledMask[],
  options: ExportOptions = {},
): Promise<ExportResult> {
  const extension = outputExtension(options.out, ['png'], 'png');
  const image = await uprightPhoto(photo, options.maxPixels);
  const colours = labelColours([...masks.map((m) => m.label), ...detections.map((d) => d.label)]);
  for (const { mask } of masks) assertSameSize(photo, image, mask);
  const bytes = await imaging(
    annotatedPng(
      image,
      masks.map(({ label, mask }) => ({ mask, colour: colours.get(label)! })),
      {
        fillOpacity: FILL_OPACITY,
        edge: Math.max(1, Math.round(Math.max(image.width, image.height) / 500)),
        overlaySvg: detections.length > 0 ? boxesSvg(image, detections, colours) : null,
      },
    ),
  );
  const written = await writeExport(bytes, {
    photo: namingPath(photo),
    kind: 'annotated',
    extension,
    out: options.out,
  });
  return { path: written, width: image.width, height: image.height };
}
