/**
 * @file What an index run tags once tagging is on, through the watcher's batches
 * (engine/tags/tag-after-index.ts, [Note: an index run tags the contents it brought in];
 * `lantern index` and the app's index job go through the same function): only the
 * contents the library did not hold before the run, none when it only removed files or
 * copied a known one; the whole library after a run that stopped before its tagging, and
 * every file under the run's roots when the run completed a change of model.
 * Real indexer on `toy-clip-gap`, real LanceDB; the tagger's own method is watched to see
 * which files each run decided.
 */
import { existsSync } from 'node:fs';
import { copyFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi, type MockInstance } from 'vitest';
import type { Library } from '../../electron/engine/library.js';
import { tagsOfFiles } from '../../electron/engine/tags/library-tags.js';
import { libraryVocabulary } from '../../electron/engine/tags/library-vocabulary.js';
import { INDEX_TAGGING_FILE } from '../../electron/engine/tags/tag-after-index.js';
import { tagFolders } from '../../electron/engine/tags/tag-folders.js';
import { Tagger } from '../../electron/engine/tags/tagger.js';
import type { BatchReason } from '../../electron/engine/watch/folder-watcher.js';
import { indexWatchBatch } from '../../electron/engine/watch/library-target.js';
import { writePhoto } from '../fixtures/photos.js';
import {
  openGapLibrary,
  openToyLibrary,
  removeDir,
  tempDir,
  writeSecondModel,
} from '../fixtures/library.js';

describe("a watched batch's tagging", () => {
  let root: string;
  let spare: string;
  let db: string;
  let library: Library;
  let tagMedia: MockInstance<Tagger['tagMedia']>;
  /** The files each tagging run since the last clear decided, by name (runs hold ids). */
  const decided = async () => {
    const paths = new Map((await library.store.listMedia()).map((row) => [row.id, row.path]));
    return tagMedia.mock.calls.map(([media]) =>
      media.map((row) => path.basename(paths.get(row.id) ?? row.id)).sort(),
    );
  };

  const tagsOf = async (...names: string[]) => {
    const rows = (await library.store.listMedia()).filter((row) =>
      names.includes(path.basename(row.path)),
    );
    return tagsOfFiles(library.store, await libraryVocabulary(db), rows);
  };
  const batch = (reason: BatchReason) =>
    indexWatchBatch(
      library,
      { roots: [root], within: [root], events: 1, reason },
      { signal: new AbortController().signal },
    );

  beforeAll(async () => {
    root = await tempDir('lantern-watch-tag-root-');
    spare = await tempDir('lantern-watch-tag-spare-');
    db = await tempDir('lantern-watch-tag-db-');
    for (const colour of ['red', 'green', 'blue'] as const)
      await writePhoto(root, { colour, name: `${colour}.jpg` });
    library = await openGapLibrary(db);
    expect((await library.index([root])).indexed).toBe(3);
    // Tagging on, as `lantern tag` leaves it.
    const first = await tagFolders(library, await libraryVocabulary(db), [root]);
    expect(first.files).toBe(3);
    expect(library.taggingOn).toBe(true);
    // Watched, not replaced: the tagger still runs.
    tagMedia = vi.spyOn(Tagger.prototype, 'tagMedia');
  });

  afterAll(async () => {
    vi.restoreAllMocks();
    await library.close();
    for (const dir of [root, spare, db]) await removeDir(dir);
  });

  it('decides only a new photo, not the folder it joined', async () => {
    tagMedia.mockClear();
    const made = await writePhoto(spare, { colour: 'purple', name: 'late.jpg' });
    await copyFile(made, path.join(root, 'late.jpg'));
    expect((await batch('changes')).indexed).toBe(1);
    expect(await decided()).toEqual([['late.jpg']]);
    // Decided and written: the purple photo has its colour suggested.
    const [late] = await tagsOf('late.jpg');
    expect(late?.tags.map((tag) => [tag.tag, tag.state])).toEqual([
      ['colours/purple', 'suggested'],
    ]);
  });

  it('decides nothing after a batch that only removed a file, or a copy of a known content', async () => {
    tagMedia.mockClear();
    await rm(path.join(root, 'green.jpg'));
    expect((await batch('changes')).removed).toBe(1);
    await copyFile(path.join(root, 'red.jpg'), path.join(root, 'red copy.jpg'));
    expect((await batch('changes')).indexed).toBe(1);
    expect(await decided()).toEqual([]);
    // Not decided, yet tagged: the copy's tags are its content's, the original's.
    const both = await tagsOf('red.jpg', 'red copy.jpg');
    const red = both.find((file) => path.basename(file.path) === 'red.jpg');
    const copy = both.find((file) => path.basename(file.path) === 'red copy.jpg');
    expect(red?.tags.map((tag) => tag.tag)).toEqual(['colours/red']);
    expect(copy?.tags).toEqual(red?.tags);
  });

  it('decides the whole library after a run that stopped before its tagging', async () => {
    tagMedia.mockClear();
    const marker = path.join(db, INDEX_TAGGING_FILE);
    expect(existsSync(marker)).toBe(false);
    const made = await writePhoto(spare, { colour: 'yellow', name: 'stopped.jpg' });
    await copyFile(made, path.join(root, 'stopped.jpg'));
    const stopped = new AbortController();
    stopped.abort();
    const cancelled = await indexWatchBatch(
      library,
      { roots: [root], within: [root], events: 1, reason: 'changes' },
      { signal: stopped.signal },
    );
    expect(cancelled.cancelled).toBe(true);
    expect(await decided()).toEqual([]);
    // What the stopped run may have indexed is untagged: the next run decides everything.
    expect(existsSync(marker)).toBe(true);
    await batch('changes');
    expect(await decided()).toEqual([
      ['blue.jpg', 'late.jpg', 'red copy.jpg', 'red.jpg', 'stopped.jpg'],
    ]);
    expect(existsSync(marker)).toBe(false);
    // And the run after that, only new contents again: none.
    tagMedia.mockClear();
    await batch('start');
    expect(await decided()).toEqual([]);
  });
});

describe('a watched batch that completes a change of model', () => {
  let root: string;
  let db: string;
  let second: string;

  beforeAll(async () => {
    [root, db, second] = await Promise.all([tempDir(), tempDir(), tempDir()]);
    await writeSecondModel(second);
  });

  afterAll(async () => {
    vi.restoreAllMocks();
    for (const dir of [root, db, second]) await removeDir(dir);
  });

  it('decides every file under its roots again, with the new model', async () => {
    for (const colour of ['red', 'green'] as const) await writePhoto(root, { colour });
    const first = await openToyLibrary(db);
    expect((await first.index([root])).indexed).toBe(2);
    await tagFolders(first, await libraryVocabulary(db), [root]);
    await first.close();
    // Opened on another model: its index is built by the next run over every root.
    const library = await openToyLibrary(db, { extraModelDirs: [second], modelId: 'toy-clip-b' });
    try {
      expect(library.encoder.id).toBe('toy-clip');
      const tagMedia = vi.spyOn(Tagger.prototype, 'tagMedia');
      await writePhoto(root, { colour: 'blue' });
      // A batch over the whole root (no `within`), as when a root's own entries change.
      await indexWatchBatch(
        library,
        { roots: [root], within: null, events: 1, reason: 'changes' },
        { signal: new AbortController().signal },
      );
      expect(library.encoder.id).toBe('toy-clip-b');
      const paths = new Map((await library.store.listMedia()).map((row) => [row.id, row.path]));
      expect(
        tagMedia.mock.calls.map(([media]) =>
          media.map((row) => path.basename(paths.get(row.id) ?? row.id)).sort(),
        ),
      ).toEqual([['blue.jpg', 'green.jpg', 'red.jpg']]);
    } finally {
      await library.close();
    }
  });
});
