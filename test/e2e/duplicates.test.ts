/**
 * @file End to end, the Duplicates view as a person uses it: a folder holding a real photo,
 * its resized re-encode and a different real photo, indexed on toy-clip-gap; "Find
 * duplicates" shows one group of two (the re-encode with its original, not the other
 * photo), the original suggested as keeper; "Move others to trash", confirmed, takes the
 * copy out of the folder and into the system trash (a trash folder of the test's own, so
 * the person's is never touched). The real renderer in Debian's Chromium, the real engine
 * through `lantern serve`. Screenshots: test-artifacts/e2e/duplicates*.png.
 */
import { copyFile, mkdir, readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import type { ChildProcess } from 'node:child_process';
import type { Browser, Page } from 'playwright-core';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { ARTIFACTS, closeBrowserShell, openBrowserShell } from '../fixtures/browser-shell.js';
import { removeDir, tempDir } from '../fixtures/library.js';

/** Real photos: the toy model's content term tells them apart (≈ 0.5–0.7), a copy ≈ 1. */
const REAL = '/usr/share/backgrounds/mate/nature';

/**
 * The freedesktop trash `file` goes to: the home trash under XDG_DATA_HOME when
 * the file lives on the home's file system, else `.Trash-<uid>` at the top of its own.
 */
async function trashDirOf(file: string, dataHome: string): Promise<string> {
  const device = (await stat(file)).dev;
  if (device === (await stat(process.env.HOME ?? '/root')).dev) return path.join(dataHome, 'Trash');
  let top = path.dirname(file);
  while (path.dirname(top) !== top && (await stat(path.dirname(top))).dev === device)
    top = path.dirname(top);
  return path.join(top, `.Trash-${process.getuid?.() ?? 0}`);
}

describe('the Duplicates view, in the browser shell', () => {
  let root: string;
  let db: string;
  let dataHome: string;
  let trashDir: string;
  let server: ChildProcess;
  let browser: Browser;
  let page: Page;
  let pageErrors: string[] = [];

  beforeAll(async () => {
    [root, db, dataHome] = await Promise.all([tempDir(), tempDir(), tempDir()]);
    await mkdir(ARTIFACTS, { recursive: true });
    await copyFile(path.join(REAL, 'Dune.jpg'), path.join(root, 'dune.jpg'));
    await copyFile(path.join(REAL, 'GreenMeadow.jpg'), path.join(root, 'meadow.jpg'));
    // The copy a phone or a messenger makes: half the size, re-encoded at a lower quality.
    const { width } = await sharp(path.join(root, 'dune.jpg')).metadata();
    await sharp(path.join(root, 'dune.jpg'))
      .resize({ width: Math.round((width ?? 1600) / 2) })
      .jpeg({ quality: 75 })
      .toFile(path.join(root, 'dune-small.jpg'));
    trashDir = await trashDirOf(path.join(root, 'dune-small.jpg'), dataHome);

    ({ server, browser, page, pageErrors } = await openBrowserShell(
      ['--db', db, '--models', inject('toyModelsDir'), '--model', 'toy-clip-gap'],
      { viewport: { width: 1280, height: 860 }, env: { XDG_DATA_HOME: dataHome } },
    ));
  }, 60_000);

  afterAll(async () => {
    await closeBrowserShell({ server, browser });
    await removeDir(root);
    await removeDir(db);
    await removeDir(dataHome);
  });

  const shot = (name: string) => page.screenshot({ path: path.join(ARTIFACTS, `${name}.png`) });
  const progress = () => page.getByRole('region', { name: 'Progress' });
  const groups = () => page.getByRole('region', { name: 'Duplicate groups' });

  it('finds one group: the photo and its resized re-encode, not the other photo', async () => {
    await page.getByLabel('Folder path').fill(root);
    await page.getByRole('button', { name: 'Add folder' }).click();
    await expect
      .poll(() => progress().textContent(), { timeout: 60_000 })
      .toMatch(/finished — 3 indexed/);

    await page
      .getByRole('navigation', { name: 'Views' })
      .getByRole('button', { name: 'Duplicates' })
      .click();
    await page.getByRole('button', { name: 'Find duplicates' }).click();
    await expect.poll(() => groups().getByRole('article').count(), { timeout: 30_000 }).toBe(1);

    const group = groups().getByRole('article');
    expect(await group.getByRole('heading').textContent()).toMatch(/Group 1: 2 photos/);
    expect(await group.getByRole('button', { name: 'dune.jpg, keeper' }).count()).toBe(1);
    expect(await group.getByRole('button', { name: 'dune-small.jpg' }).count()).toBe(1);
    expect(await page.getByRole('button', { name: /^meadow\.jpg/ }).count()).toBe(0);
    // The thumbnails load through the shell's media URL.
    await expect
      .poll(() =>
        group
          .locator('img')
          .evaluateAll((imgs) =>
            imgs.every((img) => (img as unknown as { naturalWidth: number }).naturalWidth > 0),
          ),
      )
      .toBe(true);
    await shot('duplicates');
    expect(pageErrors).toEqual([]);
    // Longer than the polls above, so a slow run fails on what the page showed (the progress
    // text, the groups) rather than on the test's own time limit, which shows nothing.
  }, 120_000);

  it('moves the copy to the system trash only after confirming', async () => {
    await groups().getByRole('button', { name: 'Move others to trash' }).click();
    const dialog = page.getByRole('alertdialog', { name: 'Move 1 file to the trash?' });
    await expect.poll(() => dialog.count()).toBe(1);
    expect(await dialog.textContent()).toMatch(/restore\s+it from the trash/);
    await shot('duplicates-confirm');
    // Nothing moves while the question is open.
    expect((await readdir(root)).sort()).toEqual(['dune-small.jpg', 'dune.jpg', 'meadow.jpg']);

    await dialog.getByRole('button', { name: 'Move to trash' }).click();
    await expect
      .poll(() => page.getByText(/Moved 1 file to the system trash/).count(), { timeout: 30_000 })
      .toBe(1);
    expect((await readdir(root)).sort()).toEqual(['dune.jpg', 'meadow.jpg']);
    // Restorable: the copy sits in the trash, not deleted.
    const copy = path.join(root, 'dune-small.jpg');
    const infos = await readdir(path.join(trashDir, 'info'));
    const trashed = [];
    for (const info of infos) {
      const text = await readFile(path.join(trashDir, 'info', info), 'utf8');
      if (text.includes(`Path=${encodeURI(copy)}`)) trashed.push(info.replace(/\.trashinfo$/, ''));
    }
    expect(trashed).toHaveLength(1);
    expect(await readdir(path.join(trashDir, 'files'))).toContain(trashed[0]);
    // A group left with one photo is no group.
    expect(await groups().count()).toBe(0);
    expect(await page.getByText('No near-duplicates at this similarity.').count()).toBe(1);
    // The copy left the library: the status bar counts two photos.
    await expect
      .poll(() => page.getByRole('contentinfo').textContent(), { timeout: 10_000 })
      .toContain('2 photos');
    await shot('duplicates-trashed');
    expect(pageErrors).toEqual([]);
  });
});
