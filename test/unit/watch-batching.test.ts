/**
 * @file The watcher's pure parts: which mounts are network shares (read from /proc/mounts
 * text, so polled), and how a batch of events becomes the folders to re-scan — a removed
 * folder seen from its nearest existing ancestor, nested folders folded into their parent,
 * too many folders turned into the whole root.
 */
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PendingChanges } from '../../electron/engine/watch/change-batch.js';
import {
  isNetworkType,
  mountTypeOf,
  parseMounts,
} from '../../electron/engine/watch/network-mounts.js';
import { removeDir, tempDir } from '../fixtures/library.js';

const MOUNTS = [
  '/dev/sda1 / ext4 rw,relatime 0 0',
  'nas:/export/photos /mnt/nas nfs4 rw,vers=4.2 0 0',
  '//server/share /mnt/My\\040Share cifs rw 0 0',
  'me@host:/pics /home/me/remote fuse.sshfs rw 0 0',
  '/dev/sdb1 /mnt/nas/local-cache ext4 rw 0 0',
].join('\n');

describe('network mounts', () => {
  const mounts = parseMounts(MOUNTS);

  it('finds the mount holding a folder by the longest mount point, spaces unescaped', () => {
    expect(mountTypeOf('/mnt/nas/2024/summer', mounts)).toBe('nfs4');
    expect(mountTypeOf('/mnt/My Share/photos', mounts)).toBe('cifs');
    expect(mountTypeOf('/home/me/remote/a', mounts)).toBe('fuse.sshfs');
    expect(mountTypeOf('/mnt/nas/local-cache/x', mounts)).toBe('ext4');
    expect(mountTypeOf('/mnt/nasty', mounts)).toBe('ext4');
  });

  it('polls network file systems only', () => {
    for (const type of ['nfs', 'nfs4', 'cifs', 'smb3', 'smbfs', 'fuse.sshfs', '9p'])
      expect(isNetworkType(type)).toBe(true);
    for (const type of ['ext4', 'btrfs', 'xfs', 'apfs', 'fuse.ntfs-3g', 'tmpfs', null])
      expect(isNetworkType(type)).toBe(false);
  });
});

describe('pending changes', () => {
  let root = '';
  beforeAll(async () => {
    root = await tempDir('lantern-watch-batch-');
    await mkdir(path.join(root, 'a', 'b'), { recursive: true });
    await mkdir(path.join(root, 'c'), { recursive: true });
  });
  afterAll(() => removeDir(root));

  it('re-scans each touched folder once, nested ones folded into their parent', async () => {
    const pending = new PendingChanges();
    for (let i = 0; i < 50; i++) pending.add(root, path.join(root, 'a', 'b', `${i}.jpg`), 'file');
    pending.add(root, path.join(root, 'a', 'x.jpg'), 'file');
    pending.add(root, path.join(root, 'c', 'y.jpg'), 'file');
    const batch = await pending.take();
    expect(batch?.roots).toEqual([root]);
    expect(batch?.within?.sort()).toEqual([path.join(root, 'a'), path.join(root, 'c')]);
    expect(batch?.events).toBe(52);
    expect(pending.empty).toBe(true);
    expect(await pending.take()).toBeNull();
  });

  it('sees a removed folder from its nearest existing ancestor, an added one from itself', async () => {
    const pending = new PendingChanges();
    pending.add(root, path.join(root, 'c', 'gone', 'deeper', 'z.jpg'), 'file');
    pending.add(root, path.join(root, 'a', 'b'), 'folder-added');
    const batch = await pending.take();
    expect(batch?.within?.sort()).toEqual([path.join(root, 'a', 'b'), path.join(root, 'c')]);
  });

  it('takes the whole root for a change at its top or for too many folders', async () => {
    const top = new PendingChanges();
    top.add(root, path.join(root, 'top.jpg'), 'file');
    top.add(root, path.join(root, 'a', 'x.jpg'), 'file');
    expect(await top.take()).toMatchObject({ roots: [root], within: null });

    const many = new PendingChanges();
    for (let i = 0; i < 100; i++) {
      await mkdir(path.join(root, 'many', `f${i}`), { recursive: true });
      many.add(root, path.join(root, 'many', `f${i}`, 'p.jpg'), 'file');
    }
    expect(await many.take()).toMatchObject({ roots: [root], within: null });
  });

  it('forgets a dropped root, and names a whole root beside folders of another', async () => {
    const other = path.join(root, 'c');
    const pending = new PendingChanges();
    pending.add(root, path.join(root, 'a', 'x.jpg'), 'file');
    pending.drop(root);
    expect(pending.empty).toBe(true);
    pending.addRoot(other);
    pending.add(root, path.join(root, 'a', 'x.jpg'), 'file');
    const batch = await pending.take();
    expect(batch?.roots.sort()).toEqual([root, other].sort());
    expect(batch?.within?.sort()).toEqual([path.join(root, 'a'), other].sort());
  });
});
