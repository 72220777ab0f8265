/**
 * @file Vitest global setup: the test run's temporary files go to a folder of its own,
 * removed when the run ends.
 *
 * The tests open real LanceDB stores in their own processes, and every vector-index build
 * leaves its shuffle scratch in the temp folder ([Note: LanceDB's index scratch] in
 * native/store/scratch.ts; the CLI and the engine contain it, a test calling the store
 * directly does not): a run left ~6 `.tmpXXXXXX` folders in /tmp. TMPDIR (TMP and TEMP on
 * Windows) is set here, in vitest's main process before its workers start, so the workers,
 * the processes they spawn and LanceDB inside them all write under this folder.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { TEMP_VARIABLES } from '../../native/store/scratch.js';

export default async function setup(): Promise<() => Promise<void>> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'lantern-vitest-'));
  const before = TEMP_VARIABLES.map((name) => process.env[name]);
  for (const name of TEMP_VARIABLES) process.env[name] = dir;
  return async () => {
    TEMP_VARIABLES.forEach((name, i) => {
      if (before[i] === undefined) delete process.env[name];
      else process.env[name] = before[i];
    });
    await rm(dir, { recursive: true, force: true });
  };
}
