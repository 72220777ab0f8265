/**
 * @file A tagging job that the app's end interrupted resumes where it stopped (engine).
 *
 * [Note: resumable tagging]
 * The job decides files in media-id order and, after each batch it has written, records
 * in `<library>/tag-run.json` which folder it tags and the last id it finished. A run
 * that ends (done, failed or cancelled by the person) removes the file; one that the
 * process's end cut short leaves it, and the next start of the service queues the job
 * again from the id after it. Ids, not positions: files indexed or removed meanwhile do
 * not shift what was done (new files are tagged as they are indexed anyway). Redoing a
 * batch is harmless: suggestions are upserts and the person's decisions are never
 * overwritten ([Note: what a suggestion may change] in native/store/tags.ts).
 */
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { readJsonFile, writeFileAtomic } from '../settings-file.js';

export const TAG_RUN_FILE = 'tag-run.json';

const TagRunSchema = z.strictObject({
  version: z.literal(1),
  /** The folder the job tags; null for the whole library. */
  root: z.string().nullable(),
  /** The last media id whose batch was written; null before the first. */
  after: z.string().nullable(),
});
export type TagRunMarker = z.infer<typeof TagRunSchema>;

/** The interrupted run to resume, or null (none, or a file that does not read). */
export async function readTagRun(dbDir: string): Promise<TagRunMarker | null> {
  const content = await readJsonFile(path.join(dbDir, TAG_RUN_FILE)).catch(() => null);
  if (content?.state !== 'parsed') return null;
  const parsed = TagRunSchema.safeParse(content.value);
  return parsed.success ? parsed.data : null;
}

export async function saveTagRun(dbDir: string, marker: Omit<TagRunMarker, 'version'>) {
  await writeFileAtomic(
    path.join(dbDir, TAG_RUN_FILE),
    `${JSON.stringify({ version: 1, ...marker })}\n`,
  );
}

export async function clearTagRun(dbDir: string): Promise<void> {
  await rm(path.join(dbDir, TAG_RUN_FILE), { force: true });
}
