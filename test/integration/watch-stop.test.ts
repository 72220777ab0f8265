/**
 * @file A folder watcher stopped while its folder is being deleted leaves nothing that keeps
 * the process alive ([Note: chokidar's handles do not hold the process] in
 * engine/watch/folder-watcher.ts). chokidar can open a native watch after its close() has
 * resolved when the watched tree is being removed meanwhile; e2e tests that stopped
 * `lantern serve` and removed its folders at once left such servers running.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { FolderWatcher } from '../../electron/engine/watch/folder-watcher.js';

/** Native fs watches (fs.watch's FSEventWrap) that keep the event loop alive now. */
const liveWatches = () =>
  process.getActiveResourcesInfo().filter((type) => type === 'FSEventWrap').length;

describe('stopping a folder watcher', () => {
  it('leaves no native watch holding the process when its folder goes at the same time', async () => {
    const before = liveWatches();
    for (let round = 0; round < 12; round++) {
      const root = await mkdtemp(path.join(os.tmpdir(), 'lantern-watch-stop-'));
      for (let i = 0; i < 5; i++) {
        await mkdir(path.join(root, `album-${i}`, 'inner'), { recursive: true });
        await writeFile(path.join(root, `album-${i}`, 'photo.jpg'), 'not read');
      }
      const watcher = new FolderWatcher(
        { roots: () => [root], index: () => Promise.resolve(null) },
        { pollSeconds: 1, rescanOnStart: false, checkMs: 60_000 },
      );
      await watcher.start();
      expect(watcher.states().get(root)?.mode).toBe('events');
      // The folder is removed while the watcher stops, as a test's clean-up (or a person
      // deleting a watched folder as the app quits) does.
      const removing = rm(root, { recursive: true, force: true });
      await new Promise((resolve) => setTimeout(resolve, round % 4));
      await watcher.stop();
      await removing;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(liveWatches()).toBe(before);
  });
});
