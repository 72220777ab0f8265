/**
 * @file The app's persisted settings (engine service): execution provider, indexing
 * options, theme and extra model folders, in `<library>/settings.json`. The model itself
 * is library state (vectors depend on it) and lives with the library.
 */
import path from 'node:path';
import { z } from 'zod';
import { SettingsSchema } from '../../shared/contract.js';
import { keepDamagedCopy, readJsonFile, writeFileAtomic } from '../settings-file.js';

export const StoredSettingsSchema = SettingsSchema.omit({ model: true }).extend({
  modelFolders: z.array(z.string()).default([]),
});
export type StoredSettings = z.infer<typeof StoredSettingsSchema>;

export const DEFAULT_SETTINGS: StoredSettings = {
  provider: 'auto',
  thumbnailSize: 256,
  maxMegapixels: 100,
  theme: 'system',
  writeXmp: false,
  watch: true,
  watchPollSeconds: 30,
  modelFolders: [],
};

/**
 * Read settings.json. Missing fields (an older file) take their defaults. A damaged file is
 * never reset silently ([Note: settings files]): its bytes are kept as
 * settings.json.broken-<time>, each field that is still valid is kept, and `warn` is told.
 */
export async function readStoredSettings(
  dbDir: string,
  warn: (sentence: string) => void = (sentence) => console.warn(sentence),
): Promise<StoredSettings> {
  const file = path.join(dbDir, 'settings.json');
  const content = await readJsonFile(file);
  if (content.state === 'missing') return { ...DEFAULT_SETTINGS };
  const raw = content.state === 'parsed' ? content.value : undefined;
  const fields = typeof raw === 'object' && raw !== null ? (raw as Record<string, unknown>) : {};
  const whole = StoredSettingsSchema.safeParse({ ...DEFAULT_SETTINGS, ...fields });
  if (content.state === 'parsed' && whole.success) return whole.data;
  // Keep field by field what still passes the schema.
  let settings: StoredSettings = { ...DEFAULT_SETTINGS };
  for (const [key, value] of Object.entries(fields)) {
    const next = StoredSettingsSchema.safeParse({ ...settings, [key]: value });
    if (next.success) settings = next.data;
  }
  const copy = await keepDamagedCopy(file, content.bytes);
  warn(
    `${file} was damaged; it was kept as ${copy}, and the settings it held that could not be read are back to their defaults. Check them in Settings.`,
  );
  return settings;
}

/** Replace settings.json atomically (see [Note: settings files]). */
export async function writeStoredSettings(dbDir: string, settings: StoredSettings): Promise<void> {
  await writeFileAtomic(
    path.join(dbDir, 'settings.json'),
    `${JSON.stringify(settings, null, 2)}\n`,
  );
}
