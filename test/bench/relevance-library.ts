/**
 * @file Generated photo libraries for the relevance measurements (bench time only):
 * "grids of real photo colours". The `toy-clip-gap` model sees a photo only through the
 * 4×4 grid of its cell means (TOY_MODELS.md), so a library is a list of such grids:
 *
 * - real-looking photos: the 8×8 cell means of the wallpapers Debian installs under
 *   /usr/share/backgrounds (mate-backgrounds, ukui-wallpapers), cropped, flipped,
 *   white-balanced, exposed and noised differently per photo, so their colours and
 *   their layout (sky above ground, a subject in the middle) are a real photo's; when
 *   that folder is missing, a hand-written palette of natural colours in the same
 *   layouts stands in;
 * - subjects of known colour per colour word: solid photos of the colour (with noise)
 *   and "dominant" ones (a real photo with 12 of 16 cells covered by the colour, as a
 *   close-up of a red car fills most of the frame).
 */
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { TOY_COLOURS, type ColourWord } from '../toy-models/colours.js';
import { Prng } from './measure.js';

/** 48 values: 16 cells × RGB, row-major, each 0..1. */
export type Grid = Float32Array;

export interface Photo {
  grid: Grid;
  /** The colour word the photo shows, or null for an ordinary photo. */
  colour: ColourWord | null;
}

const BACKGROUNDS = '/usr/share/backgrounds';
const SOURCE_CELLS = 8;

/** Natural colours (0..255) for when no wallpapers are installed. */
const PALETTE = {
  sky: [
    [120, 160, 210],
    [170, 195, 225],
    [200, 210, 220],
    [90, 120, 170],
  ],
  foliage: [
    [60, 90, 40],
    [90, 120, 60],
    [40, 60, 30],
    [110, 130, 80],
  ],
  ground: [
    [190, 170, 130],
    [150, 130, 100],
    [90, 90, 95],
    [70, 60, 50],
  ],
  skin: [
    [220, 180, 150],
    [180, 130, 100],
    [120, 80, 60],
  ],
} as const;

/** Each source photo's 8×8 cell means, 0..1. */
export async function sourceGrids(): Promise<Float32Array[]> {
  if (!existsSync(BACKGROUNDS)) return paletteSources();
  const files = readdirSync(BACKGROUNDS, { recursive: true, encoding: 'utf8' })
    .filter((f) => /\.(jpe?g|png)$/i.test(f))
    .sort();
  const out: Float32Array[] = [];
  for (const file of files) {
    const { data } = await sharp(path.join(BACKGROUNDS, file))
      .resize(SOURCE_CELLS, SOURCE_CELLS, { fit: 'fill' })
      .removeAlpha()
      .raw()
      .toBuffer({ resolveWithObject: true });
    out.push(Float32Array.from(data, (v) => v / 255));
  }
  return out.length > 0 ? out : paletteSources();
}

function paletteSources(): Float32Array[] {
  const rng = new Prng(0x9a1e7);
  const pick = (list: readonly (readonly number[])[]) =>
    list[rng.int(list.length)] ?? [128, 128, 128];
  const out: Float32Array[] = [];
  for (let s = 0; s < 40; s++) {
    const horizon = 2 + rng.int(4);
    const top = pick(PALETTE.sky);
    const bottom = pick(rng.next() < 0.5 ? PALETTE.foliage : PALETTE.ground);
    const subject = rng.next() < 0.4 ? pick(PALETTE.skin) : null;
    const grid = new Float32Array(SOURCE_CELLS * SOURCE_CELLS * 3);
    for (let y = 0; y < SOURCE_CELLS; y++)
      for (let x = 0; x < SOURCE_CELLS; x++) {
        const inSubject = subject && x >= 3 && x <= 4 && y >= 3 && y <= 6;
        const colour = inSubject ? subject : y < horizon ? top : bottom;
        for (let c = 0; c < 3; c++) grid[(y * SOURCE_CELLS + x) * 3 + c] = (colour[c] ?? 0) / 255;
      }
    out.push(grid);
  }
  return out;
}

const clamp = (v: number) => Math.min(1, Math.max(0, v));

/** One real-looking photo: a crop of a source, flipped, white-balanced, exposed, noised. */
export function realPhoto(rng: Prng, sources: readonly Float32Array[]): Grid {
  const source = sources[rng.int(sources.length)] ?? new Float32Array(SOURCE_CELLS ** 2 * 3);
  // A crop of 4, 6 or 8 source cells, averaged down to 4×4.
  const span = [4, 6, 8][rng.int(3)] ?? 8;
  const ox = rng.int(SOURCE_CELLS - span + 1);
  const oy = rng.int(SOURCE_CELLS - span + 1);
  const flip = rng.next() < 0.5;
  const balance = [0, 1, 2].map(() => 1 + 0.04 * rng.gaussian());
  const exposure = Math.exp(0.1 * rng.gaussian());
  const grid = new Float32Array(48);
  for (let y = 0; y < 4; y++)
    for (let x = 0; x < 4; x++)
      for (let c = 0; c < 3; c++) {
        const sx = ox + Math.floor(((flip ? 3 - x : x) * span) / 4);
        const sy = oy + Math.floor((y * span) / 4);
        const value = source[(sy * SOURCE_CELLS + sx) * 3 + c] ?? 0.5;
        grid[(y * 4 + x) * 3 + c] = clamp(
          value * exposure * (balance[c] ?? 1) + 0.04 * rng.gaussian(),
        );
      }
  return grid;
}

/** A photo of `colour`: solid (with noise) or covering 12 of a real photo's 16 cells. */
export function colourPhoto(
  rng: Prng,
  sources: readonly Float32Array[],
  colour: ColourWord,
  dominant: boolean,
): Grid {
  const grid = dominant ? realPhoto(rng, sources) : new Float32Array(48);
  const rgb = TOY_COLOURS[colour];
  // The uncovered cells of a dominant photo: one edge row or column.
  const edge = rng.int(4);
  for (let cell = 0; cell < 16; cell++) {
    const y = cell >> 2;
    const x = cell & 3;
    const uncovered = [y === 0, y === 3, x === 0, x === 3][edge] ?? false;
    if (dominant && uncovered) continue;
    const shade = 1 + 0.06 * rng.gaussian();
    for (let c = 0; c < 3; c++)
      grid[cell * 3 + c] = clamp(((rgb[c] ?? 0) / 255) * shade + 0.03 * rng.gaussian());
  }
  return grid;
}

/** `real` ordinary photos plus `perColour` photos of each colour word (half dominant). */
export function mixedLibrary(
  seed: number,
  sources: readonly Float32Array[],
  real: number,
  perColour: number,
  colours: readonly ColourWord[],
): Photo[] {
  const rng = new Prng(seed);
  const photos: Photo[] = [];
  for (let i = 0; i < real; i++) photos.push({ grid: realPhoto(rng, sources), colour: null });
  for (const colour of colours)
    for (let i = 0; i < perColour; i++)
      photos.push({ grid: colourPhoto(rng, sources, colour, i % 2 === 1), colour });
  return photos;
}

/** A library that is all one subject: `count` photos of `colour` (half dominant). */
export function oneSubjectLibrary(
  seed: number,
  sources: readonly Float32Array[],
  colour: ColourWord,
  count: number,
): Photo[] {
  const rng = new Prng(seed);
  return Array.from({ length: count }, (_, i) => ({
    grid: colourPhoto(rng, sources, colour, i % 2 === 1),
    colour,
  }));
}
