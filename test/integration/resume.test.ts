/**
 * @file A run of `lantern index` killed midway (SIGKILL, no chance to clean up) resumes
 * to the same rows as an uninterrupted run: nothing lost, nothing duplicated, and the
 * database opens. [Note: resumable indexing] in electron/engine/indexer/indexer.ts.
 */
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { LibraryStore } from '../../native/store/index.js';
import { startLantern, lantern } from '../fixtures/cli.js';
import { removeDir, tempDir } from '../fixtures/library.js';
import { writePhoto } from '../fixtures/photos.js';
import { COLOUR_WORDS } from '../toy-models/colours.js';

const PHOTOS = 360;

async function rowsOf(db: string) {
  const store = await LibraryStore.open(path.join(db, 'store'), {
    dim: 512,
    model: 'toy-clip',
    readOnly: true,
  });
  try {
    return (await store.listMedia()).map((r) => ({
      path: r.path,
      hash: r.hash,
      width: r.width,
      height: r.height,
    }));
  } finally {
    await store.close();
  }
}

/** Committed rows, read without opening (or creating) anything for writing. */
async function committedRows(db: string): Promise<number> {
  try {
    const models = await LibraryStore.models(path.join(db, 'store'));
    return models.find((m) => m.model === 'toy-clip')?.rows ?? 0;
  } catch {
    return 0; // mid-creation
  }
}

describe('resume after the indexer is killed', () => {
  let root: string;
  const dbs: string[] = [];
  let args: (db: string) => string[];
  /** The uninterrupted run's library, made by the first test. */
  let referenceDb = '';

  beforeAll(async () => {
    root = await tempDir();
    // Distinct sizes make distinct files (and hashes), as in a real library.
    for (let i = 0; i < PHOTOS; i++) {
      const colour = COLOUR_WORDS[i % COLOUR_WORDS.length] ?? 'red';
      await writePhoto(path.join(root, `set-${i % 7}`), {
        colour,
        name: `p${i}.jpg`,
        width: 320 + i,
        height: 240,
      });
    }
    args = (db) => [
      'index',
      root,
      '--db',
      db,
      '--models',
      inject('toyModelsDir'),
      '--model',
      'toy-clip',
      '--json',
    ];
  }, 120_000);

  afterAll(async () => {
    await removeDir(root);
    for (const db of dbs) await removeDir(db);
  });

  it('reaches the same rows as an uninterrupted run', async () => {
    const reference = await tempDir();
    const killed = await tempDir();
    dbs.push(reference, killed);

    referenceDb = reference;
    const whole = await lantern(args(reference));
    expect(whole.code).toBe(0);
    expect(JSON.parse(whole.stdout)).toMatchObject({ indexed: PHOTOS, failed: [] });

    // Kill as soon as the first batch of rows is committed.
    const run = startLantern(args(killed));
    while ((await committedRows(killed)) === 0 && run.child.exitCode === null) {
      await new Promise((r) => setTimeout(r, 20));
    }
    run.child.kill('SIGKILL');
    const interrupted = await run.done;
    expect(interrupted.signal).toBe('SIGKILL');
    const partial = await rowsOf(killed);
    expect(partial.length).toBeGreaterThan(0);
    expect(partial.length).toBeLessThan(PHOTOS);

    const resumed = await lantern(args(killed));
    expect(resumed.code).toBe(0);
    const report = JSON.parse(resumed.stdout) as { indexed: number; unchanged: number };
    expect(report.unchanged).toBe(partial.length);
    expect(report.indexed).toBe(PHOTOS - partial.length);

    const sort = (rows: { path: string }[]) =>
      [...rows].sort((a, b) => a.path.localeCompare(b.path));
    const after = sort(await rowsOf(killed));
    expect(new Set(after.map((r) => r.path)).size).toBe(after.length);
    expect(after).toEqual(sort(await rowsOf(reference)));

    // Same answers too; photos of one colour tie, so compare in path order.
    const query = ['search', 'blue', '--all', '--limit', '1000', '--json'];
    const options = ['--models', inject('toyModelsDir'), '--model', 'toy-clip'];
    const results = async (db: string) =>
      sort(
        (
          JSON.parse((await lantern([...query, ...options, '--db', db])).stdout) as {
            results: { path: string }[];
          }
        ).results,
      );
    const expected = await results(reference);
    expect(expected).toHaveLength(PHOTOS);
    expect(await results(killed)).toEqual(expected);
  }, 180_000);

  it('survives kill -9 at 20 random points, then ends with the same rows', async () => {
    expect(referenceDb).not.toBe('');
    const killed = await tempDir();
    dbs.push(killed);
    // Seeded, so a failure replays: delays from 0.1 s to 3 s land in start-up, the scan,
    // mid-batch writes and the final compaction alike.
    let seed = 20_261_130;
    const next = () => {
      seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    let finishedEarly = 0;
    for (let i = 0; i < 20; i++) {
      const run = startLantern(args(killed));
      const delay = 100 + Math.floor(next() * 2900);
      await new Promise((r) => setTimeout(r, delay));
      if (run.child.exitCode === null) run.child.kill('SIGKILL');
      const result = await run.done;
      if (result.signal !== 'SIGKILL') {
        // It finished before the kill: it must have finished cleanly.
        expect(result.code, result.stderr).toBe(0);
        finishedEarly++;
      }
    }
    const last = await lantern(args(killed));
    expect(last.code, last.stderr).toBe(0);
    expect(finishedEarly).toBeLessThan(20);
    const sort = (rows: { path: string }[]) =>
      [...rows].sort((a, b) => a.path.localeCompare(b.path));
    const after = sort(await rowsOf(killed));
    expect(new Set(after.map((r) => r.path)).size).toBe(after.length);
    expect(after).toEqual(sort(await rowsOf(referenceDb)));
  }, 300_000);
});
