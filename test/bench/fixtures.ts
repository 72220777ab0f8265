/**
 * @file The benchmark's fixtures, cached under `.cache/bench/` so a rerun starts at once
 * (plain Node, bench time only): the ViT-B/32-sized model of vit-model.ts, and a folder
 * of camera-sized JPEG photos generated deterministically with sharp.
 *
 * [Note: synthetic camera photos]
 * Decoding cost depends on what is in the file, not only its pixel count: a flat colour
 * JPEG of 12 MP is a few hundred KB and decodes far faster than a real photo. Each photo
 * here is 4000×3000 (a 12 MP camera) and drawn from a PRNG seeded by its number, with
 * the 1/f spectrum of natural images (amplitude halves as scale halves):
 * - the scene, at 1/8 scale: a smooth colour field, a bright sky fading downwards in
 *   half the photos, and four octaves of luminance value noise (64 to 3 px apart);
 * - upscaled bilinearly to full size, then fine luminance detail (value noise 4 and 8 px
 *   apart, like foliage or fabric) and per-channel Gaussian grain (sensor noise), both
 *   sampled from shared seamless tiles at per-photo offsets and strengths.
 * Encoded at JPEG quality 90 (a camera's "fine"), that gives 2–4 MB per file, like a
 * phone or compact camera. Every photo carries EXIF (make, model, capture date) and
 * every fifth is stored rotated with orientation 6, as phones store portrait shots.
 */
import { existsSync } from 'node:fs';
import { link, mkdir, readFile, readdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { mapConcurrent } from '../../electron/engine/util/async-queue.js';
import { writeVitB32, type BenchModel } from './vit-model.js';
import { log, Prng } from './measure.js';

export const CACHE_DIR = path.resolve('.cache', 'bench');

/** Bump when the photo generator changes, so stale photos are not reused. */
const PHOTO_VERSION = 2;
const WIDTH = 4000;
const HEIGHT = 3000;
const JPEG_QUALITY = 90;

/** The model, written once; a stamp written last marks a complete set of files. */
export async function benchModel(): Promise<BenchModel> {
  const dir = path.join(CACHE_DIR, 'model');
  const stampPath = path.join(dir, 'bench-model.json');
  if (existsSync(stampPath)) {
    const stamp = JSON.parse(await readFile(stampPath, 'utf8')) as BenchModel;
    if (existsSync(stamp.visionPath) && existsSync(stamp.textPath)) return stamp;
  }
  log('writing the ViT-B/32-sized model (once; about a minute) …');
  await rm(dir, { recursive: true, force: true });
  const model = await writeVitB32(dir);
  await writeFile(stampPath, `${JSON.stringify(model, null, 2)}\n`);
  return model;
}

export interface PhotoSet {
  /** A folder holding exactly these photos (for the indexer). */
  dir: string;
  files: string[];
  totalBytes: number;
}

const photoName = (i: number) => `photo-${String(i).padStart(4, '0')}.jpg`;

/**
 * The first `count` photos of the generated series, in a folder of their own (hard
 * links into the full series, so the quick and full runs share one set of files).
 */
export async function benchPhotos(count: number): Promise<PhotoSet> {
  const allDir = path.join(CACHE_DIR, `photos-v${PHOTO_VERSION}`, 'all');
  await mkdir(allDir, { recursive: true });
  const missing = Array.from({ length: count }, (_, i) => i).filter(
    (i) => !existsSync(path.join(allDir, photoName(i))),
  );
  if (missing.length > 0) {
    log(`generating ${missing.length} photos of ${WIDTH}×${HEIGHT} (once; ~1 s of CPU each) …`);
    const started = performance.now();
    let done = 0;
    // JS fills one photo's pixels while sharp encodes others on libuv's threads.
    await mapConcurrent(missing, os.availableParallelism() + 1, async (i) => {
      await writePhoto(path.join(allDir, photoName(i)), i);
      done++;
      if (done % 10 === 0 || done === missing.length) {
        const seconds = (performance.now() - started) / 1000;
        log(`  photos ${done}/${missing.length} (${seconds.toFixed(0)} s)`);
      }
    });
  }

  const dir = path.join(CACHE_DIR, `photos-v${PHOTO_VERSION}`, `first-${count}`);
  const files: string[] = [];
  let totalBytes = 0;
  await mkdir(dir, { recursive: true });
  const present = new Set(await readdir(dir));
  for (let i = 0; i < count; i++) {
    const name = photoName(i);
    const file = path.join(dir, name);
    if (!present.has(name)) await link(path.join(allDir, name), file);
    files.push(file);
    totalBytes += (await stat(file)).size;
  }
  return { dir, files, totalBytes };
}

/** Clamp to a byte. */
const byte = (v: number) => (v < 0 ? 0 : v > 255 ? 255 : v);

/** Side of the square detail and grain tiles (a power of two: positions wrap with a mask). */
const TILE = 1024;
/** Scenes are drawn at 1/8 scale, which is cheap; finer detail comes from the full-size tiles. */
const LOW = 8;

/**
 * Value noise: a grid of random values every `spacing` pixels, bilinearly interpolated,
 * mean 0. `periodic` wraps the grid (spacing must divide the size), so a tile repeats
 * without a seam.
 */
function valueNoise(
  rng: Prng,
  w: number,
  h: number,
  spacing: number,
  spread: number,
  periodic = false,
): Float32Array {
  const gw = periodic ? w / spacing : Math.ceil(w / spacing) + 2;
  const gh = periodic ? h / spacing : Math.ceil(h / spacing) + 2;
  const grid = Float32Array.from({ length: gw * gh }, () => rng.gaussian() * spread);
  const at = (gx: number, gy: number) => grid[(gy % gh) * gw + (gx % gw)]!;
  const out = new Float32Array(w * h);
  for (let y = 0; y < h; y++) {
    const y0 = Math.floor(y / spacing);
    const fy = y / spacing - y0;
    for (let x = 0; x < w; x++) {
      const x0 = Math.floor(x / spacing);
      const fx = x / spacing - x0;
      const a = at(x0, y0) + (at(x0 + 1, y0) - at(x0, y0)) * fx;
      const b = at(x0, y0 + 1) + (at(x0 + 1, y0 + 1) - at(x0, y0 + 1)) * fx;
      out[y * w + x] = a + (b - a) * fy;
    }
  }
  return out;
}

interface Tiles {
  /** Fine luminance detail (foliage, fabric, gravel): value noise at 4 and 8 px. */
  detail: Float32Array;
  /** Per-channel sensor grain, one value per pixel and channel. */
  grain: Float32Array;
}

let tiles: Tiles | null = null;

/** The tiles every photo samples at its own offsets; built once per process from a fixed seed. */
function sharedTiles(): Tiles {
  if (tiles) return tiles;
  const rng = new Prng(0x7e57);
  const fine = valueNoise(rng, TILE, TILE, 4, 1, true);
  const coarser = valueNoise(rng, TILE, TILE, 8, 1, true);
  const detail = fine.map((v, i) => v + coarser[i]!);
  const grain = Float32Array.from({ length: TILE * TILE * 3 }, () => rng.gaussian());
  tiles = { detail, grain };
  return tiles;
}

/** The photo at 1/8 scale: a colour field with a sky gradient, plus luminance and colour octaves. */
function lowResScene(rng: Prng, w: number, h: number): Float32Array {
  const hue = [rng.next(), rng.next(), rng.next()];
  const sky = rng.next() < 0.5;
  const colours = [0, 1, 2].map((c) => valueNoise(rng, w, h, w / 5, 35 + hue[c]! * 10));
  // 1/f-like: each halving of scale halves the amplitude, as in natural images.
  const octaves = [64, 24, 8, 3].map((spacing) => valueNoise(rng, w, h, spacing, spacing * 0.6));
  const out = new Float32Array(w * h * 3);
  for (let y = 0; y < h; y++) {
    const lift = sky ? Math.max(0, 1 - (2 * y) / h) : 0;
    for (let x = 0; x < w; x++) {
      const i = y * w + x;
      let light = 0;
      for (const octave of octaves) light += octave[i]!;
      for (let c = 0; c < 3; c++) {
        const skyTint = lift * (c === 2 ? 70 : 45);
        out[i * 3 + c] = 50 + hue[c]! * 110 + colours[c]![i]! + light + skyTint;
      }
    }
  }
  return out;
}

/** One photo, as [Note: synthetic camera photos] describes; written beside, then renamed. */
async function writePhoto(file: string, index: number): Promise<void> {
  const rng = new Prng(0x1a2b3c + index * 7919);
  const { detail, grain } = sharedTiles();
  const lw = WIDTH / LOW;
  const lh = HEIGHT / LOW;
  const scene = lowResScene(rng, lw, lh);
  // How busy the picture is varies per photo (a clear sky vs. foliage), and so its size.
  const detailGain = 10 + rng.next() * 18;
  const grainGain = 2 + rng.next() * 3;
  const [dx, dy, gx, gy] = [rng.int(TILE), rng.int(TILE), rng.int(TILE), rng.int(TILE)];

  // Separable bilinear upscale: each low-res row is stretched once, then rows are blended.
  const stretched = Array.from({ length: lh }, (_, ly) => {
    const row = new Float32Array(WIDTH * 3);
    for (let x = 0; x < WIDTH; x++) {
      const sx = Math.min(lw - 1, Math.max(0, (x + 0.5) / LOW - 0.5));
      const x0 = Math.floor(sx);
      const x1 = Math.min(lw - 1, x0 + 1);
      const f = sx - x0;
      for (let c = 0; c < 3; c++) {
        const a = scene[(ly * lw + x0) * 3 + c]!;
        row[x * 3 + c] = a + (scene[(ly * lw + x1) * 3 + c]! - a) * f;
      }
    }
    return row;
  });
  const pixels = Buffer.alloc(WIDTH * HEIGHT * 3);
  for (let y = 0; y < HEIGHT; y++) {
    const sy = Math.min(lh - 1, Math.max(0, (y + 0.5) / LOW - 0.5));
    const y0 = Math.floor(sy);
    const top = stretched[y0]!;
    const bottom = stretched[Math.min(lh - 1, y0 + 1)]!;
    const f = sy - y0;
    const detailRow = ((y + dy) & (TILE - 1)) * TILE;
    const grainRow = ((y + gy) & (TILE - 1)) * TILE;
    for (let x = 0, p = y * WIDTH * 3; x < WIDTH; x++, p += 3) {
      const d = detail[detailRow + ((x + dx) & (TILE - 1))]! * detailGain;
      const g = (grainRow + ((x + gx) & (TILE - 1))) * 3;
      for (let c = 0; c < 3; c++) {
        const a = top[x * 3 + c]!;
        pixels[p + c] = byte(a + (bottom[x * 3 + c]! - a) * f + d + grain[g + c]! * grainGain);
      }
    }
  }
  const day = 1 + (index % 28);
  const taken = `2023:${String(1 + (index % 12)).padStart(2, '0')}:${String(day).padStart(2, '0')} 10:${String(index % 60).padStart(2, '0')}:00`;
  const temporary = `${file}.${process.pid}.tmp`;
  await sharp(pixels, { raw: { width: WIDTH, height: HEIGHT, channels: 3 } })
    .jpeg({ quality: JPEG_QUALITY })
    .withMetadata({ orientation: index % 5 === 4 ? 6 : 1 })
    .withExifMerge({
      IFD0: { Make: 'Lantern', Model: 'Bench Camera 12MP' },
      IFD2: { DateTimeOriginal: taken },
    })
    .toFile(temporary);
  await rename(temporary, file);
}
