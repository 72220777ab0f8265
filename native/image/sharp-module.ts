/**
 * @file sharp (libvips), loaded on first use. Every value use of sharp in native/image
 * goes through `sharp()` / `loadSharp()` here; type-only imports stay `import type`.
 *
 * [Note: native packages load on first use]
 * esbuild keeps sharp and exiftool-vendored external and hoists their top-level imports
 * to the top of out/cli.js and out/worker.cjs, so every command loaded both although
 * only indexing, thumbnails and the inspector decode images and only XMP sidecars need
 * ExifTool. A `require` on first call defers each to its first use. Measured on a
 * 12-photo toy library (2 shared cores, before/after alternated): cold `lantern status`
 * 0.44 → 0.32 s and 141 → 126 MB peak RSS; `lantern search` 0.57 → 0.45 s, 202 → 187 MB.
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
