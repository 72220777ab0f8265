/**
 * @file End to end, the inspector as a person uses it: a grey photo with a red rectangle
 * indexed on toy-clip, found by "red", opened in the lightbox, Inspect; the prompt "red"
 * finds one box, drawn over the rectangle on screen; the slider moved with the keyboard
 * hides and shows it; Segment draws the mask on its canvas; an export is written beside
 * the photo. The real renderer in Debian's Chromium, the real engine through
 * `lantern serve` with the toy detector and segmenter. Screenshots go to
 * test-artifacts/e2e/inspector-*.png.
 */
import { access, mkdir } from 'node:fs/promises';
import path from 'node:path';
import type { ChildProcess } from 'node:child_process';
import type { Browser, Page } from 'playwright-core';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { TOY_COLOURS } from '../toy-models/colours.js';
import { ARTIFACTS, closeBrowserShell, openBrowserShell } from '../fixtures/browser-shell.js';
import { removeDir, tempDir } from '../fixtures/library.js';
import { writePhoto } from '../fixtures/photos.js';

/**
 * 768 px square, the detector's own input size, with the rectangle on its 32 px patch
 * grid: the toy detector has no box regression, so a patch half over an edge would make
 * a thin box of its own (docs/vision.md).
 */
const SIZE = { width: 768, height: 768 };
/** The red rectangle, in photo pixels. */
const RECT = { left: 192, top: 128, width: 224, height: 160 };

/** What the test reads of a canvas in the page (this project's Node types have no DOM). */
interface CanvasLike {
  width: number;
  height: number;
  getContext(kind: '2d'): {
    getImageData(x: number, y: number, w: number, h: number): { data: ArrayLike<number> };
  } | null;
}

/** A grey photo with one red rectangle. */
async function writeRectanglePhoto(dir: string): Promise<string> {
  const [r, g, b] = TOY_COLOURS.red;
  const file = path.join(dir, 'red-rectangle.png');
  const red = await sharp({
    create: { width: RECT.width, height: RECT.height, channels: 3, background: { r, g, b } },
  })
    .png()
    .toBuffer();
  await sharp({ create: { ...SIZE, channels: 3, background: { r: 128, g: 128, b: 128 } } })
    .composite([{ input: red, left: RECT.left, top: RECT.top }])
    .png()
    .toFile(file);
  return file;
}

describe('the inspector, in the browser shell', () => {
  let root: string;
  let db: string;
  let photo: string;
  let server: ChildProcess;
  let browser: Browser;
  let page: Page;
  let pageErrors: string[] = [];

  beforeAll(async () => {
    [root, db] = await Promise.all([tempDir(), tempDir()]);
    await mkdir(ARTIFACTS, { recursive: true });
    photo = await writeRectanglePhoto(root);
    await writePhoto(root, { colour: 'blue', name: 'blue.jpg', width: 320, height: 240 });
    ({ server, browser, page, pageErrors } = await openBrowserShell(
      [
        '--db',
        db,
        '--models',
        inject('toyModelsDir'),
        '--model',
        'toy-clip',
        '--detector',
        'toy-detect',
        '--segmenter',
        'toy-segment',
      ],
      { viewport: { width: 1400, height: 900 } },
    ));
  }, 60_000);

  afterAll(async () => {
    await closeBrowserShell({ server, browser });
    await removeDir(root);
    await removeDir(db);
  });

  const shot = (name: string) =>
    page.screenshot({ path: path.join(ARTIFACTS, `inspector-${name}.png`) });
  const boxes = () => page.getByRole('group', { name: 'Boxes' }).getByRole('button');
  /** What the panel says now: its status line and any alert (never waits). */
  const panelText = async () =>
    [
      ...(await page
        .getByRole('region', { name: 'Inspector' })
        .getByRole('status')
        .allTextContents()),
      ...(await page.getByRole('alert').allTextContents()),
    ].join(' | ');
  /** Until no model call runs (the status line shows "…" while one does). */
  const settled = () =>
    expect
      .poll(async () => /…/.test(await panelText()), { timeout: 120_000, interval: 250 })
      .toBe(false);

  it('indexes the folder and opens the red photo in the inspector', async () => {
    await page.getByLabel('Folder path').fill(root);
    await page.getByRole('button', { name: 'Add folder' }).click();
    await expect
      .poll(() => page.getByRole('region', { name: 'Progress' }).textContent(), {
        timeout: 60_000,
      })
      .toMatch(/finished — 2 indexed/);
    const search = page.getByRole('searchbox', { name: 'Search' });
    await search.fill('red');
    await search.press('Enter');
    await page.getByRole('button', { name: 'red-rectangle.png', exact: true }).click();
    await expect
      .poll(() => page.getByRole('dialog').getAttribute('aria-label'))
      .toBe('red-rectangle.png');
    await page.keyboard.press('i');
    await expect.poll(() => page.getByRole('region', { name: 'Inspector' }).count()).toBe(1);
  });

  it('finds one box for "red", over the rectangle as displayed', async () => {
    const field = page.getByRole('textbox', { name: 'Prompt' });
    await field.fill('red');
    await field.press('Enter');
    await settled();
    expect(`${await boxes().count()} ${await panelText()}`).toMatch(/^1 /);
    expect(await boxes().first().getAttribute('aria-label')).toMatch(/^red \d\.\d\d$/);

    // On screen the box covers the rectangle, scaled to the photo's displayed size (a
    // patch of the toy detector is 32/768 of the photo's long side: the tolerance).
    const image = await page
      .getByRole('region', { name: 'Inspector' })
      .getByRole('img')
      .boundingBox();
    const box = await boxes().first().locator('rect.outline').boundingBox();
    expect(image && box).toBeTruthy();
    const scale = image!.width / SIZE.width;
    const tolerance = ((SIZE.width * 32) / 768) * scale + 2;
    expect(Math.abs(box!.x - (image!.x + RECT.left * scale))).toBeLessThan(tolerance);
    expect(Math.abs(box!.y - (image!.y + RECT.top * scale))).toBeLessThan(tolerance);
    expect(Math.abs(box!.width - RECT.width * scale)).toBeLessThan(2 * tolerance);
    expect(Math.abs(box!.height - RECT.height * scale)).toBeLessThan(2 * tolerance);
    await shot('1-boxes');
  }, 180_000);

  it('moves the threshold with the keyboard: End hides the box, Home shows it again', async () => {
    const slider = page.getByRole('slider', { name: 'Box threshold for red' });
    await slider.focus();
    await page.keyboard.press('End');
    await expect.poll(() => boxes().count()).toBe(0);
    // At 0 every box above the engine's floor shows: the red one at least.
    await page.keyboard.press('Home');
    await expect.poll(() => boxes().count()).toBeGreaterThanOrEqual(1);
    expect(await slider.getAttribute('aria-valuetext')).toBe('0%');
    // The arrow keys were the slider's: the lightbox still shows the same photo.
    expect(await page.getByRole('dialog').getAttribute('aria-label')).toBe('red-rectangle.png');
  });

  it('segments "red": the mask is drawn on its canvas', async () => {
    await page.getByRole('button', { name: 'Segment' }).click();
    const canvas = page.locator('canvas[data-prompt="red"]');
    await settled();
    expect(`${await canvas.count()} ${await panelText()}`).toMatch(/^1 /);
    const drawn = () =>
      canvas.evaluate((node) => {
        const element = node as unknown as CanvasLike;
        const context = element.getContext('2d');
        if (!context || element.width === 0) return 0;
        const { data } = context.getImageData(0, 0, element.width, element.height);
        let count = 0;
        for (let i = 3; i < data.length; i += 4) if (data[i]! > 0) count++;
        return count / (element.width * element.height);
      });
    // The rectangle is 224 × 160 of 640 × 480: about 12% of the photo.
    await expect.poll(drawn, { timeout: 10_000 }).toBeGreaterThan(0.06);
    expect(await drawn()).toBeLessThan(0.25);
    await shot('2-mask');
  }, 180_000);

  it('writes the annotated photo beside the original', async () => {
    await page.getByRole('button', { name: 'Annotated PNG' }).click();
    const exports = page.getByRole('region', { name: 'Exports' });
    // Until the file is written or the engine says why not.
    await expect
      .poll(
        async () =>
          /Saved /.test(await exports.innerText()) || (await page.getByRole('alert').count()) > 0,
        { timeout: 60_000 },
      )
      .toBe(true);
    expect(`${await exports.innerText()} ${await panelText()}`).toMatch(/Saved /);
    const written = (await exports.locator('.mono').textContent())!.trim();
    expect(path.dirname(written)).toBe(path.dirname(photo));
    expect(written).not.toBe(photo);
    await access(written);
    expect(pageErrors).toEqual([]);
  }, 120_000);
});
