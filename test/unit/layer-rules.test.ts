/**
 * @file The layer rules of DESIGN.md are enforced by the linter: an import across a
 * forbidden arrow is an error, and each native package is reached only through its own
 * adapter (sharp through native/image, onnxruntime-node through native/onnx, LanceDB and
 * Arrow through native/store), the engine through an adapter's index only. Lints small
 * probe sources as if they lived in each layer.
 */
import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';

const eslint = new ESLint({ cwd: process.cwd() });

async function restricted(file: string, source: string): Promise<boolean> {
  const [result] = await eslint.lintText(source, { filePath: file });
  return (result?.messages ?? []).some(
    (m) => m.ruleId === '@typescript-eslint/no-restricted-imports',
  );
}

describe('layer import rules', () => {
  it.each([
    ['electron/engine/library.ts', "import { app } from 'electron';"],
    ['electron/engine/library.ts', "import { x } from '../main/app.js';"],
    ['electron/shared/types.ts', "import { x } from '../engine/library.js';"],
    ['electron/shared/types.ts', "import { readFile } from 'node:fs/promises';"],
    ['electron/cli/main.ts', "import { x } from '../../native/store/index.js';"],
    ['electron/worker/main.ts', "import { x } from '../../native/onnx/index.js';"],
    ['electron/preload/preload.ts', "import { readFileSync } from 'node:fs';"],
    ['native/store/index.ts', "import { x } from '../../electron/shared/types.js';"],
    // Each native package has one door.
    ['electron/engine/library.ts', "import { x } from 'sharp';"],
    ['electron/engine/library.ts', "import type { x } from 'sharp';"],
    ['electron/engine/library.ts', "import { x } from 'onnxruntime-node';"],
    ['electron/engine/library.ts', "import { x } from 'onnxruntime-node/dist/index.js';"],
    ['electron/engine/library.ts', "import { x } from '@lancedb/lancedb';"],
    ['electron/engine/library.ts', "import { x } from 'apache-arrow';"],
    ['electron/main/app.ts', "import { x } from 'sharp';"],
    ['electron/cli/main.ts', "import { x } from 'apache-arrow';"],
    ['renderer/src/lib/api.ts', "import { x } from 'sharp';"],
    ['native/onnx/session.ts', "import { x } from 'sharp';"],
    ['native/store/schema.ts', "import { x } from 'onnxruntime-node';"],
    ['native/image/decode.ts', "import { x } from '@lancedb/lancedb';"],
    ['native/ffmpeg/index.ts', "import { x } from 'sharp';"],
    // The engine takes native/image through its index, never its internals.
    ['electron/engine/library.ts', "import { x } from '../../native/image/decode.js';"],
    ['electron/engine/vision/input.ts', "import { x } from '../../../native/image/errors.js';"],
  ])('%s may not: %s', async (file, source) => {
    expect(await restricted(file, `${source}\nexport const probe = x;\n`)).toBe(true);
  });

  it.each([
    ['electron/engine/library.ts', "import { x } from '../../native/store/index.js';"],
    ['electron/cli/main.ts', "import { x } from '../engine/library.js';"],
    ['electron/main/app.ts', "import { x } from '../engine/library.js';"],
    ['electron/preload/preload.ts', "import type { x } from '../shared/contract.js';"],
    ['electron/engine/vision/input.ts', "import { x } from '../../../native/image/index.js';"],
    ['native/image/decode.ts', "import { x } from 'sharp';"],
    ['native/image/vision-raster.ts', "import { x } from './errors.js';"],
    ['native/onnx/session.ts', "import { x } from 'onnxruntime-node';"],
    ['native/store/schema.ts', "import { x } from '@lancedb/lancedb';"],
    ['native/store/schema.ts', "import { x } from 'apache-arrow';"],
    ['test/integration/vision-input.test.ts', "import { x } from 'sharp';"],
    ['test/integration/toy-vision-models.test.ts', "import { x } from 'onnxruntime-node';"],
  ])('%s may: %s', async (file, source) => {
    expect(await restricted(file, `${source}\nexport const probe = x;\n`)).toBe(false);
  });
});
