/** @file The test run's temp folder (test/setup/temp-folder.ts) reaches the test workers. */
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

describe('the test run temp folder', () => {
  it("is this worker's os.tmpdir(), so LanceDB's scratch lands in it", () => {
    expect(path.basename(os.tmpdir())).toMatch(/^lantern-vitest-/);
  });
});
