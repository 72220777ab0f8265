/**
 * @file The media:// and app:// protocols (electron/main/media-protocol.ts,
 * app-protocol.ts): which files may be served, judged on real temporary files and
 * symbolic links, and HTTP range requests as a <video> makes them.
 */
import { mkdir, mkdtemp, realpath, rm, symlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createAppHandler, rendererFile } from '../../electron/main/app-protocol.js';
import { createMediaHandler, requestedPath } from '../../electron/main/media-protocol.js';
import { CONTENT_SECURITY_POLICY } from '../../electron/main/security.js';

let tmp: string;
let library: string;
let thumbnails: string;
let outside: string;
/** 0..255 repeated, so any range's bytes are predictable. */
const VIDEO = Uint8Array.from({ length: 1000 }, (_, i) => i % 256);

const mediaUrl = (file: string) => `media://local/${encodeURIComponent(file)}`;
const get = (url: string, headers: Record<string, string> = {}, method = 'GET') =>
  new Request(url, { method, headers });

beforeAll(async () => {
  tmp = await realpath(await mkdtemp(path.join(os.tmpdir(), 'lantern-media-')));
  library = path.join(tmp, 'library');
  thumbnails = path.join(tmp, 'db', 'thumbnails');
  outside = path.join(tmp, 'outside');
  await mkdir(path.join(library, 'trip'), { recursive: true });
  await mkdir(path.join(thumbnails, 'ab'), { recursive: true });
  await mkdir(outside);
  await writeFile(path.join(library, 'trip', 'beach day.jpg'), 'jpeg bytes');
  await writeFile(path.join(library, 'clip.mp4'), VIDEO);
  await writeFile(path.join(library, 'empty.mov'), '');
  await writeFile(path.join(thumbnails, 'ab', 'abcd.webp'), 'webp bytes');
  await writeFile(path.join(outside, 'secret.txt'), 'secret');
  await writeFile(path.join(tmp, 'db', 'store.lance'), 'database');
  // A link that stays inside is fine; links that lead out are not.
  await symlink(path.join(library, 'clip.mp4'), path.join(library, 'inside-link.mp4'));
  await symlink(path.join(outside, 'secret.txt'), path.join(library, 'escape.jpg'));
  await symlink(outside, path.join(library, 'escape-dir'));
});

afterAll(async () => {
  await rm(tmp, { recursive: true, force: true });
});

function handler(roots: () => string[] = () => [library, thumbnails]) {
  const source = { roots: vi.fn((_refresh?: boolean) => Promise.resolve(roots())) };
  return { source, handle: createMediaHandler(source) };
}

async function status(url: string): Promise<number> {
  return (await handler().handle(get(url))).status;
}

describe('media:// paths', () => {
  it('serves library files and thumbnails with their content type', async () => {
    const { handle } = handler();
    const photo = await handle(get(mediaUrl(path.join(library, 'trip', 'beach day.jpg'))));
    expect(photo.status).toBe(200);
    expect(photo.headers.get('content-type')).toBe('image/jpeg');
    expect(photo.headers.get('x-content-type-options')).toBe('nosniff');
    expect(photo.headers.get('content-security-policy')).toContain('sandbox');
    expect(await photo.text()).toBe('jpeg bytes');

    const thumb = await handle(get(mediaUrl(path.join(thumbnails, 'ab', 'abcd.webp'))));
    expect(thumb.headers.get('content-type')).toBe('image/webp');
    expect(await thumb.text()).toBe('webp bytes');

    const video = await handle(get(mediaUrl(path.join(library, 'clip.mp4'))));
    expect(video.headers.get('content-type')).toBe('video/mp4');
    expect(video.headers.get('content-length')).toBe('1000');
    expect(video.headers.get('accept-ranges')).toBe('bytes');
  });

  it('refuses files outside the roots, however the path is spelled', async () => {
    const secret = path.join(outside, 'secret.txt');
    const attempts = [
      mediaUrl(secret),
      mediaUrl(path.join(tmp, 'db', 'store.lance')), // next to the thumbnails, not in them
      mediaUrl(`${library}/../outside/secret.txt`),
      mediaUrl(`${library}/trip/../../outside/secret.txt`),
      // Percent-encoded dots and slashes, decoded only after the URL is parsed.
      `media://local/${library.split('/').map(encodeURIComponent).join('%2F')}%2F%2E%2E%2Foutside%2Fsecret.txt`,
      // Unencoded: the URL parser itself resolves the dots.
      `media://local${library}/../outside/secret.txt`,
      `media://local/${encodeURIComponent(library)}%2F..%2F..%2F..%2Fetc%2Fpasswd`,
    ];
    for (const url of attempts) expect(await status(url), url).toBe(404);
  });

  it('follows symbolic links only while they stay inside a root', async () => {
    expect(await status(mediaUrl(path.join(library, 'inside-link.mp4')))).toBe(200);
    expect(await status(mediaUrl(path.join(library, 'escape.jpg')))).toBe(404);
    expect(await status(mediaUrl(path.join(library, 'escape-dir', 'secret.txt')))).toBe(404);
  });

  it('refuses folders, roots themselves, missing files, other hosts and malformed URLs', async () => {
    for (const url of [
      mediaUrl(library),
      mediaUrl(path.join(library, 'trip')),
      mediaUrl(path.join(library, 'missing.jpg')),
      mediaUrl('relative/beach day.jpg'),
      `media://elsewhere/${encodeURIComponent(path.join(library, 'clip.mp4'))}`,
      'media://local/%E0%A4%A',
      'media://local/',
      `media://local/${encodeURIComponent(`${library}/clip.mp4\0.jpg`)}`,
    ])
      expect(await status(url), url).toBe(404);
  });

  it('answers only GET and HEAD', async () => {
    const { handle } = handler();
    const url = mediaUrl(path.join(library, 'clip.mp4'));
    const head = await handle(get(url, {}, 'HEAD'));
    expect(head.status).toBe(200);
    expect(head.headers.get('content-length')).toBe('1000');
    expect(head.body).toBeNull();
    expect((await handle(get(url, {}, 'POST'))).status).toBe(405);
  });

  it('checks a miss once more against fresh roots (a folder added a moment ago)', async () => {
    let roots = [thumbnails];
    const { source, handle } = handler(() => roots);
    source.roots.mockImplementation((refresh?: boolean) => {
      if (refresh) roots = [library, thumbnails];
      return Promise.resolve(roots);
    });
    expect((await handle(get(mediaUrl(path.join(library, 'clip.mp4'))))).status).toBe(200);
    expect(source.roots).toHaveBeenLastCalledWith(true);
  });

  it('reads the path back from the URL form the preload builds', () => {
    const file = 'C:\\Users\\Ann\\Pictures\\été #1?.jpg';
    expect(requestedPath(mediaUrl(file))).toBe(file);
    expect(requestedPath(`${mediaUrl('/a/b.mp4')}#t=10`)).toBe('/a/b.mp4');
  });
});

describe('media:// ranges', () => {
  const url = () => mediaUrl(path.join(library, 'clip.mp4'));
  const bytes = async (response: Response) => new Uint8Array(await response.arrayBuffer());

  it('answers a range with 206 and exactly those bytes', async () => {
    const { handle } = handler();
    const response = await handle(get(url(), { Range: 'bytes=100-199' }));
    expect(response.status).toBe(206);
    expect(response.headers.get('content-range')).toBe('bytes 100-199/1000');
    expect(response.headers.get('content-length')).toBe('100');
    expect(await bytes(response)).toEqual(VIDEO.slice(100, 200));
  });

  it('serves open-ended and suffix ranges the way a seeking <video> asks', async () => {
    const { handle } = handler();
    const open = await handle(get(url(), { Range: 'bytes=990-' }));
    expect(open.headers.get('content-range')).toBe('bytes 990-999/1000');
    expect(await bytes(open)).toEqual(VIDEO.slice(990));
    const suffix = await handle(get(url(), { Range: 'bytes=-10' }));
    expect(suffix.headers.get('content-range')).toBe('bytes 990-999/1000');
    const clipped = await handle(get(url(), { Range: 'bytes=500-5000' }));
    expect(clipped.headers.get('content-range')).toBe('bytes 500-999/1000');
    expect((await bytes(clipped)).length).toBe(500);
  });

  it('refuses an unsatisfiable range with 416 and the size', async () => {
    const { handle } = handler();
    for (const range of ['bytes=1000-', 'bytes=2000-3000', 'bytes=50-10']) {
      const response = await handle(get(url(), { Range: range }));
      expect(response.status, range).toBe(416);
      expect(response.headers.get('content-range')).toBe('bytes */1000');
    }
  });

  it('serves the whole file for ranges it does not support (several, or not bytes)', async () => {
    const { handle } = handler();
    for (const range of ['bytes=0-1,5-6', 'items=0-1']) {
      const response = await handle(get(url(), { Range: range }));
      expect(response.status).toBe(200);
      expect((await bytes(response)).length).toBe(1000);
    }
  });

  it('serves an empty file without a body', async () => {
    const response = await handler().handle(get(mediaUrl(path.join(library, 'empty.mov'))));
    expect(response.status).toBe(200);
    expect(response.headers.get('content-length')).toBe('0');
    expect(response.headers.get('content-type')).toBe('video/quicktime');
  });
});

describe('app:// (the renderer)', () => {
  let renderer: string;
  beforeAll(async () => {
    renderer = path.join(tmp, 'out', 'renderer');
    await mkdir(path.join(renderer, 'assets'), { recursive: true });
    await writeFile(path.join(renderer, 'index.html'), '<!doctype html><title>Lantern</title>');
    await writeFile(path.join(renderer, 'assets', 'index.js'), 'console.log(1)');
    await writeFile(path.join(tmp, 'out', 'main.js'), 'secret main');
  });

  it('serves the built renderer with the app policy on every response', async () => {
    const handle = createAppHandler(renderer);
    for (const [url, type] of [
      ['app://lantern/', 'text/html; charset=utf-8'],
      ['app://lantern/index.html', 'text/html; charset=utf-8'],
      ['app://lantern/assets/index.js', 'text/javascript; charset=utf-8'],
    ] as const) {
      const response = await handle(get(url));
      expect(response.status, url).toBe(200);
      expect(response.headers.get('content-type')).toBe(type);
      expect(response.headers.get('content-security-policy')).toBe(CONTENT_SECURITY_POLICY);
    }
  });

  it('serves nothing outside the renderer folder and nothing for other hosts', async () => {
    const handle = createAppHandler(renderer);
    for (const url of [
      'app://lantern/../main.js',
      'app://lantern/%2E%2E/main.js',
      'app://lantern/..%2Fmain.js',
      'app://lantern/assets/..%2F..%2Fmain.js',
      'app://lantern/missing.js',
      'app://other/index.html',
      'app://lantern/%E0%A4%A',
    ])
      expect((await handle(get(url))).status, url).toBe(404);
    expect(rendererFile(renderer, 'app://lantern/a%00b.js')).toBeNull();
  });
});
