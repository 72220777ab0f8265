/**
 * @file LanceDB's index-build scratch stays inside the process's own temp folder and goes
 * with it ([Note: LanceDB's index scratch] in native/store/scratch.ts). A child builds a
 * vector index over a real LanceDB store with TMPDIR pointed at an empty folder: without a
 * scratch folder of its own the build leaves its shuffle files there (the control: the
 * upstream leak, lance-format/lance#8992; if LanceDB stops leaking, that assertion says so
 * and the scratch folder can go); with one, nothing is left. `lantern index` takes one too,
 * and a scratch folder of a process that is gone is removed at the next start.
 */
import { spawn } from 'node:child_process';
import { mkdir, readdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, inject, it } from 'vitest';
import { removeDeadScratch, SCRATCH_PREFIX } from '../../native/store/index.js';
import { lantern } from '../fixtures/cli.js';
import { removeDir, tempDir } from '../fixtures/library.js';

const BUILD = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  '../fixtures/scratch-index-build.ts',
);

/** Runs the index-building child with TMPDIR at `temp`; its stdout lines. */
async function buildIndex(mode: 'own' | 'plain', temp: string, db: string): Promise<string[]> {
  const child = spawn(process.execPath, ['--import', 'tsx', BUILD, mode, db], {
    env: { ...process.env, TMPDIR: temp, LANTERN_TEMP_BASE: '' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  expect(code).toBe(0);
  return out.trim().split('\n');
}

/** A PID that no process has now: a child's, after it ended. */
async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ['-e', '0']);
  await new Promise((resolve) => child.on('close', resolve));
  return child.pid!;
}

describe("LanceDB's index scratch", () => {
  const dirs: string[] = [];
  const dir = async () => {
    dirs.push(await tempDir('lantern-scratch-test-'));
    return dirs.at(-1)!;
  };
  afterEach(async () => {
    for (const made of dirs.splice(0)) await removeDir(made);
  });

  it('is left in the temp folder by a plain index build, and not by one in a scratch folder of its own', async () => {
    const plainTemp = await dir();
    const [plainFolder, plainBuilt] = await buildIndex(
      'plain',
      plainTemp,
      path.join(await dir(), 'db'),
    );
    expect(plainFolder).toBe(plainTemp);
    expect(plainBuilt).toBe('true');
    const leaked = (await readdir(plainTemp)).filter((name) => name.startsWith('.tmp'));
    expect(leaked.length, 'LanceDB no longer leaks its shuffle folder').toBeGreaterThan(0);
    expect(await readdir(path.join(plainTemp, leaked[0]!))).toContain('shuffle_data.lance');

    const ownTemp = await dir();
    const [ownFolder, ownBuilt] = await buildIndex('own', ownTemp, path.join(await dir(), 'db'));
    expect(path.dirname(ownFolder!)).toBe(ownTemp);
    expect(path.basename(ownFolder!)).toMatch(new RegExp(`^${SCRATCH_PREFIX}\\d+$`));
    expect(ownBuilt).toBe('true');
    // Nothing of LanceDB's or Lantern's is left (tsx, which runs the child, keeps its cache there).
    expect((await readdir(ownTemp)).filter((name) => !name.startsWith('tsx-'))).toEqual([]);
  });

  it('of a process that is gone is removed when the next one starts; a live one is kept', async () => {
    const temp = await dir();
    const dead = `${SCRATCH_PREFIX}${await deadPid()}`;
    const live = `${SCRATCH_PREFIX}${process.pid}`;
    for (const name of [dead, live, `${SCRATCH_PREFIX}not-a-pid`, 'someone-else'])
      await mkdir(path.join(temp, name));
    await writeFile(path.join(temp, dead, 'shuffle_data.lance'), 'left by a killed run');
    expect(removeDeadScratch(temp)).toEqual([dead]);
    expect((await readdir(temp)).sort()).toEqual(
      [live, `${SCRATCH_PREFIX}not-a-pid`, 'someone-else'].sort(),
    );

    // `lantern index` sweeps it at its start and leaves no folder of its own.
    await mkdir(path.join(temp, dead));
    const empty = await dir();
    const result = await lantern(
      [
        'index',
        empty,
        '--db',
        path.join(await dir(), 'db'),
        '--models',
        inject('toyModelsDir'),
        '--model',
        'toy-clip',
      ],
      { TMPDIR: temp, LANTERN_TEMP_BASE: '' },
    );
    expect(result.code, result.stderr).toBe(0);
    expect((await readdir(temp)).sort()).toEqual(
      [live, `${SCRATCH_PREFIX}not-a-pid`, 'someone-else'].sort(),
    );
  });
});
