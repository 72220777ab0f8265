/**
 * @file [Note: native packages load on first use] (native/image/sharp-module.ts): the
 * built command line loads sharp (libvips) and exiftool-vendored only in the commands
 * that use them. `status`, `models` and `search` load neither; `index` loads sharp;
 * writing an XMP sidecar loads exiftool-vendored. LanceDB and apache-arrow
 * (native/store/arrow.ts) load only where the store is opened: not for --version or --help;
 * and there from the build's out/store-modules.cjs, not file by file from node_modules
 * ([Note: the store's packages as one bundle]): LanceDB's native binding, a package of its
 * own, is what shows that LanceDB loaded.
 * onnxruntime-node (native/onnx/ort-module.ts) loads only where a model runs: search and
 * index, not status, models, --version or --help. Each run gets a `--require` preload that,
 * when node exits, writes which of the packages sit in require.cache (all are CommonJS, so
 * an ESM `import` of them lands there as well as a `require`).
 */
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { lantern } from '../fixtures/cli.js';
import { writePhoto } from '../fixtures/photos.js';
import { removeDir, tempDir } from '../fixtures/library.js';

const PRELOAD = `
const { writeFileSync } = require('node:fs');
process.on('exit', () => {
  const files = Object.keys(require.cache);
  const loaded = (name) => files.some((file) => file.includes('/node_modules/' + name + '/'));
  writeFileSync(process.env.LANTERN_TEST_LOADED, JSON.stringify({
    sharp: loaded('sharp'),
    exiftool: loaded('exiftool-vendored'),
    lancedb: files.some((file) => file.includes('/node_modules/@lancedb/lancedb-')),
    storeFilesFromNodeModules: loaded('@lancedb/lancedb') || loaded('apache-arrow'),
    onnxruntime: loaded('onnxruntime-node'),
  }));
});
`;

interface Loaded {
  sharp: boolean;
  exiftool: boolean;
  /** LanceDB (its native binding; native/store/arrow.ts). */
  lancedb: boolean;
  /** Any file of LanceDB's JavaScript or apache-arrow read from node_modules. */
  storeFilesFromNodeModules: boolean;
  onnxruntime: boolean;
}

describe('the command line loads native packages on first use', () => {
  let root: string;
  let photos: string;
  let global: string[];
  let run = 0;

  /** Runs `lantern …args` and answers which native packages its process loaded. */
  async function loadedBy(args: string[]): Promise<Omit<Loaded, 'storeFilesFromNodeModules'>> {
    const report = path.join(root, `loaded-${run++}.json`);
    const result = await lantern([...args, ...global], {
      NODE_OPTIONS: `--require=${path.join(root, 'preload.cjs')}`,
      LANTERN_TEST_LOADED: report,
    });
    expect(result.code, result.stderr).toBe(0);
    const loaded = JSON.parse(await readFile(report, 'utf8')) as Loaded;
    // Wherever the store loaded, it came from the bundle.
    expect(loaded.storeFilesFromNodeModules).toBe(false);
    const { storeFilesFromNodeModules: _, ...rest } = loaded;
    return rest;
  }

  beforeAll(async () => {
    root = await tempDir('lantern-lazy-native-');
    photos = path.join(root, 'photos');
    for (const colour of ['red', 'blue'] as const) await writePhoto(photos, { colour });
    await writeFile(path.join(root, 'preload.cjs'), PRELOAD);
    const db = path.join(root, 'db');
    global = ['--db', db, '--models', inject('toyModelsDir'), '--model', 'toy-clip-gap', '--json'];
  });

  afterAll(async () => {
    await removeDir(root);
  });

  it('index loads sharp and not ExifTool', async () => {
    expect(await loadedBy(['index', photos])).toEqual({
      sharp: true,
      exiftool: false,
      lancedb: true,
      onnxruntime: true,
    });
  }, 60_000);

  it('status, models and search load neither sharp nor ExifTool; only search onnxruntime', async () => {
    const neither = { sharp: false, exiftool: false, lancedb: true, onnxruntime: false };
    expect(await loadedBy(['status'])).toEqual(neither);
    expect(await loadedBy(['models'])).toMatchObject({
      sharp: false,
      exiftool: false,
      onnxruntime: false,
    });
    expect(await loadedBy(['search', 'red'])).toEqual({ ...neither, onnxruntime: true });
  }, 60_000);

  it('--version and --help load none of sharp, ExifTool, LanceDB, apache-arrow and onnxruntime', async () => {
    const none = { sharp: false, exiftool: false, lancedb: false, onnxruntime: false };
    expect(await loadedBy(['--version'])).toEqual(none);
    expect(await loadedBy(['--help'])).toEqual(none);
  }, 60_000);

  it('writing an XMP sidecar loads ExifTool', async () => {
    const photo = path.join(photos, 'red.jpg');
    const loaded = await loadedBy(['tags', 'accept', photo, 'red', '--write-xmp']);
    expect(loaded.exiftool).toBe(true);
  }, 60_000);
});
