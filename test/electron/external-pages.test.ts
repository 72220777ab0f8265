/**
 * @file What a page in the desktop app may open or navigate to (electron/main/security.ts
 * guardWebContents, electron/main/external-pages.ts): only allow-listed pages reach
 * `shell.openExternal`, and no navigation, redirect or frame navigation leaves app://.
 */
import { EventEmitter } from 'node:events';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import {
  externalPages,
  modelSourcePages,
  opensExternally,
} from '../../electron/main/external-pages.js';
import { guardWebContents } from '../../electron/main/security.js';

const manifestFile = path.resolve('resources/models.json');

async function manifestSources(): Promise<string[]> {
  const manifest = JSON.parse(await readFile(manifestFile, 'utf8')) as {
    models: { source?: string }[];
  };
  return manifest.models.flatMap((model) => (model.source ? [model.source] : []));
}

class FakeContents extends EventEmitter {
  openHandler: ((details: { url: string }) => { action: 'deny' }) | null = null;
  setWindowOpenHandler(handler: (details: { url: string }) => { action: 'deny' }) {
    this.openHandler = handler;
  }
}

function guarded(pages: string[]) {
  const contents = new FakeContents();
  const openExternal = vi.fn((_url: string) => Promise.resolve());
  guardWebContents(contents, opensExternally(pages), openExternal);
  const open = (url: string) => contents.openHandler?.({ url });
  /** Emits `event` as Electron does (details first, the deprecated url after); true when prevented. */
  const navigate = (event: string, url: string) => {
    const details = { url, isMainFrame: true, preventDefault: vi.fn() };
    contents.emit(event, details, url);
    return details.preventDefault.mock.calls.length > 0;
  };
  return { open, navigate, openExternal };
}

describe('the allow-list', () => {
  it("is the manifest's model source pages", async () => {
    const sources = await manifestSources();
    expect(sources.length).toBeGreaterThan(0);
    expect(modelSourcePages(manifestFile)).toEqual(sources);
    expect(externalPages(path.dirname(manifestFile))).toEqual(expect.arrayContaining(sources));
  });

  it('is empty when the manifest is missing or malformed, and skips non-https sources', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'lantern-pages-'));
    try {
      expect(modelSourcePages(path.join(dir, 'models.json'))).toEqual([]);
      await writeFile(path.join(dir, 'models.json'), '{ not json');
      expect(modelSourcePages(path.join(dir, 'models.json'))).toEqual([]);
      const manifest = JSON.parse(await readFile(manifestFile, 'utf8')) as {
        models: { source?: string }[];
      };
      manifest.models[0]!.source = 'http://huggingface.co/plain-http';
      await writeFile(path.join(dir, 'models.json'), JSON.stringify(manifest));
      expect(modelSourcePages(path.join(dir, 'models.json'))).not.toContain(
        'http://huggingface.co/plain-http',
      );
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('matches a page exactly (a #fragment aside), nothing near it', () => {
    const page = 'https://huggingface.co/Xenova/clip-vit-base-patch32/tree/abc';
    const allowed = opensExternally([page]);
    expect(allowed(page)).toBe(true);
    expect(allowed(`${page}#files`)).toBe(true);
    for (const url of [
      'https://huggingface.co/Xenova',
      `${page}/../../../evil`,
      `${page}/%2e%2e/%2e%2e/x`,
      `${page}?download=1`,
      'https://huggingface.co@evil.example/Xenova/clip-vit-base-patch32/tree/abc',
      `https://user@huggingface.co/Xenova/clip-vit-base-patch32/tree/abc`,
      'http://huggingface.co/Xenova/clip-vit-base-patch32/tree/abc',
      'https://evil.example/',
      'not a url',
    ])
      expect(allowed(url), url).toBe(false);
  });
});

describe('window.open', () => {
  it('denies an arbitrary https URL and never passes it to openExternal', () => {
    const { open, openExternal } = guarded(['https://huggingface.co/Xenova/model']);
    for (const url of [
      'https://evil.example/phish',
      'https://huggingface.co/somebody-else',
      'http://example.com',
      'file:///etc/passwd',
      'javascript:alert(1)',
      'ms-settings:',
    ])
      expect(open(url), url).toEqual({ action: 'deny' });
    expect(openExternal).not.toHaveBeenCalled();
  });

  it("opens an allow-listed model page in the person's browser, still denying the window", async () => {
    const [source] = await manifestSources();
    const { open, openExternal } = guarded(externalPages(path.dirname(manifestFile)));
    expect(open(source!)).toEqual({ action: 'deny' });
    expect(openExternal.mock.calls).toEqual([[source]]);
  });
});

describe('navigation', () => {
  it.each(['will-navigate', 'will-redirect', 'will-frame-navigate'])(
    '%s to another origin is prevented; within app://lantern it is not',
    (event) => {
      const { navigate } = guarded([]);
      for (const url of [
        'https://evil.example/',
        'http://127.0.0.1:8080/',
        'file:///etc/passwd',
        'media://local/%2Fa.jpg',
        'app://other/index.html',
        'about:blank',
        'data:text/html,hi',
      ])
        expect(navigate(event, url), url).toBe(true);
      expect(navigate(event, 'app://lantern/index.html#/search')).toBe(false);
    },
  );
});
