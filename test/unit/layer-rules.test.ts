/**
 * @file The layer rules of DESIGN.md are enforced by the linter: an import across a
 * forbidden arrow is an error. Lints small probe sources as if they lived in each layer.
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
  ])('%s may not: %s', async (file, source) => {
    expect(await restricted(file, `${source}\nexport const probe = x;\n`)).toBe(true);
  });

  it.each([
    ['electron/engine/library.ts', "import { x } from '../../native/store/index.js';"],
    ['electron/cli/main.ts', "import { x } from '../engine/library.js';"],
    ['electron/main/app.ts', "import { x } from '../engine/library.js';"],
    ['electron/preload/preload.ts', "import type { x } from '../shared/contract.js';"],
  ])('%s may: %s', async (file, source) => {
    expect(await restricted(file, `${source}\nexport const probe = x;\n`)).toBe(false);
  });
});
