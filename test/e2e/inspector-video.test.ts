/**
 * @file End to end, the inspector on a paused video frame as a person uses it: a 4 s grey
 * video whose second half shows an orange rectangle, indexed on toy-clip-gap, opened from
 * the library; the player is seeked into the second half, I on the player pauses it and
 * opens the inspector on the engine's frame (vision:frame); the prompt "orange" finds a
 * box over the rectangle as displayed; Esc goes back to the player, paused at that time.
 * The real renderer in Debian's Chromium, the real engine through `lantern serve` with
 * the toy detector. Screenshot: test-artifacts/e2e/inspector-3-video-frame.png.
 */
import { execFile } from 'node:child_process';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import type { ChildProcess } from 'node:child_process';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { locateFfmpeg } from '../../native/ffmpeg/index.js';
import { ARTIFACTS, closeBrowserShell, openBrowserShell } from '../fixtures/browser-shell.js';
import { removeDir, tempDir } from '../fixtures/library.js';
import { hexColour } from '../fixtures/videos.js';

const run = promisify(execFile);

/** 16:9, the detector's input width: the frame's own size is what the boxes are in. */
const SIZE = { width: 768, height: 432 };
/** The orange rectangle, in frame pixels, on the 32 px patch grid across. */
const RECT = { left: 416, top: 160, width: 224, height: 160 };
const SECONDS = 4;
/** Where the player is paused: well inside the second half, away from the cut at 2 s. */
const AT = 3;
const NAME = 'orange-late.mp4';

/** Grey throughout; the orange rectangle from half-way on (drawbox, enabled by time). */
async function writeOrangeLateVideo(dir: string): Promise<string> {
  const ff = await locateFfmpeg();
  const file = path.join(dir, NAME);
  const grey = `color=c=${hexColour('gray')}:s=${SIZE.width}x${SIZE.height}:r=25:d=${SECONDS}`;
  const box =
    `drawbox=x=${RECT.left}:y=${RECT.top}:w=${RECT.width}:h=${RECT.height}` +
    `:color=${hexColour('orange')}:t=fill:enable='gte(t,${SECONDS / 2})'`;
  await run(ff.ffmpeg, [
    ...['-hide_banner', '-nostdin', '-loglevel', 'error', '-y'],
    ...['-f', 'lavfi', '-i', grey, '-vf', box],
    ...['-c:v', 'libx264', '-preset', 'ultrafast', '-g', '25', '-pix_fmt', 'yuv420p'],
    file,
  ]);
  return file;
}

interface PlayerState {
  readyState: number;
  time: number;
  paused: boolean;
  seeking: boolean;
  hidden: boolean;
}
/** The player's state (run in the page; a string: this project's Node typings have no DOM). */
const PLAYER_STATE = `(() => {
  const video = document.querySelector('video');
  if (!video) return null;
  return {
    readyState: video.readyState,
    time: video.currentTime,
    paused: video.paused,
    seeking: video.seeking,
    hidden: video.closest('[hidden]') !== null,
  };
})()`;

describe('the inspector on a paused video frame, in the browser shell', () => {
  let root: string;
  let db: string;
  let server: ChildProcess;
  let browser: Browser;
  let page: Page;
  let pageErrors: string[] = [];

  beforeAll(async () => {
    [root, db] = await Promise.all([tempDir(), tempDir()]);
    await mkdir(ARTIFACTS, { recursive: true });
    await writeOrangeLateVideo(root);
    ({ server, browser, page, pageErrors } = await openBrowserShell(
      [
        ...['--db', db, '--models', inject('toyModelsDir')],
        ...['--model', 'toy-clip-gap', '--detector', 'toy-detect', '--segmenter', 'toy-segment'],
      ],
      { viewport: { width: 1400, height: 900 } },
    ));
  }, 60_000);

  afterAll(async () => {
    await closeBrowserShell({ server, browser });
    await removeDir(root);
    await removeDir(db);
  });

  const player = () => page.evaluate<PlayerState | null>(PLAYER_STATE);
  const boxes = () => page.getByRole('group', { name: 'Boxes' }).getByRole('button');
  const panel = () => page.getByRole('region', { name: 'Inspector' });
  /** What the panel says now: its status lines and any alert (never waits). */
  const panelText = async () =>
    [
      ...(await panel().getByRole('status').allTextContents()),
      ...(await page.getByRole('alert').allTextContents()),
    ].join(' | ');

  it('indexes the video and opens it from the library, paused in its second half', async () => {
    await page.getByLabel('Folder path').fill(root);
    await page.getByRole('button', { name: 'Add folder' }).click();
    await expect
      .poll(() => page.getByRole('region', { name: 'Progress' }).textContent(), {
        timeout: 90_000,
      })
      .toMatch(/finished — 1 indexed/);
    const tile = page.getByRole('button', { name: NAME, exact: true });
    await expect.poll(() => tile.count(), { timeout: 20_000 }).toBe(1);
    await tile.click();
    await expect.poll(() => page.getByRole('dialog').getAttribute('aria-label')).toBe(NAME);

    await expect
      .poll(async () => (await player())?.readyState ?? 0, { timeout: 30_000 })
      .toBeGreaterThanOrEqual(1);
    await page.evaluate(`document.querySelector('video').currentTime = ${AT}`);
    await expect
      .poll(
        async () => {
          const state = await player();
          return !!state && !state.seeking && Math.abs(state.time - AT) < 0.05;
        },
        { timeout: 30_000 },
      )
      .toBe(true);
  }, 180_000);

  it('I on the player opens the inspector on that frame; "orange" boxes the rectangle', async () => {
    await page.locator('video').focus();
    await page.keyboard.press('i');
    await expect.poll(() => panel().count()).toBe(1);
    expect(await panel().getByText('Frame at 0:03.0').count()).toBe(1);
    const state = await player();
    expect(state?.paused).toBe(true);
    expect(state?.hidden).toBe(true);

    // The engine's frame (a JPEG data URL), at the video's own size.
    const image = panel().getByRole('img', { name: `${NAME}, frame at 0:03.0` });
    // Until the frame shows or the engine says why not.
    await expect
      .poll(async () => (await image.count()) + (await page.getByRole('alert').count()), {
        timeout: 60_000,
      })
      .toBeGreaterThan(0);
    expect(`${await image.count()} ${await panelText()}`).toMatch(/^1 /);
    expect(await image.getAttribute('src')).toMatch(/^data:image\/jpeg;base64,/);
    await expect
      .poll(() =>
        image.evaluate((node) => (node as unknown as { naturalWidth: number }).naturalWidth),
      )
      .toBe(SIZE.width);

    const field = page.getByRole('textbox', { name: 'Prompt' });
    await field.fill('orange');
    await field.press('Enter');
    await expect
      .poll(async () => /…/.test(await panelText()), { timeout: 120_000, interval: 250 })
      .toBe(false);
    expect(`${await boxes().count()} ${await panelText()}`).toMatch(/^[1-9]/);
    expect(await boxes().first().getAttribute('aria-label')).toMatch(/^orange \d\.\d\d$/);

    // On screen the strongest box covers the rectangle, scaled to the frame's displayed
    // size (a patch of the toy detector, 32/768 of the long side, is the tolerance).
    const shown = await image.boundingBox();
    const box = await boxes().first().locator('rect.outline').boundingBox();
    expect(shown && box).toBeTruthy();
    const scale = shown!.width / SIZE.width;
    const tolerance = 32 * scale + 2;
    expect(Math.abs(box!.x - (shown!.x + RECT.left * scale))).toBeLessThan(tolerance);
    expect(Math.abs(box!.y - (shown!.y + RECT.top * scale))).toBeLessThan(tolerance);
    expect(Math.abs(box!.width - RECT.width * scale)).toBeLessThan(2 * tolerance);
    expect(Math.abs(box!.height - RECT.height * scale)).toBeLessThan(2 * tolerance);
    await page.screenshot({ path: path.join(ARTIFACTS, 'inspector-3-video-frame.png') });
  }, 180_000);

  it('Esc goes back to the player, paused at the inspected time', async () => {
    await page.keyboard.press('Escape');
    await expect.poll(() => panel().count()).toBe(0);
    expect(await page.getByRole('dialog').count()).toBe(1);
    const state = await player();
    expect(state?.hidden).toBe(false);
    expect(state?.paused).toBe(true);
    expect(Math.abs((state?.time ?? 0) - AT)).toBeLessThan(0.05);
    expect(pageErrors).toEqual([]);
  });
});
