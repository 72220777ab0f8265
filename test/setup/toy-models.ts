/**
 * @file Vitest global setup: generates the toy models once per test run into a temporary
 * folder and hands its path to the tests (`inject('toyModelsDir')`).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { TestProject } from 'vitest/node';
import { generateToyModels } from '../toy-models/generate.js';

declare module 'vitest' {
  export interface ProvidedContext {
    toyModelsDir: string;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'lantern-toy-models-'));
  await generateToyModels(dir);
  project.provide('toyModelsDir', dir);
  return () => rm(dir, { recursive: true, force: true });
}
