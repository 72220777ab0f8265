/**
 * @file How sharp a photo is: the variance of the Laplacian of a small greyscale decode
 * (sharp, in the engine worker). The near-duplicates view compares it within a group of
 * copies of one picture to suggest the copy to keep (electron/engine/duplicates).
 *
 * Every photo is brought to the same box, enlarged or reduced: a small re-encode enlarged
 * to the box comes out blurred, so it scores lower than the original reduced to the same
 * box, which is the comparison a person makes. The value only means something beside
 * other photos measured the same way.
 */
import { readMediaFile } from './media-file.js';
import { sharp } from './sharp-module.js';

/**
 * Long side of the decode. 256 px: JPEG shrink-on-load makes it a fraction of a full
 * decode, and it keeps the detail that tells a sharp frame of a burst from a shaken one.
 */
const SHARPNESS_BOX = 256;

/**
 * Variance of the 4-neighbour Laplacian over the greyscale photo fitted into a
 * SHARPNESS_BOX square, EXIF orientation applied. Throws ImageError (via readMediaFile)
 * or sharp's error for a file that cannot be read or decoded; callers record null.
 */
export async function laplacianVariance(
  file: string,
  options: { maxPixels?: number } = {},
): Promise<number> {
  const bytes = await readMediaFile(file);
  const { data, info } = await sharp(bytes, {
    limitInputPixels: options.maxPixels ?? 100_000_000,
    failOn: 'error',
  })
    .rotate()
    .greyscale()
    .resize(SHARPNESS_BOX, SHARPNESS_BOX, { fit: 'inside' })
    .raw()
    .toBuffer({ resolveWithObject: true });
  const { width, height, channels } = info;
  let sum = 0;
  let squares = 0;
  let count = 0;
  const at = (x: number, y: number) => data[(y * width + x) * channels] ?? 0;
  for (let y = 1; y < height - 1; y++) {
    for (let x = 1; x < width - 1; x++) {
      const laplacian = at(x - 1, y) + at(x + 1, y) + at(x, y - 1) + at(x, y + 1) - 4 * at(x, y);
      sum += laplacian;
      squares += laplacian * laplacian;
      count++;
    }
  }
  if (count === 0) return 0;
  const mean = sum / count;
  return squares / count - mean * mean;
}
