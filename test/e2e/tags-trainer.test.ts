/**
 * @file End to end, teaching a tag in the Tags view: a folder of warm and cool shades among
 * real photos indexed on toy-clip-gap; "Teach a tag" opened, the tag named, one shade each
 * of red, orange and pink found by searching and marked as examples with the mouse and the
 * keyboard; "Learn" run on the real engine (tags:learn); the rest of the warm family then
 * starred as suggested in the trainer's grid, and few others. The real renderer in Debian's
 * Chromium, the real engine through `lantern serve`. Screenshot:
 * test-artifacts/e2e/tags-5-trainer.png.
 */
import { copyFile, mkdir, readdir } from 'node:fs/promises';
import path from 'node:path';
import type { ChildProcess } from 'node:child_process';
import type { Browser, Locator, Page } from 'playwright-core';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { ARTIFACTS, closeBrowserShell, openBrowserShell } from '../fixtures/browser-shell.js';
import { removeDir, tempDir } from '../fixtures/library.js';
import { TOY_COLOURS, type ColourWord } from '../toy-models/colours.js';

const WARM: ColourWord[] = ['red', 'orange', 'pink'];
const COOL: ColourWord[] = ['blue', 'green', 'purple'];
/** Shades of a colour: brightness scaled, so no two photos of a family are the same. */
const SHADES = [0.8, 0.9, 1.0, 1.08];
/** Real photos: what a learned tag must not sweep up. */
const REAL = '/usr/share/backgrounds/mate/nature';
const REAL_COUNT = 6;
const FILES = (WARM.length + COOL.length) * SHADES.length + REAL_COUNT;

const shadeName = (colour: ColourWord, scale: number) => `${colour}-${Math.round(scale * 100)}.jpg`;

async function writeShade(dir: string, colour: ColourWord, scale: number): Promise<void> {
  const [r, g, b] = TOY_COLOURS[colour].map((c) => Math.min(255, Math.round(c * scale)));
  await sharp({
    create: { width: 96, height: 64, channels: 3, background: { r: r!, g: g!, b: b! } },
  })
    .jpeg({ quality: 95 })
    .toFile(path.join(dir, shadeName(colour, scale)));
}

describe('teaching a tag in the Tags view, in the browser shell', () => {
  let root: string;
  let db: string;
  let server: ChildProcess;
  let browser: Browser;
  let page: Page;
  let pageErrors: string[] = [];

  beforeAll(async () => {
    [root, db] = await Promise.all([tempDir(), tempDir()]);
    await mkdir(ARTIFACTS, { recursive: true });
    for (const scale of SHADES)
      for (const colour of [...WARM, ...COOL]) await writeShade(root, colour, scale);
    for (const name of (await readdir(REAL)).filter((n) => n.endsWith('.jpg')).slice(0, REAL_COUNT))
      await copyFile(path.join(REAL, name), path.join(root, name));

    ({ server, browser, page, pageErrors } = await openBrowserShell(
      ['--db', db, '--models', inject('toyModelsDir'), '--model', 'toy-clip-gap'],
      { viewport: { width: 1280, height: 1000 } },
    ));
  }, 60_000);

  afterAll(async () => {
    await closeBrowserShell({ server, browser });
    await removeDir(root);
    await removeDir(db);
  });

  /**
   * What every tile of the trainer's grid reads out. The grid draws only the rows near the
   * screen: read at the top (Home) and at the end (End), as a person would scroll.
   */
  async function tileLabels(grid: Locator): Promise<string[]> {
    const labels = new Set<string>();
    const tiles = grid.locator('.tile');
    for (const key of ['Home', 'End']) {
      await tiles.first().focus();
      await page.keyboard.press(key);
      for (const label of await tiles.evaluateAll(
        (all: { getAttribute: (name: string) => string | null }[]) =>
          all.map((tile) => tile.getAttribute('aria-label') ?? ''),
      ))
        labels.add(label);
    }
    return [...labels];
  }

  it('learns a tag from three warm shades marked in the trainer and suggests the rest of the family', async () => {
    await page.getByLabel('Folder path').fill(root);
    await page.getByRole('button', { name: 'Add folder' }).click();
    await expect
      .poll(() => page.getByRole('region', { name: 'Progress' }).textContent(), {
        timeout: 90_000,
      })
      .toMatch(new RegExp(`finished — ${FILES} indexed`));

    await page
      .getByRole('navigation', { name: 'Views' })
      .getByRole('button', { name: 'Tags' })
      .click();
    await page.getByRole('button', { name: 'Teach a tag' }).click();
    const dialog = page.getByRole('dialog', { name: 'Teach a tag' });
    const grid = dialog.getByRole('list', { name: 'Photos to teach from' });
    const learn = dialog.getByRole('button', { name: 'Learn' });
    await dialog.getByRole('textbox', { name: 'Tag name' }).fill('Warm');
    expect(await learn.isDisabled()).toBe(true);

    // One example per colour, each found by its word: two by click, one by keyboard.
    const examples = WARM.map((colour) => shadeName(colour, 1.0));
    for (const [i, colour] of WARM.entries()) {
      const example = shadeName(colour, 1.0);
      await dialog.getByRole('searchbox', { name: 'Find photos' }).fill(colour);
      await dialog.getByRole('button', { name: 'Search' }).click();
      const tile = grid.getByRole('button', { name: example, exact: true });
      await expect.poll(() => tile.count(), { timeout: 20_000 }).toBe(1);
      if (i < 2) await tile.click();
      else {
        await tile.focus();
        await page.keyboard.press('e');
      }
      await expect
        .poll(() => grid.getByRole('button', { name: `${example}, example` }).count())
        .toBe(1);
    }
    expect(await dialog.getByText(/^3 examples, 0 counter-examples/).count()).toBe(1);

    expect(await learn.isDisabled()).toBe(false);
    await learn.click();
    const answer = dialog.getByText(/“Warm” suggested on \d+ photos?/);
    await expect.poll(() => answer.count(), { timeout: 60_000 }).toBe(1);
    const count = Number(/suggested on (\d+)/.exec((await answer.textContent()) ?? '')?.[1]);

    // The whole library in the grid: what is starred is what the tag now suggests.
    await dialog.getByRole('searchbox', { name: 'Find photos' }).fill('');
    await dialog.getByRole('button', { name: 'Search' }).click();
    let labels: string[] = [];
    await expect
      .poll(async () => (labels = await tileLabels(grid)).length, { timeout: 20_000 })
      .toBe(FILES);
    const starred = labels.filter((l) => l.endsWith(', suggested')).map((l) => l.split(',')[0]!);
    const family = WARM.flatMap((c) => SHADES.map((s) => shadeName(c, s))).filter(
      (name) => !examples.includes(name),
    );
    const found = family.filter((name) => starred.includes(name));
    const others = starred.filter((name) => !family.includes(name));
    console.log(
      `trainer learned/warm: ${found.length}/${family.length} of the family, ${others.length} others (${others.join(', ')}); answer says ${count}`,
    );
    expect(starred.length).toBe(count);
    for (const example of examples) expect(labels).toContain(`${example}, example`);
    // Measured: 7 of 9 (the two darkest reds missed) and no other; the CLI's learner on the
    // same shades among more real photos finds 6 of 9 with 1 other (cli-learn.test.ts), and
    // its margins are kept: one photo below that on recall, up to three others.
    expect(found.length).toBeGreaterThanOrEqual(5);
    expect(others.length).toBeLessThanOrEqual(3);

    await grid.locator('.tile').first().focus();
    await page.keyboard.press('Home');
    await page.screenshot({ path: path.join(ARTIFACTS, 'tags-5-trainer.png') });
    expect(pageErrors).toEqual([]);
  });
});
