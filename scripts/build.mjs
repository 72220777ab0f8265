// @file Bundles the plain-Node entry points (command line, benchmark) into out/ with
// esbuild. Native packages stay external: they load their own binaries at run time.
import { existsSync } from 'node:fs';
import { build } from 'esbuild';

const external = [
  'onnxruntime-node',
  'sharp',
  '@lancedb/lancedb',
  'apache-arrow',
  '@huggingface/transformers',
];

await build({
  entryPoints: {
    cli: 'electron/cli/main.ts',
    ...(existsSync('test/bench/main.ts') ? { bench: 'test/bench/main.ts' } : {}),
  },
  outdir: 'out',
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  sourcemap: true,
  external,
  // Bundled ESM needs a require() for the CommonJS dependencies esbuild inlines.
  banner: {
    js: "import { createRequire as __lanternRequire } from 'node:module'; const require = __lanternRequire(import.meta.url);",
  },
  logLevel: 'warning',
});
