/**
 * @file The browser shell's transport: token checks on every request and WebSocket,
 * the contract over the socket (same handlers as the desktop app), events pushed, and
 * media served only from library roots, with byte ranges.
 */
import { mkdir, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import WebSocket from 'ws';
import { startBrowserShell, type BrowserShell } from '../../electron/cli/serve.js';
import { LanternService } from '../../electron/engine/service/service.js';
import { removeDir, tempDir } from '../fixtures/library.js';
import { writePhoto } from '../fixtures/photos.js';

describe('browser shell', () => {
  let root: string;
  let db: string;
  let outside: string;
  let renderer: string;
  let service: LanternService;
  let shell: BrowserShell;
  let base: string;
  let token: string;

  beforeAll(async () => {
    root = await tempDir();
    db = await tempDir();
    outside = await tempDir();
    renderer = await tempDir();
    await writeFile(path.join(renderer, 'index.html'), '<!doctype html><title>Lantern</title>');
    await writePhoto(root, { colour: 'blue' });
    await writeFile(path.join(outside, 'secret.txt'), 'not yours');
    await symlink(path.join(outside, 'secret.txt'), path.join(root, 'link-out.jpg'));
    process.env.LANTERN_RENDERER_DIR = renderer;
    service = await LanternService.create({
      shell: 'browser',
      dbDir: db,
      modelsDir: inject('toyModelsDir'),
      modelId: 'toy-clip',
    });
    shell = await startBrowserShell(service);
    const url = new URL(shell.url);
    base = url.origin;
    token = url.searchParams.get('token') ?? '';
  });

  afterAll(async () => {
    await shell.close();
    await service.close();
    delete process.env.LANTERN_RENDERER_DIR;
    for (const dir of [root, db, outside, renderer]) await removeDir(dir);
  });

  it('prints a loopback URL with a long random token', () => {
    expect(shell.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/\?token=[\w-]{32,}$/);
  });

  it('refuses requests without the token and serves the page with it', async () => {
    expect((await fetch(`${base}/`)).status).toBe(403);
    expect((await fetch(`${base}/?token=wrong`)).status).toBe(403);
    const page = await fetch(shell.url);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('<title>Lantern</title>');
    const cookie = page.headers.get('set-cookie') ?? '';
    expect(cookie).toMatch(/HttpOnly/);
    expect(cookie).toMatch(/SameSite=Strict/);
    // The cookie alone is enough for the page's own later requests.
    const again = await fetch(`${base}/index.html`, {
      headers: { cookie: cookie.split(';')[0] ?? '' },
    });
    expect(again.status).toBe(200);
  });

  const connect = (query: string) =>
    new Promise<WebSocket>((resolve, reject) => {
      const ws = new WebSocket(`${base.replace('http', 'ws')}/ws${query}`);
      ws.once('open', () => resolve(ws));
      ws.once('error', reject);
      ws.once('unexpected-response', (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)));
    });

  it('refuses WebSocket connections without the token', async () => {
    await expect(connect('')).rejects.toThrow(/403/);
    await expect(connect('?token=nope')).rejects.toThrow(/403/);
  });

  it('carries the contract over the socket and pushes events', async () => {
    const ws = await connect(`?token=${token}`);
    const messages: {
      id?: number | null;
      result?: { ok: boolean; value?: unknown; error?: { code: string } };
      event?: string;
    }[] = [];
    ws.on('message', (data: Buffer) =>
      messages.push(JSON.parse(data.toString()) as (typeof messages)[number]),
    );
    const call = async (id: number, channel: string, input: unknown) => {
      ws.send(JSON.stringify({ id, channel, input }));
      for (let i = 0; i < 500 && !messages.some((m) => m.id === id); i++)
        await new Promise((r) => setTimeout(r, 20));
      return messages.find((m) => m.id === id)?.result;
    };
    expect(await call(1, 'app:info', {})).toMatchObject({
      ok: true,
      value: { shell: 'browser', ready: true },
    });
    expect(await call(2, 'nope:never', {})).toMatchObject({
      ok: false,
      error: { code: 'INVALID_INPUT' },
    });
    // A long channel name is not echoed back whole.
    const long = (await call(21, 'x'.repeat(100_000), {})) as unknown as {
      error?: { message: string };
    };
    expect(long.error?.message.length).toBeLessThan(200);
    // JSON that is not an object is refused as such, not as invalid JSON.
    ws.send('null');
    ws.send('[1,2]');
    for (let i = 0; i < 500 && messages.filter((m) => m.id === null).length < 2; i++)
      await new Promise((r) => setTimeout(r, 20));
    const bare = messages.filter((m) => m.id === null);
    expect(bare).toHaveLength(2);
    for (const m of bare)
      expect(m.result).toMatchObject({
        ok: false,
        error: { code: 'INVALID_INPUT', message: expect.stringMatching(/JSON object/) as string },
      });
    expect(await call(3, 'dialog:pickFolders', {})).toMatchObject({
      ok: false,
      error: { code: 'INVALID_INPUT' },
    });
    expect(await call(4, 'search:query', { query: 42 })).toMatchObject({
      ok: false,
      error: { code: 'INVALID_INPUT' },
    });
    expect(await call(5, 'library:addRoots', { paths: [root] })).toMatchObject({ ok: true });
    for (let i = 0; i < 500 && !messages.some((m) => m.event === 'library:changed'); i++)
      await new Promise((r) => setTimeout(r, 20));
    expect(messages.some((m) => m.event === 'job:progress')).toBe(true);
    expect(messages.some((m) => m.event === 'library:changed')).toBe(true);
    const found = await call(6, 'search:query', { query: 'blue' });
    expect(found).toMatchObject({
      ok: true,
      value: { results: [{ path: path.join(root, 'blue.jpg') }] },
    });
    ws.close();
  });

  it('serves media from library roots only, with byte ranges', async () => {
    await mkdir(path.join(root, 'sub'), { recursive: true });
    const media = (p: string, headers: Record<string, string> = {}) =>
      fetch(`${base}/media?token=${token}&path=${encodeURIComponent(p)}`, { headers });
    const photo = path.join(root, 'blue.jpg');
    const whole = await media(photo);
    expect(whole.status).toBe(200);
    expect(whole.headers.get('content-type')).toBe('image/jpeg');
    const size = (await whole.arrayBuffer()).byteLength;
    const part = await media(photo, { range: 'bytes=10-19' });
    expect(part.status).toBe(206);
    expect(part.headers.get('content-range')).toBe(`bytes 10-19/${size}`);
    expect((await part.arrayBuffer()).byteLength).toBe(10);
    expect((await media(photo, { range: `bytes=${size + 5}-` })).status).toBe(416);
    expect((await media(path.join(outside, 'secret.txt'))).status).toBe(404);
    expect(
      (await media(path.join(root, 'sub', '..', '..', path.basename(outside), 'secret.txt')))
        .status,
    ).toBe(404);
    expect((await media(path.join(root, 'link-out.jpg'))).status).toBe(404);
    expect((await fetch(`${base}/media?path=${encodeURIComponent(photo)}`)).status).toBe(403);
  });
});
