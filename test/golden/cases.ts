/**
 * @file The golden preprocessing cases: real photos from Debian's `mate-backgrounds`
 * package, as shipped and as variants cut from them with sharp, so that every shape the
 * indexer meets is covered (landscape, portrait, square-ish, smaller than the model
 * input, 12 MP and more, EXIF-rotated, PNG). Used by
 * test/integration/preprocess-golden.test.ts.
 *
 * The images of lomiri-wallpapers, python3-skimage and opencv-doc are kept for
 * independent checks (issue 8): do not add them here.
 */
import { access, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import sharp from 'sharp';
import type { Sharp } from 'sharp';
import type { ImagePreprocessOptions } from '../../native/image/index.js';

/** Where Debian's mate-backgrounds installs its photos. */
export const MATE_BACKGROUNDS = '/usr/share/backgrounds/mate';

export interface GoldenCase {
  name: string;
  /** The photo in mate-backgrounds it is (or is cut from). */
  source: string;
  /** Makes the file to test from the source path; absent: the source file itself. */
  make?: (source: string) => Promise<Buffer>;
  /** The extension of the file `make` writes. */
  ext?: 'jpg' | 'png';
}

const jpeg = (image: Sharp) => image.jpeg({ quality: 92 }).toBuffer();

export const GOLDEN_CASES: readonly GoldenCase[] = [
  { name: 'landscape 16:10, 2560×1600 JPEG', source: 'nature/Aqua.jpg' },
  { name: 'landscape 3:2, 1920×1280 JPEG', source: 'nature/Storm.jpg' },
  { name: '4:3, 2560×1920 JPEG', source: 'nature/Wood.jpg' },
  { name: 'square-ish 5:4, 1280×1024 JPEG', source: 'nature/GreenMeadow.jpg' },
  { name: 'odd sides, 1600×1203 JPEG', source: 'nature/FreshFlower.jpg' },
  { name: 'large, 5640×3172 (17.9 MP) JPEG', source: 'abstract/Elephants_5640x3172.jpg' },
  {
    // 224 × 1532 / 1000 = 343.2: the crop has 119 rows to spare, an odd half (59.5)
    // that CLIP rounds to even (60) where a floor would give 59.
    name: 'portrait 1000×1532 JPEG (centre crop at a .5)',
    source: 'nature/LadyBird.jpg',
    make: (source) => jpeg(sharp(source).extract({ left: 900, top: 0, width: 1000, height: 1532 })),
  },
  {
    name: 'square-ish 1600×1560 JPEG',
    source: 'nature/Garden.jpg',
    make: (source) =>
      jpeg(sharp(source).extract({ left: 480, top: 20, width: 1600, height: 1560 })),
  },
  {
    name: 'large, 4480×2800 (12.5 MP) JPEG',
    source: 'nature/TwoWings.jpg',
    make: (source) => jpeg(sharp(source).resize(4480, 2800, { kernel: 'lanczos3' })),
  },
  {
    name: 'small, 200×125 JPEG (smaller than the model input)',
    source: 'nature/Dune.jpg',
    make: (source) => jpeg(sharp(source).resize(200, 125)),
  },
  {
    name: 'short side exactly 224, 300×224 JPEG',
    source: 'nature/YellowFlower.jpg',
    make: (source) => jpeg(sharp(source).resize(300, 224, { fit: 'cover' })),
  },
  {
    // Stored 1920×1200 with orientation 6: shown (and embedded) as 1200×1920.
    name: 'EXIF orientation 6, 1920×1200 stored JPEG',
    source: 'nature/RainDrops.jpg',
    make: (source) =>
      sharp(source).withMetadata({ orientation: 6 }).jpeg({ quality: 92 }).toBuffer(),
  },
  {
    name: 'PNG 1800×1200',
    source: 'nature/YellowFlower.jpg',
    make: (source) =>
      sharp(source).extract({ left: 0, top: 200, width: 1800, height: 1200 }).png().toBuffer(),
    ext: 'png',
  },
];

/** The path of one case's file: the package's own, or one written into `dir`. */
export async function caseFile(golden: GoldenCase, index: number, dir: string): Promise<string> {
  const source = join(MATE_BACKGROUNDS, golden.source);
  if (golden.make === undefined) return source;
  const path = join(dir, `case-${index}.${golden.ext ?? 'jpg'}`);
  await writeFile(path, await golden.make(source));
  return path;
}

/** Whether the package is installed (its photos are readable). */
export async function hasMateBackgrounds(): Promise<boolean> {
  return access(join(MATE_BACKGROUNDS, GOLDEN_CASES[0]!.source)).then(
    () => true,
    () => false,
  );
}

/** The bundled default model's vision preprocessing, as the app reads it. */
export async function bundledPreprocess(): Promise<ImagePreprocessOptions> {
  const manifest = JSON.parse(
    await readFile(join(import.meta.dirname, '../../resources/models.json'), 'utf8'),
  ) as { models: { id: string; vision?: ImagePreprocessOptions }[] };
  const vision = manifest.models.find((model) => model.id === 'clip-vit-b32')?.vision;
  if (!vision) throw new Error('resources/models.json has no clip-vit-b32 vision config');
  return vision;
}
