/**
 * @file End to end, the model picker as a new user meets it: the bundled catalog (OpenAI
 * CLIP, SigLIP, multilingual SigLIP) plus a toy model already installed and timed on this
 * machine, each card saying its languages, quality, speed on this computer, download size
 * and licence. The real renderer in Debian's Chromium, the real engine through
 * `lantern serve`. Screenshot: test-artifacts/e2e/model-picker.png.
 */
import { copyFile, mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { ChildProcess } from 'node:child_process';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { ModelRegistry } from '../../electron/engine/models/registry.js';
import { measureModelSpeed } from '../../electron/engine/models/model-speed.js';
import { ARTIFACTS, openBrowserShell } from '../fixtures/browser-shell.js';
import { removeDir, tempDir } from '../fixtures/library.js';

const TOY = 'toy-clip-gap';

interface CatalogModel {
  id: string;
  name: string;
  hidden?: boolean;
  files: Record<string, { path: string; size: number; sha256: string; url?: string }>;
}

describe('the model picker, in the browser shell', () => {
  let db: string;
  let models: string;
  let catalogDir: string;
  let serve: ChildProcess;
  let browser: Browser;
  let page: Page;
  let pageErrors: string[] = [];

  beforeAll(async () => {
    [db, models, catalogDir] = await Promise.all([tempDir(), tempDir(), tempDir()]);
    await mkdir(ARTIFACTS, { recursive: true });
    // The bundled catalog, and after it (so it is not the default) the toy model listed as
    // a catalog model whose files are already in the models folder.
    const toys = inject('toyModelsDir');
    const bundled = JSON.parse(await readFile('resources/models.json', 'utf8')) as {
      version: number;
      models: unknown[];
    };
    const manifest = JSON.parse(await readFile(path.join(toys, 'models.json'), 'utf8')) as {
      models: CatalogModel[];
    };
    const toy = manifest.models.find((m) => m.id === TOY);
    if (!toy) throw new Error(`${TOY} is not among the toy models`);
    await mkdir(path.join(models, TOY));
    const files: CatalogModel['files'] = {};
    for (const [role, file] of Object.entries(toy.files)) {
      const name = path.basename(file.path);
      await copyFile(path.join(toys, file.path), path.join(models, TOY, name));
      files[role] = { ...file, path: name, url: `https://mirror.example/${name}` };
    }
    const catalog = path.join(catalogDir, 'catalog.json');
    await writeFile(
      catalog,
      JSON.stringify({
        version: bundled.version,
        models: [...bundled.models, { ...toy, name: 'Toy CLIP', hidden: false, files }],
      }),
    );
    // Timed once, as a finished download does.
    const registry = await ModelRegistry.load({ modelsDir: models, catalogPath: catalog });
    await measureModelSpeed(await registry.resolveClip(TOY), { provider: 'cpu' });

    ({
      server: serve,
      browser,
      page,
      pageErrors,
    } = await openBrowserShell(['--db', db, '--models', models], {
      env: { LANTERN_CATALOG: catalog },
      viewport: { width: 1280, height: 1400 },
    }));
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    serve?.kill('SIGTERM');
    await Promise.all([removeDir(db), removeDir(models), removeDir(catalogDir)]);
  });

  const card = (name: string) =>
    page.getByRole('list', { name: 'Models' }).getByRole('listitem', { name, exact: true });

  it('says each model’s languages, speed on this computer, download and licence', async () => {
    const toy = card('Toy CLIP');
    await expect
      .poll(() => toy.textContent(), { timeout: 20_000 })
      .toMatch(/Speed on this computer\s*[\d.]+ images\/s, a search [\d.]+ ms \(cpu\)/);
    expect(await toy.textContent()).toContain('Installed');

    const multilingual = await card('SigLIP ViT-B/16 multilingual').textContent();
    expect(multilingual).toContain('Many languages: en, de, fr, es, it, …');
    expect(multilingual).toContain('about 1.5 GB');
    expect(multilingual).toContain('Apache-2.0');
    expect(multilingual).toContain('— measured after download');

    const siglip = await card('SigLIP ViT-B/16').textContent();
    expect(siglip).toMatch(/Languages\s*English/);
    expect(siglip).toContain('No published checksum');

    const b32 = await card('CLIP ViT-B/32').textContent();
    expect(b32).toContain('606 MB');
    expect(b32).toContain('MIT');

    await page.screenshot({ path: path.join(ARTIFACTS, 'model-picker.png'), fullPage: true });
    expect(pageErrors).toEqual([]);
  });
});
