/**
 * @file sharp (libvips), loaded on first use. Every value use of sharp in native/image
 * goes through `sharp()` / `loadSharp()` here; type-only imports stay `import type`.
 *
 * [Note: native packages load on first use]
 * esbuild keeps sharp external and hoists a top-level `import sharp from 'sharp'` to the
 * top of out/cli.js and out/worker.cjs, so every command paid for libvips (≈0.2 s and
 * ≈20 MB of a cold `lantern search`) although only indexing, thumbnails and the
 * inspector decode images. A `require` on first call defers that to the first decode.
 * createRequire works in all three places this code runs: the ESM command-line bundle
 * (whose banner defines `require` too), the CommonJS worker bundle (which defines
 * import.meta.url, as for onnxruntime-node in native/onnx/thread.ts) and vitest.
 * native/xmp/exiftool.ts does the same for exiftool-vendored.
 */
import { createRequire } from 'node:module';
import type sharpFunction from 'sharp';
import type { Sharp, SharpInput, SharpOptions } from 'sharp';

/** What `require('sharp')` returns: the function, with libvips' settings on it. */
type SharpModule = typeof sharpFunction;

let loaded: SharpModule | undefined;

/** The sharp module itself, for its process-wide settings (concurrency, cache, format). */
export function loadSharp(): SharpModule {
  loaded ??= createRequire(import.meta.url)('sharp') as SharpModule;
  return loaded;
}

/** `sharp(input, options)`, loading sharp on the first call. */
export function sharp(input: SharpInput | SharpInput[], options?: SharpOptions): Sharp {
  return loadSharp()(input, options);
}
