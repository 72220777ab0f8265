/**
 * @file Runs the Python references of the golden preprocessing test: finds a python3
 * with Pillow (Debian's python3-pil) and runs clip_preprocess.py or a plain PIL resize.
 * A missing Python or Pillow is an error that says what to install: the golden test
 * never skips.
 */
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { decodeImage, type ImagePreprocessOptions } from '../../native/image/index.js';

const run = promisify(execFile);

export const CLIP_PREPROCESS = join(import.meta.dirname, 'clip_preprocess.py');

/**
 * Where Pillow may be: LANTERN_PYTHON if set, then Debian's own interpreter (where
 * apt's python3-pil installs; a pyenv or venv python3 earlier on PATH does not see it),
 * then python3 on PATH.
 */
function candidates(): string[] {
  const chosen = process.env['LANTERN_PYTHON'];
  return chosen ? [chosen] : ['/usr/bin/python3', 'python3'];
}

/** The first candidate python that imports PIL; throws a sentence saying what to install. */
export async function findPythonWithPil(): Promise<string> {
  const tried: string[] = [];
  for (const python of candidates()) {
    try {
      await run(python, ['-c', 'import PIL.Image']);
      return python;
    } catch (error) {
      const reason =
        error instanceof Error
          ? (error.message.split('\n').at(-2) ?? error.message)
          : String(error);
      tried.push(`${python}: ${reason.trim()}`);
    }
  }
  throw new Error(
    'The golden preprocessing test needs Python 3 with Pillow to run CLIP’s reference ' +
      'preprocessing; install them (Debian: `apt-get install python3 python3-pil`) ' +
      `or set LANTERN_PYTHON to a python3 that has PIL. Tried ${tried.join('; ')}.`,
  );
}

/** CLIP's reference tensors (3 × 224 × 224 floats each) of `files`, in order. */
export async function clipReference(
  python: string,
  files: string[],
  dir: string,
): Promise<Float32Array[]> {
  await run(python, [CLIP_PREPROCESS, dir, ...files], { maxBuffer: 1 << 20 });
  return Promise.all(
    files.map(async (_, i) => {
      const bytes = await readFile(join(dir, `${i}.f32`));
      return new Float32Array(bytes.buffer, bytes.byteOffset, bytes.length / 4);
    }),
  );
}

const PIL_RESIZE = `
import sys
from PIL import Image
w, h, ow, oh = map(int, sys.argv[3:7])
with open(sys.argv[1], 'rb') as f:
    image = Image.frombytes('RGB', (w, h), f.read())
filters = {'nearest': Image.NEAREST, 'bilinear': Image.BILINEAR, 'bicubic': Image.BICUBIC, 'lanczos3': Image.LANCZOS}
with open(sys.argv[2], 'wb') as f:
    f.write(image.resize((ow, oh), filters[sys.argv[7]]).tobytes())
`;

/** Pillow's `Image.resize` of raw RGB: `input` to `output`, both files. */
export async function pilResize(
  python: string,
  input: string,
  output: string,
  size: { width: number; height: number; outWidth: number; outHeight: number },
  filter: string,
): Promise<Buffer> {
  const sides = [size.width, size.height, size.outWidth, size.outHeight].map(String);
  await run(python, ['-c', PIL_RESIZE, input, output, ...sides, filter]);
  return readFile(output);
}

/** Mean and max absolute difference of two tensors, in normalised units. */
export function difference(a: Float32Array, b: Float32Array): { mean: number; max: number } {
  let sum = 0;
  let max = 0;
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs(a[i]! - b[i]!);
    sum += d;
    if (d > max) max = d;
  }
  return { mean: sum / a.length, max };
}

/**
 * Lantern's own preprocessing of one file, the indexer's way (a thumbnail is cut from the
 * same decode), as the tensor the model would get.
 */
export async function lanternTensor(
  file: string,
  pre: ImagePreprocessOptions,
  thumbnailPath: string,
): Promise<Float32Array> {
  const tensor = new Float32Array(3 * pre.size * pre.size);
  await decodeImage(file, {
    preprocess: pre,
    target: tensor,
    offset: 0,
    maxPixels: 100_000_000,
    thumbnail: { path: thumbnailPath, size: 256 },
  });
  return tensor;
}
