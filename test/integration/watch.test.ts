/**
 * @file Watched folders end to end (engine/watch): real chokidar over temporary folders,
 * the real indexer on `toy-clip-gap`, real LanceDB. A photo copied into a watched root is
 * found by search; a deleted one is gone; a moved one keeps its accepted tag (carried by
 * content hash, not re-embedded); a burst of files is indexed in a few runs, not one per
 * file; a root that disappears is offline with its rows kept, and is re-scanned when back;
 * forced polling finds new files; a clock jump (sleep) re-scans. Deadlines are generous:
 * they say "within seconds", not how fast.
 */
import type { EventEmitter } from 'node:events';
import { copyFile, mkdir, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Library } from '../../electron/engine/library.js';
import { decideTag, tagsOfFiles } from '../../electron/engine/tags/library-tags.js';
import { loadVocabulary } from '../../electron/engine/tags/vocabulary.js';
import {
  FolderWatcher,
  type WatchBatch,
  type WatchOptions,
} from '../../electron/engine/watch/folder-watcher.js';
import { libraryWatchTarget } from '../../electron/engine/watch/library-target.js';
import type { IndexReport } from '../../electron/shared/types.js';
import { writePhoto } from '../fixtures/photos.js';
import { openGapLibrary, removeDir, tempDir } from '../fixtures/library.js';

/** Within this long a change must be in the index (the "within 10 s"). */
const DEADLINE_MS = 10_000;

async function eventually(check: () => Promise<boolean>, what: string): Promise<void> {
  const until = Date.now() + DEADLINE_MS;
  while (Date.now() < until) {
    if (await check()) return;
    await new Promise((resolve) => setTimeout(resolve, 150));
  }
  throw new Error(`Not within ${DEADLINE_MS / 1000} s: ${what}`);
}

describe('watched folders', () => {
  let root: string;
  let second: string;
  let spare: string;
  let db: string;
  let library: Library;
  let watcher: FolderWatcher | null = null;
  const batches: { batch: WatchBatch; report: IndexReport | null }[] = [];

  const searchPaths = async (query: string) =>
    (await library.search(query)).map((result) => result.path);
  const rowOf = async (file: string) =>
    (await library.store.listMedia()).find((row) => row.path === file);

  async function startWatching(extra: Partial<WatchOptions> = {}): Promise<FolderWatcher> {
    batches.length = 0;
    watcher = new FolderWatcher(libraryWatchTarget(library), {
      pollSeconds: 1,
      quietMs: 300,
      maxWaitMs: 2000,
      checkMs: 400,
      rescanOnStart: false,
      onBatch: (batch, report) => batches.push({ batch, report }),
      onError: (error) => {
        throw error;
      },
      ...extra,
    });
    await watcher.start();
    return watcher;
  }

  beforeAll(async () => {
    root = await tempDir('lantern-watch-root-');
    second = await tempDir('lantern-watch-second-');
    spare = await tempDir('lantern-watch-spare-');
    db = await tempDir('lantern-watch-db-');
    await writePhoto(root, { colour: 'red' });
    await writePhoto(path.join(root, 'album'), { colour: 'blue' });
    await writePhoto(second, { colour: 'green' });
    library = await openGapLibrary(db);
    const report = await library.index([root, second]);
    expect(report.indexed).toBe(3);
  });

  afterEach(async () => {
    await watcher?.stop();
    watcher = null;
  });

  afterAll(async () => {
    await library.close();
    for (const dir of [root, second, spare, db]) await removeDir(dir);
  });

  it('finds a photo copied into a watched root, and forgets it once deleted', async () => {
    await startWatching();
    const made = await writePhoto(spare, { colour: 'yellow', name: 'sun.jpg' });
    // What a full index skips, the watcher skips too.
    await mkdir(path.join(root, 'node_modules'));
    const skipped = path.join(root, 'node_modules', 'sun.jpg');
    await copyFile(made, skipped);
    const copied = path.join(root, 'album', 'sun.jpg');
    await copyFile(made, copied);
    await eventually(
      async () => (await searchPaths('a photo of a yellow thing'))[0] === copied,
      'the copied yellow photo found by search',
    );
    await rm(copied);
    await eventually(
      async () => !(await searchPaths('a photo of a yellow thing')).includes(copied),
      'the deleted photo gone from search',
    );
    expect(await rowOf(copied)).toBeUndefined();
    expect(await rowOf(skipped)).toBeUndefined();
    // Runs covered the folder touched, not the whole root.
    expect(batches.every((entry) => entry.batch.within?.[0] === path.join(root, 'album'))).toBe(
      true,
    );
  });

  it('keeps an accepted tag on a file moved into a new folder (matched by content, not re-embedded), and watches a renamed folder', async () => {
    const vocabulary = await loadVocabulary();
    const before = path.join(root, 'album', 'blue.jpg');
    await decideTag(library.store, vocabulary, [before], 'blue', 'accepted');
    await startWatching();
    await mkdir(path.join(root, 'sorted'));
    const after = path.join(root, 'sorted', 'sky.jpg');
    await rename(before, after);
    await eventually(
      async () => (await rowOf(after)) !== undefined && (await rowOf(before)) === undefined,
      'the moved photo under its new path only',
    );
    // Rows are visible before the run that wrote them has returned its report.
    const moved = () => batches.reduce((sum, entry) => sum + (entry.report?.moved ?? 0), 0);
    await eventually(() => Promise.resolve(moved() === 1), 'the run reporting one move');
    const row = await rowOf(after);
    const [tags] = await tagsOfFiles(library.store, vocabulary, row ? [row] : []);
    expect(tags?.tags.find((tag) => tag.tag === 'colours/blue')?.state).toBe('accepted');

    // The folder renamed: its photo follows, and the renamed folder is still watched.
    const renamed = path.join(root, 'sorted-2024');
    await rename(path.join(root, 'sorted'), renamed);
    await eventually(
      async () => (await rowOf(path.join(renamed, 'sky.jpg'))) !== undefined,
      'the photo under the renamed folder',
    );
    const made = await writePhoto(spare, { colour: 'purple', name: 'late.jpg' });
    await copyFile(made, path.join(renamed, 'late.jpg'));
    await eventually(
      async () => (await rowOf(path.join(renamed, 'late.jpg'))) !== undefined,
      'a photo copied into the renamed folder',
    );
    await eventually(() => Promise.resolve(moved() === 2), 'the runs reporting two moves');
    const indexed = () => batches.reduce((sum, entry) => sum + (entry.report?.indexed ?? 0), 0);
    await eventually(() => Promise.resolve(indexed() === 1), 'only the new photo embedded');
  });

  it('indexes a burst of 300 files in a few runs, not one per file', async () => {
    const source = path.join(spare, 'burst');
    const colours = ['red', 'green', 'blue', 'yellow', 'purple'] as const;
    const made: string[] = [];
    for (let i = 0; i < 300; i++)
      made.push(
        await writePhoto(source, {
          colour: colours[i % colours.length] ?? 'red',
          width: 16 + (i % 40),
          height: 16,
          name: `burst-${i}.jpg`,
        }),
      );
    await startWatching();
    const target = path.join(root, 'burst');
    await mkdir(target);
    for (const file of made) await copyFile(file, path.join(target, path.basename(file)));
    const inBurst = async () =>
      (await library.store.listMedia()).filter((row) => row.path.startsWith(target + path.sep))
        .length;
    await eventually(async () => (await inBurst()) === 300, 'all 300 copied files indexed');
    const indexed = () => batches.reduce((sum, entry) => sum + (entry.report?.indexed ?? 0), 0);
    await eventually(() => Promise.resolve(indexed() === 300), 'the runs reporting 300 indexed');
    expect(batches.length).toBeGreaterThan(0);
    expect(batches.length).toBeLessThanOrEqual(10);
  }, 30_000);

  it('marks a root that disappears offline, keeps its rows, and re-scans it when it is back', async () => {
    const states: string[] = [];
    const live = await startWatching({
      onRootState: (changed, state) => {
        if (changed === second) states.push(state.mode);
      },
    });
    const green = path.join(second, 'green.jpg');
    const away = `${second}-unplugged`;
    await rename(second, away);
    await eventually(
      () => Promise.resolve(live.states().get(second)?.mode === 'offline'),
      'the missing root marked offline',
    );
    // Let any batch the vanishing raised run: it must keep the rows.
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect(await rowOf(green)).toBeDefined();
    const status = await library.status();
    const entry = status.roots.find((r) => r.path === second);
    expect(entry?.offline).not.toBeNull();
    expect(entry?.files).toBe(1);

    await writePhoto(away, { colour: 'pink', name: 'while-away.jpg' });
    await rename(away, second);
    await eventually(
      async () => (await rowOf(path.join(second, 'while-away.jpg'))) !== undefined,
      'the root re-scanned once back',
    );
    await eventually(
      () => Promise.resolve(batches.some((b) => b.batch.reason === 'back online')),
      'the re-scan reported',
    );
    expect(states).toEqual(['events', 'offline', 'events']);
    expect(await rowOf(green)).toBeDefined();
  });

  it('finds new files by polling when polling is forced', async () => {
    const live = await startWatching({ forcePolling: true, pollSeconds: 1 });
    expect(live.states().get(root)?.mode).toBe('polling');
    const made = await writePhoto(spare, { colour: 'orange', name: 'polled.jpg' });
    const copied = path.join(root, 'polled.jpg');
    await copyFile(made, copied);
    await eventually(
      async () => (await searchPaths('a photo of an orange thing'))[0] === copied,
      'the polled root’s new photo found by search',
    );
  });

  it('falls back to polling a root whose native watch fails (the inotify watch limit)', async () => {
    const live = await startWatching();
    expect(live.states().get(root)?.mode).toBe('events');
    // The limit cannot be reached on purpose without changing the machine's settings: the
    // watcher's chokidar instance reports the error chokidar gives when it is.
    const inner = (live as unknown as { roots: Map<string, { watcher: EventEmitter | null }> })
      .roots;
    const limit = Object.assign(new Error('ENOSPC: System limit for number of file watchers'), {
      code: 'ENOSPC',
    });
    inner.get(root)?.watcher?.emit('error', limit);
    await eventually(
      () => Promise.resolve(live.states().get(root)?.mode === 'polling'),
      'the root polled instead',
    );
    expect(live.states().get(root)?.why).toMatch(/native events failed \(ENOSPC\)/);
    const made = await writePhoto(spare, { colour: 'brown', name: 'after-limit.jpg' });
    const copied = path.join(root, 'after-limit.jpg');
    await copyFile(made, copied);
    await eventually(async () => (await rowOf(copied)) !== undefined, 'a photo found by polling');
  });

  it('re-scans every root after the clock jumps (the machine slept)', async () => {
    let offset = 0;
    await startWatching({ now: () => Date.now() + offset, sleepGapMs: 5000 });
    expect(batches).toEqual([]);
    offset = 10 * 60_000;
    await eventually(
      () => Promise.resolve(batches.some((b) => b.batch.reason === 'resume')),
      'a re-scan after the jump',
    );
    const resume = batches.find((b) => b.batch.reason === 'resume');
    expect(resume?.batch.within).toBeNull();
    expect(resume?.batch.roots.sort()).toEqual([root, second].sort());
  });
});
