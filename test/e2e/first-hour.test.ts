/**
 * @file End to end, the first hour as a new user meets it: an empty models folder and an
 * empty library; a model downloaded through the UI from a local mirror (a catalog given by
 * LANTERN_CATALOG, a node:http server on 127.0.0.1 serving the toy model's files slowly
 * enough to watch), a failure with its reason and a retry, the checksum verified, the first
 * folder added, indexing to the end, the library shown without a query, a search, and an
 * AVI (MPEG-4 Part 2, which Chromium cannot decode) played through the proxy stream, sought
 * and cut into a clip. The real renderer in Debian's Chromium, the real engine and ffmpeg
 * through `lantern serve`.
 * Screenshots go to test-artifacts/e2e/first-hour-*.png.
 */
import { readdir, readFile, mkdir, writeFile } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import type { ChildProcess } from 'node:child_process';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { ARTIFACTS, openBrowserShell } from '../fixtures/browser-shell.js';
import { removeDir, tempDir } from '../fixtures/library.js';
import { writePhoto } from '../fixtures/photos.js';
import { writeColourVideo } from '../fixtures/videos.js';
import { locateFfmpeg } from '../../native/ffmpeg/index.js';

const MODEL = 'toy-clip-gap';

interface CatalogModel {
  id: string;
  name: string;
  hidden?: boolean;
  files: Record<string, { path: string; size: number; sha256: string; url?: string }>;
}

/**
 * Serves the toy models folder; the first request for the text model answers 500 (a
 * mirror's hiccup), and every body is sent in small slices so the progress is visible.
 */
function startMirror(dir: string): Promise<{ server: http.Server; base: string }> {
  let failedOnce = false;
  const server = http.createServer((request, response) => {
    void (async () => {
      const name = decodeURIComponent(new URL(request.url ?? '/', 'http://x').pathname).slice(1);
      if (name.endsWith('text_model.onnx') && !failedOnce) {
        failedOnce = true;
        response.writeHead(500).end('mirror hiccup');
        return;
      }
      const data = await readFile(path.join(dir, name)).catch(() => null);
      if (!data) {
        response.writeHead(404).end();
        return;
      }
      const range = /^bytes=(\d+)-$/.exec(request.headers.range ?? '');
      const start = range?.[1] ? Number(range[1]) : 0;
      const body = data.subarray(start);
      response.writeHead(range ? 206 : 200, {
        'content-length': body.length,
        ...(range ? { 'content-range': `bytes ${start}-${data.length - 1}/${data.length}` } : {}),
      });
      const slice = Math.max(1, Math.ceil(body.length / 25));
      for (let i = 0; i < body.length && !response.destroyed; i += slice) {
        response.write(body.subarray(i, i + slice));
        await new Promise((r) => setTimeout(r, 40));
      }
      response.end();
    })();
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      resolve({ server, base: `http://127.0.0.1:${port}` });
    }),
  );
}

describe('the first hour, in the browser shell', () => {
  let root: string;
  let db: string;
  let models: string;
  let catalogDir: string;
  let clipsDir: string;
  let mirror: http.Server;
  let serve: ChildProcess;
  let browser: Browser;
  let page: Page;
  let pageErrors: string[] = [];

  beforeAll(async () => {
    [root, db, models, catalogDir, clipsDir] = await Promise.all([
      tempDir(),
      tempDir(),
      tempDir(),
      tempDir(),
      tempDir(),
    ]);
    await mkdir(ARTIFACTS, { recursive: true });
    for (const colour of ['red', 'green', 'blue', 'yellow'] as const)
      await writePhoto(root, { colour, width: 320, height: 240 });
    // 9 s of black, purple, white: MPEG-4 Part 2 with MP3 sound in AVI.
    await writeColourVideo(root, await locateFfmpeg(), {
      name: 'camcorder',
      codec: 'mpeg4',
      audio: true,
      stretches: [
        { colour: 'black', seconds: 3 },
        { colour: 'purple', seconds: 3 },
        { colour: 'white', seconds: 3 },
      ],
    });

    const toys = inject('toyModelsDir');
    const mirrored = await startMirror(toys);
    mirror = mirrored.server;
    const manifest = JSON.parse(await readFile(path.join(toys, 'models.json'), 'utf8')) as {
      version: number;
      models: CatalogModel[];
    };
    const toy = manifest.models.find((m) => m.id === MODEL);
    if (!toy) throw new Error(`${MODEL} is not among the toy models`);
    const files = Object.fromEntries(
      Object.entries(toy.files).map(([key, file]) => [
        key,
        { ...file, path: path.basename(file.path), url: `${mirrored.base}/${file.path}` },
      ]),
    );
    const catalog = path.join(catalogDir, 'catalog.json');
    await writeFile(
      catalog,
      JSON.stringify({ version: manifest.version, models: [{ ...toy, hidden: false, files }] }),
    );

    ({
      server: serve,
      browser,
      page,
      pageErrors,
    } = await openBrowserShell(['--db', db, '--models', models], {
      env: { LANTERN_CATALOG: catalog },
      viewport: { width: 1280, height: 860 },
    }));
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    serve?.kill('SIGTERM');
    mirror?.close();
    for (const dir of [root, db, models, catalogDir, clipsDir]) await removeDir(dir);
  });

  const shot = (name: string) =>
    page.screenshot({ path: path.join(ARTIFACTS, `first-hour-${name}.png`) });

  it('downloads the model with progress, says why it failed, and retries to a verified model', async () => {
    await expect.poll(() => page.getByRole('heading', { name: 'Choose a model' }).count()).toBe(1);
    const body = () => page.locator('body').innerText();
    // No command-line advice or internal paths on the first-run page.
    expect(await body()).not.toMatch(/lantern models fetch|--models|vision_model\.onnx/);
    await shot('1-choose-model');

    await page.getByRole('button', { name: /^Download/ }).click();
    // Progress in bytes while the vision file arrives slowly, then the mirror's failure.
    await expect.poll(body, { timeout: 20_000 }).toMatch(/of 2\.\d MB/);
    await shot('2-downloading');
    const retry = page.getByRole('button', { name: 'Retry download' });
    await expect.poll(() => retry.count(), { timeout: 30_000 }).toBe(1);
    expect(await body()).toMatch(/500/);
    await shot('3-failed');

    await retry.click();
    await expect.poll(body, { timeout: 60_000 }).toMatch(/checksum verified/);
    await expect
      .poll(() => page.getByRole('heading', { name: 'Add your first folder' }).count(), {
        timeout: 20_000,
      })
      .toBe(1);
    await shot('4-verified');
  });

  it('adds the first folder, indexes it, and shows the library without a query', async () => {
    await page.getByLabel('Folder path').fill(root);
    await page.getByRole('button', { name: 'Add folder' }).click();
    const progress = page.getByRole('region', { name: 'Progress' });
    await expect
      .poll(() => progress.textContent(), { timeout: 60_000 })
      .toMatch(/finished — 5 indexed/);
    const tiles = page.getByRole('list', { name: 'Library' }).getByRole('listitem');
    await expect.poll(() => tiles.count(), { timeout: 20_000 }).toBe(5);
    // Grouped by month: the files were just written, so this month.
    const month = new Date().toLocaleString('en-US', { month: 'long', year: 'numeric' });
    await expect.poll(() => page.getByRole('heading', { name: month }).count()).toBe(1);
    await shot('5-library');
  });

  it('searches the new library by sentence', async () => {
    await page.getByRole('searchbox', { name: 'Search' }).fill('a blue photo');
    await expect
      .poll(() => page.getByRole('button', { name: 'blue.jpg', exact: true }).count(), {
        timeout: 20_000,
      })
      .toBe(1);
    await shot('6-search');
    expect(pageErrors).toEqual([]);
  });

  interface PlayerState {
    readyState: number;
    error: string | null;
    time: number;
    paused: boolean;
    seeking: boolean;
    pixel: number[];
  }
  /**
   * The player's state, and the colour at the middle of the picture it shows (run in the
   * page; a string, since this project's Node typings have no DOM).
   */
  const PLAYER_STATE = `(() => {
    const video = document.querySelector('video');
    if (!video) return null;
    const canvas = document.createElement('canvas');
    canvas.width = 8;
    canvas.height = 8;
    const context = canvas.getContext('2d');
    context.drawImage(video, 0, 0, 8, 8);
    return {
      readyState: video.readyState,
      error: video.error ? video.error.message || String(video.error.code) : null,
      time: video.currentTime,
      paused: video.paused,
      seeking: video.seeking,
      pixel: [...context.getImageData(4, 4, 1, 1).data.slice(0, 3)],
    };
  })()`;
  const player = () => page.evaluate<PlayerState | null>(PLAYER_STATE);
  const near = (pixel: number[] | undefined, rgb: number[]) =>
    !!pixel && pixel.every((v, i) => Math.abs(v - rgb[i]!) <= 40);

  it('plays an AVI Chromium cannot decode, seeks in it, and exports its matching scene', async () => {
    await page.getByRole('searchbox', { name: 'Search' }).fill('a purple video');
    const tile = page.getByRole('button', { name: 'camcorder.avi', exact: true });
    await expect.poll(() => tile.count(), { timeout: 30_000 }).toBe(1);
    await tile.click();
    const dialog = page.getByRole('dialog', { name: 'camcorder.avi' });
    await expect
      .poll(() => dialog.innerText(), { timeout: 20_000 })
      .toMatch(/converts it as it plays/);
    // Playing: frames decoded, no error; the matched stretch (purple, 3–6 s) plays and
    // stops before the white of the next shot.
    await expect
      .poll(async () => (await player())?.readyState ?? 0, { timeout: 30_000 })
      .toBeGreaterThanOrEqual(2);
    await shot('7-avi-playing');
    await expect
      .poll(
        async () => {
          const state = await player();
          return state && state.paused && state.time > 5 ? state.time : null;
        },
        { timeout: 30_000 },
      )
      // Times count from the file's start, which the MP3 priming puts a frame or so early.
      .toBeLessThan(6.1);
    const stopped = await player();
    expect(stopped?.error).toBeNull();
    expect(near(stopped?.pixel, [130, 40, 180])).toBe(true);

    // A seek to the white stretch, past what the first stream may hold.
    await page.evaluate("document.querySelector('video').currentTime = 7.5");
    await expect
      .poll(
        async () => {
          const state = await player();
          return (
            !!state && state.readyState >= 2 && !state.seeking && near(state.pixel, [245, 245, 245])
          );
        },
        { timeout: 30_000 },
      )
      .toBe(true);
    expect((await player())?.error).toBeNull();

    // Export the selected scene (3–6 s) to a folder of the person's choosing.
    await dialog.getByLabel('Destination folder').fill(clipsDir);
    await dialog.getByRole('button', { name: 'Export clip' }).click();
    await expect
      .poll(() => dialog.getByRole('list', { name: 'Exported clips' }).count(), { timeout: 60_000 })
      .toBe(1);
    const written = await readdir(clipsDir);
    expect(written).toHaveLength(1);
    expect(written[0]).toMatch(/^camcorder.*\.avi$/);
    await shot('8-scene-exported');
    expect(pageErrors).toEqual([]);
  });
});
