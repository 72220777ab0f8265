/**
 * @file End to end: the real renderer in Debian's Chromium (playwright-core), talking to
 * the real engine through the browser shell (`lantern serve`), on the toy models. A
 * person adds a folder, watches it index, searches, filters, finds similar photos, walks
 * the lightbox with the keyboard, sees why a file failed, and gets a clear error for an
 * invalid request. Screenshots go to test-artifacts/e2e/.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { ARTIFACTS, closeBrowserShell, openBrowserShell } from '../fixtures/browser-shell.js';
import { removeDir, tempDir } from '../fixtures/library.js';
import { writePhoto } from '../fixtures/photos.js';
import type { ChildProcess } from 'node:child_process';

describe('Lantern in the browser shell', () => {
  let root: string;
  let db: string;
  let server: ChildProcess;
  let browser: Browser;
  let page: Page;
  let pageErrors: string[] = [];

  beforeAll(async () => {
    root = await tempDir();
    db = await tempDir();
    await mkdir(ARTIFACTS, { recursive: true });
    for (const colour of ['red', 'orange', 'yellow', 'green', 'blue', 'purple'] as const) {
      await writePhoto(
        path.join(root, colour === 'blue' || colour === 'purple' ? 'cool' : 'warm'),
        { colour, width: 240, height: 160 },
      );
    }
    await writeFile(path.join(root, 'broken.jpg'), 'not a photo');

    ({ server, browser, page, pageErrors } = await openBrowserShell([
      '--db',
      db,
      '--models',
      inject('toyModelsDir'),
      '--model',
      'toy-clip',
    ]));
  }, 60_000);

  afterAll(async () => {
    await closeBrowserShell({ server, browser });
    await removeDir(root);
    await removeDir(db);
  });

  const shot = (name: string) => page.screenshot({ path: path.join(ARTIFACTS, `${name}.png`) });

  it('adds a folder and shows indexing progress to the end', async () => {
    await page.getByLabel('Folder path').fill(root);
    await page.getByRole('button', { name: 'Add folder' }).click();
    const progress = page.getByRole('region', { name: 'Progress' });
    await expect
      .poll(() => progress.textContent(), { timeout: 30_000 })
      .toMatch(/finished — 6 indexed, 0 unchanged, 1 failed/);
    await shot('indexed');
  });

  it('searches by sentence and finds the blue photo first', async () => {
    const box = page.getByRole('searchbox', { name: 'Search' });
    await box.fill('a blue photo');
    const first = page.getByRole('list', { name: 'Results' }).getByRole('listitem').first();
    await expect
      .poll(
        () =>
          first
            .getByRole('button')
            .first()
            .getAttribute('aria-label')
            .catch(() => null) ?? first.textContent(),
        { timeout: 10_000 },
      )
      .toMatch(/blue\.jpg/);
    await expect
      .poll(() => page.getByRole('button', { name: 'blue.jpg', exact: true }).count())
      .toBe(1);
    await shot('search-blue');
  });

  it('filters by folder and by kind', async () => {
    await page.getByRole('checkbox', { name: 'Show weaker matches' }).check();
    const results = page.getByRole('list', { name: 'Results' }).getByRole('listitem');
    await expect.poll(() => results.count()).toBe(6);
    await page.getByRole('combobox', { name: 'Folder' }).selectOption({ label: root });
    await expect.poll(() => results.count()).toBe(6);
    await page.getByRole('radio', { name: 'Videos' }).check();
    await expect.poll(() => page.getByRole('heading', { name: 'Nothing found' }).count()).toBe(1);
    await page.getByRole('radio', { name: 'All' }).check();
    await expect.poll(() => results.count()).toBe(6);
  });

  it('finds photos similar to a result', async () => {
    const tile = page
      .getByRole('list', { name: 'Results' })
      .getByRole('listitem')
      .filter({ has: page.getByRole('button', { name: 'blue.jpg', exact: true }) });
    await tile.getByRole('button', { name: 'Find similar' }).click();
    await expect
      .poll(() => page.getByRole('status').filter({ hasText: 'similar to' }).count())
      .toBeGreaterThan(0);
    // The nearest colour to blue among the rest in the toy CLIP is purple.
    const first = page.getByRole('list', { name: 'Results' }).getByRole('listitem').first();
    await expect.poll(() => first.textContent()).toMatch(/purple\.jpg/);
    await expect
      .poll(() => page.getByRole('button', { name: 'blue.jpg', exact: true }).count())
      .toBe(0);
    await shot('similar');
    await page.getByRole('button', { name: 'Stop finding similar' }).click();
  });

  it('walks the lightbox with the keyboard', async () => {
    const box = page.getByRole('searchbox', { name: 'Search' });
    await box.fill('red');
    await box.press('Enter');
    await page.getByRole('button', { name: 'red.jpg', exact: true }).click();
    const dialog = page.getByRole('dialog');
    await expect.poll(() => dialog.getAttribute('aria-label')).toBe('red.jpg');
    await page.keyboard.press('ArrowRight');
    await expect.poll(() => dialog.getAttribute('aria-label')).not.toBe('red.jpg');
    await page.keyboard.press('ArrowLeft');
    await expect.poll(() => dialog.getAttribute('aria-label')).toBe('red.jpg');
    await shot('lightbox');
    await page.keyboard.press('Escape');
    await expect.poll(() => page.getByRole('dialog').count()).toBe(0);
  });

  it('lists the failed file with its reason', async () => {
    await page.getByRole('button', { name: 'Library', exact: true }).click();
    const failed = page.getByRole('list', { name: 'Failed files' }).getByRole('listitem');
    await expect.poll(() => failed.count()).toBe(1);
    expect(await failed.first().textContent()).toMatch(/broken\.jpg/);
    expect(await failed.first().textContent()).toMatch(/decode|format|corrupt|not/i);
    await shot('library');
  });

  it('shows a clear error for an invalid request', async () => {
    await page.getByLabel('Folder path').fill('relative/folder');
    await page.getByRole('button', { name: 'Add folder' }).click();
    const alert = page.getByRole('alert').filter({ hasText: 'must be a full path' });
    await expect.poll(() => alert.count()).toBeGreaterThan(0);
    expect(pageErrors).toEqual([]);
  });
});
