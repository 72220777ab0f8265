/**
 * @file End to end, the Tags view as a person uses it: a folder of coloured photos among
 * real ones indexed on toy-clip-gap, "Tag library" run to the end through the jobs panel,
 * the vocabulary with its counts, the blue photo waiting in Blue's review queue, accepted
 * with `a`, and found under Accepted; then Blue's threshold slider, its count read from the
 * engine's tags:preview and moved with the keyboard. The real renderer in Debian's Chromium, the real
 * engine through `lantern serve`. Screenshots go to test-artifacts/e2e/tags-*.png.
 */
import { copyFile, mkdir, readdir } from 'node:fs/promises';
import path from 'node:path';
import type { ChildProcess } from 'node:child_process';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { ARTIFACTS, closeBrowserShell, openBrowserShell } from '../fixtures/browser-shell.js';
import { removeDir, tempDir } from '../fixtures/library.js';
import { writePhoto } from '../fixtures/photos.js';

const COLOURS = ['red', 'green', 'blue', 'yellow', 'purple'] as const;
/** Real photos: the background each tag is calibrated against. */
const REAL = '/usr/share/backgrounds/mate/nature';
const REAL_COUNT = 6;

describe('the Tags view, in the browser shell', () => {
  let root: string;
  let db: string;
  let server: ChildProcess;
  let browser: Browser;
  let page: Page;
  let pageErrors: string[] = [];

  beforeAll(async () => {
    [root, db] = await Promise.all([tempDir(), tempDir()]);
    await mkdir(ARTIFACTS, { recursive: true });
    for (const colour of COLOURS)
      await writePhoto(root, { colour, name: `solid-${colour}.jpg`, width: 320, height: 240 });
    for (const name of (await readdir(REAL)).filter((n) => n.endsWith('.jpg')).slice(0, REAL_COUNT))
      await copyFile(path.join(REAL, name), path.join(root, name));

    ({ server, browser, page, pageErrors } = await openBrowserShell(
      ['--db', db, '--models', inject('toyModelsDir'), '--model', 'toy-clip-gap'],
      { viewport: { width: 1280, height: 860 } },
    ));
  }, 60_000);

  afterAll(async () => {
    await closeBrowserShell({ server, browser });
    await removeDir(root);
    await removeDir(db);
  });

  const shot = (name: string) =>
    page.screenshot({ path: path.join(ARTIFACTS, `tags-${name}.png`) });
  const progress = () => page.getByRole('region', { name: 'Progress' });

  it('indexes the folder, then tags the library from the Tags view', async () => {
    await page.getByLabel('Folder path').fill(root);
    await page.getByRole('button', { name: 'Add folder' }).click();
    await expect
      .poll(() => progress().textContent(), { timeout: 60_000 })
      .toMatch(new RegExp(`finished — ${COLOURS.length + REAL_COUNT} indexed`));

    await page
      .getByRole('navigation', { name: 'Views' })
      .getByRole('button', { name: 'Tags' })
      .click();
    await expect.poll(() => page.getByText('Tag your library to get suggestions.').count()).toBe(1);

    const run = page.getByRole('button', { name: 'Tag library' });
    await run.click();
    await expect
      .poll(() => progress().textContent(), { timeout: 120_000 })
      .toMatch(new RegExp(`Tagging .*finished — ${COLOURS.length + REAL_COUNT} files looked at`));
    expect(await run.isDisabled()).toBe(false);
    await expect.poll(() => page.getByText('Tag your library to get suggestions.').count()).toBe(0);

    const vocabulary = page.getByRole('navigation', { name: 'Tags' });
    const blue = vocabulary.getByRole('button', { name: /^Blue: 0 accepted, [1-9]\d* suggested$/ });
    await expect.poll(() => blue.count(), { timeout: 10_000 }).toBe(1);
    await shot('1-vocabulary');
  });

  it('shows the blue photo in Blue’s queue and accepts it with the keyboard', async () => {
    const vocabulary = page.getByRole('navigation', { name: 'Tags' });
    await vocabulary.getByRole('button', { name: /^Blue:/ }).click();
    const queue = page.getByRole('listbox', { name: 'Suggested photos for Blue' });
    const photo = queue.getByRole('option', { name: 'solid-blue.jpg' });
    await expect.poll(() => photo.count(), { timeout: 10_000 }).toBe(1);
    await photo.focus();
    await shot('2-review');

    await page.keyboard.press('a');
    await expect.poll(() => photo.count(), { timeout: 10_000 }).toBe(0);
    // The count follows the engine's answer, which writes the XMP sidecar first.
    await expect
      .poll(() => vocabulary.getByRole('button', { name: /^Blue: 1 accepted/ }).count(), {
        timeout: 10_000,
      })
      .toBe(1);

    await page.getByRole('tab', { name: /Accepted/ }).click();
    const accepted = page.getByRole('listbox', { name: 'Accepted photos for Blue' });
    await expect
      .poll(() => accepted.getByRole('option', { name: 'solid-blue.jpg' }).count(), {
        timeout: 10_000,
      })
      .toBe(1);
    await shot('3-accepted');
    expect(pageErrors).toEqual([]);
  });

  it('opens Blue’s threshold slider: the engine’s count, and a stricter one with the keyboard', async () => {
    await page.getByRole('button', { name: 'Threshold', exact: true }).click();
    const slider = page.getByRole('slider', { name: 'Threshold offset' });
    await expect.poll(() => slider.count(), { timeout: 10_000 }).toBe(1);
    const files = COLOURS.length + REAL_COUNT;
    const count = page.getByRole('status').filter({ hasText: /^\s*Would tag/ });
    const exact = new RegExp(`^\\s*Would tag (\\d+) of ${files} photos\\s*$`);
    // Never waits: the count as shown now, else what the view says went wrong.
    const countNow = async () =>
      (await count.allTextContents())[0] ??
      (await page.getByRole('alert').allTextContents()).join(' ');
    await expect.poll(countNow, { timeout: 30_000 }).toMatch(exact);
    const atCalibrated = Number(exact.exec(await countNow())?.[1]);
    // Blue's own photo is among what Blue tags.
    expect(atCalibrated).toBeGreaterThanOrEqual(1);
    expect(await slider.getAttribute('aria-valuetext')).toBe('calibrated');

    await slider.focus();
    await page.keyboard.press('End');
    expect(await slider.getAttribute('aria-valuetext')).toBe('+0.200 over calibrated, stricter');
    await expect.poll(countNow, { timeout: 30_000 }).toMatch(exact);
    const strictest = Number(exact.exec(await countNow())?.[1]);
    expect(strictest).toBeLessThanOrEqual(atCalibrated);
    await page.keyboard.press('Home');
    await expect.poll(countNow, { timeout: 30_000 }).toMatch(exact);
    const loosest = Number(exact.exec(await countNow())?.[1]);
    expect(loosest).toBeGreaterThanOrEqual(atCalibrated);
    await page.keyboard.press('End');
    await page.getByRole('button', { name: 'Reset to calibrated' }).click();
    await expect
      .poll(countNow, { timeout: 30_000 })
      .toMatch(new RegExp(`^\\s*Would tag ${atCalibrated} of ${files} photos\\s*$`));
    await shot('4-threshold');
    expect(pageErrors).toEqual([]);
  });
});
