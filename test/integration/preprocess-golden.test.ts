/**
 * @file Golden test of the model's preprocessing: Lantern's tensor of real photos
 * (Debian's mate-backgrounds, in many shapes) against CLIP's own preprocessing run by
 * PIL (test/golden/clip_preprocess.py), within a mean absolute difference of 0.01 and
 * a max of 0.1 in normalised units (issue 8). Also checks that resample.ts is Pillow's
 * resize to the last bit. Needs python3-pil and mate-backgrounds (.ci/run installs
 * them); without them it fails and says so.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ImagePreprocessOptions } from '../../native/image/index.js';
import { resampleLikePil } from '../../native/image/resample.js';
import { GOLDEN_CASES, bundledPreprocess, caseFile, hasMateBackgrounds } from '../golden/cases.js';
import {
  clipReference,
  difference,
  findPythonWithPil,
  lanternTensor,
  pilResize,
} from '../golden/reference.js';

let dir = '';
let python = '';
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'lantern-golden-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('preprocessing equals CLIP’s (PIL) on real photos', () => {
  let pre: ImagePreprocessOptions;
  const files: string[] = [];
  let reference: Float32Array[] = [];

  beforeAll(async () => {
    python = await findPythonWithPil();
    if (!(await hasMateBackgrounds())) {
      throw new Error(
        'The golden preprocessing test reads real photos from /usr/share/backgrounds/mate; ' +
          'install them (Debian: `apt-get install mate-backgrounds`).',
      );
    }
    pre = await bundledPreprocess();
    for (const [i, golden] of GOLDEN_CASES.entries()) files.push(await caseFile(golden, i, dir));
    reference = await clipReference(python, files, dir);
  });

  it('the bundled model asks for CLIP’s preprocessing', () => {
    expect(pre).toMatchObject({ size: 224, resize: 'shortest-crop', interpolation: 'bicubic' });
  });

  it.each(GOLDEN_CASES.map((golden, i) => [golden.name, i] as const))(
    '%s: mean ≤ 0.01, max ≤ 0.1',
    async (_, i) => {
      const tensor = await lanternTensor(files[i]!, pre, join(dir, `thumb-${i}.webp`));
      const { mean, max } = difference(tensor, reference[i]!);
      const figures = `mean ${mean.toFixed(4)}, max ${max.toFixed(3)}`;
      expect(mean, figures).toBeLessThanOrEqual(0.01);
      expect(max, figures).toBeLessThanOrEqual(0.1);
    },
  );
});

describe('resampleLikePil is Pillow’s resize', () => {
  // Noise: every pixel differs, so any off-by-one coefficient or rounding shows.
  const width = 97;
  const height = 61;
  const noise = Buffer.alloc(width * height * 3);
  let seed = 12345;
  for (let i = 0; i < noise.length; i++) {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    noise[i] = seed >>> 24;
  }
  const sizes = [
    [31, 19], // reduce about 3×
    [224, 141], // enlarge
    [97, 20], // one axis only
    [40, 61],
  ] as const;
  const filters = ['bicubic', 'bilinear', 'lanczos3', 'nearest'] as const;

  it.each(filters.flatMap((filter) => sizes.map(([w, h]) => [filter, w, h] as const)))(
    '%s to %i×%i equals Pillow byte for byte',
    async (filter, outWidth, outHeight) => {
      python ||= await findPythonWithPil();
      const input = join(dir, 'noise.rgb');
      await writeFile(input, noise);
      const expected = await pilResize(
        python,
        input,
        join(dir, `pil-${filter}-${outWidth}x${outHeight}.rgb`),
        { width, height, outWidth, outHeight },
        filter,
      );
      const actual = resampleLikePil(noise, width, height, outWidth, outHeight, filter);
      expect(actual.equals(expected)).toBe(true);
    },
  );
});
