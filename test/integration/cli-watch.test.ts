/**
 * @file `lantern watch` as a person runs it (the built command line): it holds the
 * library's writer lock, prints one line per batch, indexes a photo copied in so that a
 * search from another process finds it, and stops cleanly on Ctrl+C (exit 0, lock gone).
 */
import { copyFile, stat } from 'node:fs/promises';
import path from 'node:path';
import type { ChildProcess } from 'node:child_process';
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from 'vitest';
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
  // A test that fails midway must not leave its watcher holding the library for the next.
  const started: ChildProcess[] = [];
  const watchProcess = (args: string[]) => {
    const run = startLantern(args);
    started.push(run.child);
    return run;
  };
  afterEach(() => {
    for (const child of started.splice(0)) if (child.exitCode === null) child.kill('SIGKILL');
  });
  afterAll(async () => {
    for (const dir of [root, spare, db]) await removeDir(dir);
  });

  it('indexes a copied photo, prints the batch, and stops cleanly on Ctrl+C', async () => {
    const { child, done } = watchProcess(['watch', ...base]);
    let out = '';
    child.stdout?.on('data', (chunk: Buffer) => (out += chunk.toString()));
    const waitFor = async (pattern: RegExp, what: string) => {
      const until = Date.now() + 15_000;
      while (!pattern.test(out)) {
        if (Date.now() > until) throw new Error(`no "${what}" in: ${out}`);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    };
    // The catch-up run when watching starts comes first: the copy below is then a change.
    await waitFor(/start in .*\(/, 'the catch-up run');
    const made = await writePhoto(spare, { colour: 'blue', name: 'sea.jpg' });
    const copied = path.join(root, 'sea.jpg');
    await copyFile(made, copied);
    await waitFor(/1 change in .*: 1 indexed/, 'a batch line');
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

  it('gives one JSON object a line with --json', async () => {
    const { child, done } = watchProcess(['watch', ...base, '--json']);
    let out = '';
    child.stdout?.on('data', (chunk: Buffer) => (out += chunk.toString()));
    const until = Date.now() + 15_000;
    // The catch-up run over the root when watching starts, then Ctrl+C.
    while (!out.includes('"reason":"start"') && Date.now() < until)
      await new Promise((resolve) => setTimeout(resolve, 100));
    child.kill('SIGINT');
    const result = await done;
    expect(result.code).toBe(0);
    const lines = result.stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { event: string; reason?: string; report?: object });
    expect(lines.map((line) => line.event)).toEqual(
      expect.arrayContaining(['folder', 'watching', 'batch', 'stopping']),
    );
    const start = lines.find((line) => line.reason === 'start');
    expect(start?.report).toMatchObject({ indexed: 0, cancelled: false });
  }, 30_000);

  it('says what to do when the library has no folders yet', async () => {
    const empty = await tempDir('lantern-cli-watch-empty-');
    const result = await lantern(['watch', '--db', empty, ...base.slice(2)]);
    await removeDir(empty);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toMatch(
      /no folders to watch yet: add one with `npx lantern index FOLDER`/,
    );
  });
});
