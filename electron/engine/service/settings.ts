/**
 * @file The app's persisted settings (engine service): execution provider, indexing
 * options, theme and extra model folders, in `<library>/settings.json`. The model itself
 * is library state (vectors depend on it) and lives with the library.
 */
import { readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { SettingsSchema } from '../../shared/contract.js';

export const StoredSettingsSchema = SettingsSchema.omit({ model: true }).extend({
  modelFolders: z.array(z.string()).default([]),
});
export type StoredSettings = z.infer<typeof StoredSettingsSchema>;

export const DEFAULT_SETTINGS: StoredSettings = {
  provider: 'auto',
  thumbnailSize: 256,
  maxMegapixels: 100,
  theme: 'system',
  modelFolders: [],
};

export async function readStoredSettings(dbDir: string): Promise<StoredSettings> {
  try {
    const raw: unknown = JSON.parse(await readFile(path.join(dbDir, 'settings.json'), 'utf8'));
    // Missing fields (an older file) take their defaults; a damaged file, all defaults.
    const parsed = StoredSettingsSchema.safeParse({ ...DEFAULT_SETTINGS, ...(raw as object) });
    return parsed.success ? parsed.data : { ...DEFAULT_SETTINGS };
  } catch {
    return { ...DEFAULT_SETTINGS };
  }
}

export async function writeStoredSettings(dbDir: string, settings: StoredSettings): Promise<void> {
  const file = path.join(dbDir, 'settings.json');
  await writeFile(`${file}.tmp`, `${JSON.stringify(settings, null, 2)}\n`);
  await rename(`${file}.tmp`, file);
}
