/**
 * @file Reading `<db>/library.json` (engine, plain Node): the library's folders and model.
 * Never reset silently: a damaged file is kept and its folders rebuilt from the store's
 * rows ([Note: settings files] in settings-file.ts). Library writes it (saveSettings).
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import type { LibraryStore } from '../../native/store/index.js';
import { keepDamagedCopy, readJsonFile } from './settings-file.js';

/** What library.json holds; fields this version does not know are carried through. */
export interface LibrarySettingsFile {
  roots: string[];
  model: string | null;
}

export interface LoadedLibrarySettings {
  settings: LibrarySettingsFile;
  /** Why the roots must be rebuilt from the store's rows, if they must. */
  rebuild: 'missing' | 'damaged' | null;
  /** The sentence saying so. */
  warning: string | null;
}

/**
 * Read library.json; never reset it silently ([Note: settings files]). A damaged file is
 * kept as library.json.broken-<time> (by writers; a reader only warns), its valid fields
 * are kept, and the folder list is rebuilt from the store. A missing file next to an
 * existing store is rebuilt the same way.
 */
export async function readLibrarySettings(
  dbDir: string,
  access: 'write' | 'read',
): Promise<LoadedLibrarySettings> {
  const file = path.join(dbDir, 'library.json');
  const content = await readJsonFile(file);
  if (content.state === 'missing') {
    const hasStore = existsSync(path.join(dbDir, 'store'));
    return {
      settings: { roots: [], model: null },
      rebuild: hasStore ? 'missing' : null,
      warning: `${file} was missing; its list of folders was rebuilt from the index. Check the folders, and add back any that have no files indexed yet.`,
    };
  }
  const raw = content.state === 'parsed' ? content.value : undefined;
  const fields = typeof raw === 'object' && raw !== null ? (raw as Record<string, unknown>) : {};
  const roots = Array.isArray(fields.roots)
    ? fields.roots.filter((root): root is string => typeof root === 'string')
    : null;
  const model = typeof fields.model === 'string' ? fields.model : null;
  const intact =
    content.state === 'parsed' &&
    roots !== null &&
    roots.length === (fields.roots as unknown[]).length &&
    (fields.model === null || fields.model === undefined || model !== null);
  if (intact) return { settings: { ...fields, roots, model }, rebuild: null, warning: null };
  const kept =
    access === 'write' ? `it was kept as ${await keepDamagedCopy(file, content.bytes)} and ` : '';
  return {
    settings: { ...fields, roots: roots ?? [], model },
    rebuild: 'damaged',
    warning: `${file} was damaged; ${kept}its list of folders was rebuilt from the index. Check the folders, and add back any that have no files indexed yet.`,
  };
}

/** The roots the store's rows were indexed under, plus those already known. */
export async function rootsFromStore(
  store: LibraryStore,
  known: readonly string[],
): Promise<string[]> {
  const found = new Set<string>();
  for (const row of await store.listMedia()) found.add(row.root);
  for (const failure of await store.listFailures()) found.add(failure.root);
  return [...known, ...[...found].filter((root) => !known.includes(root)).sort()];
}
