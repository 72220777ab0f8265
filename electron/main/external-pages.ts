/**
 * @file The web pages the desktop app may open in the person's browser (main process):
 * each model's source page from the bundled manifest (`resources/models.json`) and the
 * project's documentation. Everything else a page asks to open is dropped
 * (security.ts, guardWebContents): `shell.openExternal` hands a URL to the OS, which
 * would as readily run a registered URL handler as show a web page.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { ManifestSchema } from '../engine/models/manifest.js';

/**
 * The project's documentation pages. Empty while the project has no published docs site:
 * its docs are the Markdown files it ships. Add the site's pages here when there is one.
 */
export const PROJECT_DOCS_PAGES: readonly string[] = [];

/**
 * The https source pages the manifest at `manifestFile` names; none when it cannot be
 * read or parsed (then no model page opens, which is the safe failure).
 */
export function modelSourcePages(manifestFile: string): string[] {
  try {
    const parsed = ManifestSchema.safeParse(JSON.parse(readFileSync(manifestFile, 'utf8')));
    if (!parsed.success) return [];
    return parsed.data.models.flatMap((model) =>
      'source' in model && typeof model.source === 'string' && isPlainHttps(model.source)
        ? [model.source]
        : [],
    );
  } catch {
    return [];
  }
}

/** The allow-list of the app laid out under `resourcesDir`. */
export function externalPages(resourcesDir: string): string[] {
  return [...modelSourcePages(path.join(resourcesDir, 'models.json')), ...PROJECT_DOCS_PAGES];
}

/**
 * Whether a URL may be opened externally: exactly one of `pages` (a #fragment aside).
 * Exact, not "under": a prefix rule would let `…/tree/<commit>/..%2F..` or a look-alike
 * path through, and the app links to these pages only.
 */
export function opensExternally(pages: readonly string[]): (url: string) => boolean {
  const allowed = new Set(pages.flatMap((page) => withoutFragment(page) ?? []));
  return (url) => {
    const target = isPlainHttps(url) ? withoutFragment(url) : null;
    return target !== null && allowed.has(target);
  };
}

/** https, with a host and no user name or password (`https://trusted@evil.example`). */
function isPlainHttps(url: string): boolean {
  try {
    const parsed = new URL(url);
    return (
      parsed.protocol === 'https:' &&
      parsed.hostname !== '' &&
      parsed.username === '' &&
      parsed.password === ''
    );
  } catch {
    return false;
  }
}

/** The URL in its normal form (the WHATWG parser's), without its #fragment. */
function withoutFragment(url: string): string | null {
  try {
    const parsed = new URL(url);
    parsed.hash = '';
    return parsed.href;
  } catch {
    return null;
  }
}
