// @file Builds everything that runs: the plain-Node entry points (command line,
// benchmark) as ESM, the Electron main process and engine worker as CommonJS (Electron's
// CommonJS loader reads packages inside app.asar reliably; its ESM loader has not — see
// docs/packaging.md), the sandboxed preload, and the Svelte renderer with Vite.
// Native packages stay external: they load their own binaries at run time.
import { existsSync } from 'node:fs';
import { build } from 'esbuild';
import { asciiOutput } from './ascii-output.mjs';

const external = [
  'onnxruntime-node',
  'sharp',
  '@lancedb/lancedb',
  'apache-arrow',
  '@huggingface/transformers',
  // Finds and spawns the exiftool script of exiftool-vendored.pl at run time.
  'exiftool-vendored',
  // Its @stroncium/procfs require()s its parsers by computed name, which a bundle cannot
  // resolve ("Module not found in bundle: ./parsers/processMountinfo").
  'trash',
];
// [Note: zod's locales left out] `import { z } from 'zod'` keeps every export of zod's
// namespace, its ~50 translated error-message locales (~0.4 MB of a 1.9 MB bundle)
// included, and Node compiles all of it at every start of `lantern`. Lantern writes its
// own error sentences and uses zod's English (registered by zod itself from
// locales/en.js), so the locales barrel is replaced by one that holds English only.
const zodEnglishOnly = {
  name: 'zod-english-only',
  setup(context) {
    context.onResolve({ filter: /\/locales\/index\.js$/ }, (args) =>
      /[\\/]node_modules[\\/]zod[\\/]/.test(args.importer)
        ? { path: 'zod-locales-en', namespace: 'zod-english-only' }
        : undefined,
    );
    context.onLoad({ filter: /.*/, namespace: 'zod-english-only' }, () => ({
      contents: "export { default as en } from 'zod/v4/locales/en.js';",
      resolveDir: process.cwd(),
    }));
  },
};
const common = {
  bundle: true,
  plugins: [zodEnglishOnly, asciiOutput],
  platform: 'node',
  sourcemap: true,
  logLevel: 'warning',
  outdir: 'out',
};

// The command line as CommonJS, which bin/lantern.js compiles with V8's code cache
// ([Note: the command line's code cache] in bin/run-bundle.js; Node 20 caches no ESM).
await build({
  ...common,
  outExtension: { '.js': '.cjs' },
  format: 'cjs',
  target: 'node20',
  entryPoints: { cli: 'electron/cli/main.ts' },
  external,
  // engine/ and native/ use import.meta.url (createRequire, resources lookup).
  define: { 'import.meta.url': '__lanternModuleUrl', 'import.meta.dirname': '__dirname' },
  banner: {
    js: "const __lanternModuleUrl = require('node:url').pathToFileURL(__filename).href;",
  },
});

// [Note: the store's packages as one bundle] (native/store/arrow.ts): LanceDB's
// JavaScript and apache-arrow as one CommonJS file beside out/cli.cjs, which the command
// line loads through V8's code cache. Both come from this one file, so they share one
// Arrow instance (the CommonJS build LanceDB requires). LanceDB's native binding (a
// package per platform) and the embedding providers it requires only when asked for stay
// packages of their own.
await build({
  ...common,
  outdir: undefined,
  outfile: 'out/store-modules.cjs',
  stdin: {
    contents:
      "module.exports = { arrow: require('apache-arrow'), lancedb: require('@lancedb/lancedb') };",
    resolveDir: process.cwd(),
    sourcefile: 'store-modules.cjs',
    loader: 'js',
  },
  format: 'cjs',
  target: 'node20',
  external: ['@lancedb/lancedb-*', 'openai', '@huggingface/transformers'],
});

await build({
  ...common,
  entryPoints: {
    ...(existsSync('test/bench/main.ts') ? { bench: 'test/bench/main.ts' } : {}),
    // scripts/gpu-check; imports onnxruntime-node and nothing else external (docs/gpu.md).
    'gpu-check': 'electron/gpu-check/main.ts',
  },
  format: 'esm',
  target: 'node20',
  // The benchmark formats its report with the project's Prettier, loaded from node_modules.
  external: [...external, 'prettier'],
  // Bundled ESM needs a require() for the CommonJS dependencies esbuild inlines.
  banner: {
    js: "import { createRequire as __lanternRequire } from 'node:module'; const require = __lanternRequire(import.meta.url);",
  },
});

if (existsSync('electron/main/main.ts')) {
  const desktop = { ...common, outExtension: { '.js': '.cjs' } };
  await build({
    ...desktop,
    format: 'cjs',
    target: 'node22', // Electron 38 embeds Node 22
    entryPoints: { main: 'electron/main/main.ts', worker: 'electron/worker/main.ts' },
    external: ['electron', ...external],
    // engine/ and native/ use import.meta.url (createRequire, resources lookup).
    define: { 'import.meta.url': '__lanternModuleUrl', 'import.meta.dirname': '__dirname' },
    banner: {
      js: "const __lanternModuleUrl = require('node:url').pathToFileURL(__filename).href;",
    },
  });
  await build({
    ...desktop,
    format: 'cjs',
    target: 'chrome140', // Electron 38's Chromium
    entryPoints: { preload: 'electron/preload/preload.ts' },
    external: ['electron'],
  });
}

if (existsSync('renderer/vite.config.ts')) {
  const { build: viteBuild } = await import('vite');
  await viteBuild({ configFile: 'renderer/vite.config.ts', logLevel: 'warn' });
}
