/**
 * @file Two `lantern index` processes on one library (issue 7): one writes, the other is
 * refused with a sentence naming the writer, and the library ends with one row per file
 * and every folder listed. A writer killed with SIGKILL leaves its lock behind, and the
 * next run takes it over. [Note: library lock] in electron/engine/library-lock.ts.
 */
import type { ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { LOCK_FILE_NAME } from '../../electron/engine/library-lock.js';
import { LibraryStore } from '../../native/store/index.js';
import { lantern, startLantern as startCli } from '../fixtures/cli.js';
import { removeDir, tempDir } from '../fixtures/library.js';
import { writePhoto } from '../fixtures/photos.js';
import { COLOUR_WORDS } from '../toy-models/colours.js';

/** Enough photos that a run lasts well beyond the other process's start. */
const PHOTOS_PER_FOLDER = 40;
const BUSY = /The library .* is in use by PID (\d+) \(lantern[^)]*\) since .*Close it, or wait/;

async function rowPaths(db: string): Promise<string[]> {
  const store = await LibraryStore.open(path.join(db, 'store'), {
    dim: 512,
    model: 'toy-clip',
    readOnly: true,
  });
  try {
    return (await store.listMedia()).map((row) => row.path);
  } finally {
    await store.close();
  }
}

async function listedRoots(db: string): Promise<string[]> {
  return (JSON.parse(await readFile(path.join(db, 'library.json'), 'utf8')) as { roots: string[] })
    .roots;
}

async function until(check: () => boolean, what: string): Promise<void> {
  const end = Date.now() + 60_000;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describe('two writers on one library', () => {
  const folders: string[] = [];
  /** Every run started, so none outlives a failed test (a run can hang on today's main). */
  const children: ChildProcess[] = [];
  const startLantern = (args: string[]) => {
    const run = startCli(args);
    children.push(run.child);
    return run;
  };
  const dbs: string[] = [];
  const indexArgs = (folder: string, db: string) => [
    'index',
    folder,
    '--db',
    db,
    '--models',
    inject('toyModelsDir'),
    '--model',
    'toy-clip',
    '--json',
  ];
  const freshDb = async () => {
    const db = await tempDir('lantern-two-writers-');
    dbs.push(db);
    return db;
  };

  beforeAll(async () => {
    for (const name of ['first', 'second']) {
      const folder = await tempDir(`lantern-${name}-`);
      folders.push(folder);
      for (let i = 0; i < PHOTOS_PER_FOLDER; i++)
        await writePhoto(folder, {
          colour: COLOUR_WORDS[i % COLOUR_WORDS.length] ?? 'red',
          name: `p${i}.jpg`,
          width: 96 + i,
        });
    }
  }, 120_000);

  afterAll(async () => {
    for (const child of children)
      if (child.exitCode === null && !child.signalCode) child.kill('SIGKILL');
    for (const dir of [...folders, ...dbs]) await removeDir(dir);
  });

  it('lets one of two runs started at once write a fresh library, and refuses the other', async () => {
    const db = await freshDb();
    const folder = folders[0]!;
    const runs = [startLantern(indexArgs(folder, db)), startLantern(indexArgs(folder, db))];
    const results = await Promise.all(runs.map((run) => run.done));

    const finished = results.filter((r) => r.code === 0);
    const refused = results.filter((r) => r.code !== 0);
    expect(finished).toHaveLength(1);
    expect(refused).toHaveLength(1);
    expect(JSON.parse(finished[0]!.stdout)).toMatchObject({ indexed: PHOTOS_PER_FOLDER });
    const [, pid] = BUSY.exec(refused[0]!.stderr) ?? [];
    const winner = runs[results.indexOf(finished[0]!)]!;
    expect(Number(pid)).toBe(winner.child.pid);

    const paths = await rowPaths(db);
    expect(paths).toHaveLength(PHOTOS_PER_FOLDER);
    expect(new Set(paths).size).toBe(PHOTOS_PER_FOLDER);
    expect(await listedRoots(db)).toEqual([folder]);
    expect(existsSync(path.join(db, LOCK_FILE_NAME))).toBe(false);
  }, 180_000);

  it('refuses a second folder while another writes, and keeps both folders once it is run again', async () => {
    const db = await freshDb();
    const [first, second] = [folders[0]!, folders[1]!];
    const writer = startLantern(indexArgs(first, db));
    const lock = path.join(db, LOCK_FILE_NAME);
    await until(() => existsSync(lock) || writer.child.exitCode !== null, 'the first lock');
    // Hold the writer still, so the second run meets it however slow this machine is.
    writer.child.kill('SIGSTOP');
    try {
      const refused = await startLantern(indexArgs(second, db)).done;
      expect(refused.code).not.toBe(0);
      expect(refused.stderr).toMatch(BUSY);
      expect(BUSY.exec(refused.stderr)?.[1]).toBe(String(writer.child.pid));
    } finally {
      writer.child.kill('SIGCONT');
    }
    expect((await writer.done).code).toBe(0);

    const again = await lantern(indexArgs(second, db));
    expect(again.code).toBe(0);
    expect((await listedRoots(db)).sort()).toEqual([first, second].sort());
    const paths = await rowPaths(db);
    expect(paths).toHaveLength(2 * PHOTOS_PER_FOLDER);
    expect(new Set(paths).size).toBe(2 * PHOTOS_PER_FOLDER);
  }, 180_000);

  it('takes over the lock a writer killed with SIGKILL left behind', async () => {
    const db = await freshDb();
    const folder = folders[0]!;
    const killed = startLantern(indexArgs(folder, db));
    const lock = path.join(db, LOCK_FILE_NAME);
    await until(() => existsSync(lock) || killed.child.exitCode !== null, 'the lock');
    killed.child.kill('SIGKILL');
    expect((await killed.done).signal).toBe('SIGKILL');
    // No exit handler ran: the dead process's lock is still there.
    expect(JSON.parse(await readFile(lock, 'utf8'))).toMatchObject({ pid: killed.child.pid });

    const next = await lantern(indexArgs(folder, db));
    expect(next.stderr).not.toMatch(/in use/);
    expect(next.code).toBe(0);
    expect(existsSync(lock)).toBe(false);
    const paths = await rowPaths(db);
    expect(new Set(paths).size).toBe(PHOTOS_PER_FOLDER);
    expect(paths).toHaveLength(PHOTOS_PER_FOLDER);
  }, 180_000);
});
