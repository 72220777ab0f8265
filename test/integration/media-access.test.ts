/**
 * @file The one rule both media transports share ([Note: servable media] in
 * electron/engine/service/media-access.ts), on real temporary files: only the kinds
 * Lantern indexes, only regular files, and a FIFO refused without waiting for a writer.
 * The Electron media:// handler is checked too, since it must refuse exactly the same.
 */
import { execFileSync } from 'node:child_process';
import { mkdir, realpath, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  mediaTypeOf,
  openServableMedia,
  SERVABLE_EXTENSIONS,
} from '../../electron/engine/service/media-access.js';
import { createMediaHandler } from '../../electron/main/media-protocol.js';
import { videoExtensions } from '../../native/ffmpeg/index.js';
import { imageExtensions } from '../../native/image/index.js';
import { removeDir, tempDir } from '../fixtures/library.js';

let root: string;

beforeAll(async () => {
  root = await realpath(await tempDir());
  await writeFile(path.join(root, 'photo.jpg'), 'jpeg bytes');
  await writeFile(path.join(root, 'CLIP.MOV'), 'video bytes');
  await writeFile(path.join(root, 'notes.txt'), 'not media');
  await writeFile(path.join(root, 'page.html'), '<script>alert(1)</script>');
  await mkdir(path.join(root, 'album.jpg'));
  execFileSync('mkfifo', [path.join(root, 'pipe.jpg')]);
});

afterAll(async () => {
  await removeDir(root);
});

describe('servable media', () => {
  it('serves exactly the photo and video kinds the indexer indexes', () => {
    expect([...SERVABLE_EXTENSIONS].sort()).toEqual(
      [...imageExtensions, ...videoExtensions].sort(),
    );
    expect(mediaTypeOf('/a/b.JPG')).toBe('image/jpeg');
    expect(mediaTypeOf('/a/b.webp')).toBe('image/webp'); // thumbnails
    expect(mediaTypeOf('/a/notes.txt')).toBeNull();
    expect(mediaTypeOf('/a/page.html')).toBeNull();
  });

  it('opens a regular media file under a root and reports its size and type', async () => {
    const media = await openServableMedia(path.join(root, 'CLIP.MOV'), [root]);
    try {
      expect(media).toMatchObject({
        path: path.join(root, 'CLIP.MOV'),
        size: 'video bytes'.length,
        contentType: 'video/quicktime',
      });
    } finally {
      await media?.handle.close();
    }
  });

  it('refuses other files, folders and FIFOs, even with a media extension', async () => {
    // A FIFO opened without O_NONBLOCK would wait for a writer: this would never settle.
    for (const name of ['notes.txt', 'page.html', 'album.jpg', 'pipe.jpg', 'missing.jpg'])
      expect(await openServableMedia(path.join(root, name), [root]), name).toBeNull();
  });

  it('gives media:// the same refusals as the browser shell', async () => {
    const handle = createMediaHandler({ roots: () => Promise.resolve([root]) });
    const status = async (name: string) =>
      (await handle(new Request(`media://local/${encodeURIComponent(path.join(root, name))}`)))
        .status;
    expect(await status('photo.jpg')).toBe(200);
    for (const name of ['notes.txt', 'page.html', 'album.jpg', 'pipe.jpg'])
      expect(await status(name), name).toBe(404);
  });
});
