/**
 * @file `lantern watch` as a person runs it (the built command line): it holds the
 * library's writer lock, prints one line per batch, indexes a photo copied in so that a
 * search from another process finds it, and stops cleanly on Ctrl+C (exit 0, lock gone).
 */
import { copyFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { lantern, startLantern } from '../fixtures/cli.js';
import { removeDir, tempDir } from '../fixtures/library.js';
import { writePhoto } from '../fixtures/photos.js';

describe('lantern watch', () => {
  let root = '';
  let spare = '';
  let db = '';
  let base: string[] = [];

  beforeAll(async () => {
    root = await tempDir('lantern-cli-watch-root-');
    spare = await tempDir('lantern-cli-watch-spare-');
    db = await tempDir('lantern-cli-watch-db-');
    base = ['--db', db, '--models', inject('toyModelsDir'), '--model', 'toy-clip-gap'];
    await writePhoto(root, { colour: 'red' });
    const indexed = await lantern(['index', root, ...base, '--json']);
    expect(indexed.code).toBe(0);
  });
  afterAll(async () => {
    for (const dir of [root, spare, db]) await removeDir(dir);
  });

  it('indexes a copied photo, prints the batch, and stops cleanly on Ctrl+C', async () => {
    const { child, done } = startLantern(['watch', ...base]);
    let out = '';
    child.stdout?.on('data', (chunk: Buffer) => (out += chunk.toString()));
    const waitFor = async (pattern: RegExp, what: string) => {
      const until = Date.now() + 15_000;
      while (!pattern.test(out)) {
        if (Date.now() > until) throw new Error(`no "${what}" in: ${out}`);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    };
    await waitFor(/Ctrl\+C stops/, 'watching');
    const made = await writePhoto(spare, { colour: 'blue', name: 'sea.jpg' });
    const copied = path.join(root, 'sea.jpg');
    await copyFile(made, copied);
    await waitFor(/change.*: 1 indexed/, 'a batch line');
    // A reader (no lock) finds it while the watcher still holds the library.
    const found = await lantern(['search', 'a photo of a blue thing', ...base, '--json']);
    expect((JSON.parse(found.stdout) as { results: { path: string }[] }).results[0]?.path).toBe(
      copied,
    );
    child.kill('SIGINT');
    const result = await done;
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/stopping/);
    await expect(stat(path.join(db, 'lantern.lock'))).rejects.toThrow();
  }, 30_000);

  it('says what to do when the library has no folders yet', async () => {
    const empty = await tempDir('lantern-cli-watch-empty-');
    const result = await lantern(['watch', '--db', empty, ...base.slice(2)]);
    await removeDir(empty);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toMatch(/no folders to watch yet: add one with `lantern index FOLDER`/);
  });
});
