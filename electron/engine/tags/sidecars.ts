/**
 * @file Accepted tags written to XMP sidecars (engine side of native/xmp, docs/xmp.md):
 * each file's accepted tags as dc:subject (the name) and lr:hierarchicalSubject
 * (`Category|Name`), merged by ExifTool into any sidecar already there. Only what
 * Lantern wrote is ever replaced, so a tag rejected after it was written leaves the
 * sidecar, while keywords typed in other tools stay. Originals are never touched.
 *
 * Keyword tags (`keywords/…`) are not written: they were read from the photo or its
 * sidecar and are there already. Learned tags (`learned/…`) are written under the name the
 * person gave them, in the category 'Learned'. Hidden tags are not written (tagsOfFiles
 * leaves them out), so hiding a tag takes it out of sidecars on their next write.
 */
import { endExiftool } from '../../../native/xmp/exiftool.js';
import { existsSync } from 'node:fs';
import { whereIn, type LibraryStore, type StoredMedia } from '../../../native/store/index.js';
import { sidecarCandidates, writeTagSidecar } from '../../../native/xmp/sidecar.js';
import { isCancelled } from '../../shared/errors.js';
import { tagsOfFiles, type FileTag, type FileTags } from './library-tags.js';
import { learnedTagNames } from './learned-tags.js';
import type { Vocabulary } from './vocabulary.js';

export interface SidecarReport {
  written: string[];
  unchanged: number;
  failed: { path: string; error: string }[];
}

/** What of a file's tags goes into its sidecar, as (name, `Category|Name`). */
function sidecarEntries(tags: readonly FileTag[], learnedNames: ReadonlyMap<string, string>) {
  return tags
    .filter((tag) => tag.state === 'accepted' && !tag.tag.startsWith('keywords/'))
    .map((tag) => {
      const learned = learnedNames.get(tag.tag);
      if (learned !== undefined) return { name: learned, category: 'Learned' };
      if (tag.tag.startsWith('learned/'))
        return { name: tag.tag.slice('learned/'.length), category: 'Learned' };
      return { name: tag.name, category: tag.category };
    });
}

/** Write every file's accepted tags to its sidecar; a failure is recorded, never the end. */
export async function writeAcceptedTags(
  files: readonly FileTags[],
  learnedNames: ReadonlyMap<string, string> = new Map(),
): Promise<SidecarReport> {
  const report: SidecarReport = { written: [], unchanged: 0, failed: [] };
  for (const file of files) {
    const accepted = sidecarEntries(file.tags, learnedNames);
    // Nothing to say and no sidecar to take an earlier tag out of: create nothing.
    const { full, short } = sidecarCandidates(file.path);
    if (accepted.length === 0 && !existsSync(full) && !existsSync(short)) continue;
    try {
      const result = await writeTagSidecar(file.path, {
        subjects: accepted.map((tag) => tag.name),
        hierarchical: accepted.map((tag) =>
          tag.category ? `${tag.category}|${tag.name}` : tag.name,
        ),
      });
      if (result.changed) report.written.push(result.sidecar);
      else report.unchanged += 1;
    } catch (error) {
      if (isCancelled(error)) throw error;
      report.failed.push({
        path: file.path,
        error: error instanceof Error ? error.message : String(error),
      });
    }
  }
  return report;
}

/** Files per sidecar batch: progress and cancel are checked between batches. */
const FILES_PER_BATCH = 50;
/** Hashes per `IN (…)` list when finding the files that carry accepted tags. */
const HASHES_PER_QUERY = 500;

/** Every media row (each copy) of these contents, by path. */
async function mediaOfHashes(
  store: LibraryStore,
  hashes: readonly string[],
): Promise<StoredMedia[]> {
  const all = [...new Set(hashes)];
  const media: StoredMedia[] = [];
  for (let i = 0; i < all.length; i += HASHES_PER_QUERY)
    media.push(
      ...(await store.listMedia({ where: whereIn('hash', all.slice(i, i + HASHES_PER_QUERY)) })),
    );
  return media.sort((a, b) => a.path.localeCompare(b.path));
}

/** Every file (each copy of a content) that carries an accepted tag a sidecar would hold. */
async function filesWithAcceptedTags(store: LibraryStore): Promise<StoredMedia[]> {
  const tags = [...(await store.tags.countByTag('accepted')).keys()].filter(
    (tag) => !tag.startsWith('keywords/'),
  );
  const hashes = new Set<string>();
  for (const tag of tags)
    for (const hash of await store.tags.filesWithTag(tag, ['accepted'])) hashes.add(hash);
  return mediaOfHashes(store, [...hashes]);
}

/**
 * The sidecars of every copy of these contents (files just decided on: identical copies
 * share their tags, so each copy's sidecar says the same).
 */
export async function writeContentSidecars(
  store: LibraryStore,
  vocabulary: Vocabulary,
  dbDir: string,
  hashes: readonly string[],
): Promise<SidecarReport> {
  const media = await mediaOfHashes(store, hashes);
  return writeAcceptedTags(
    await tagsOfFiles(store, vocabulary, media),
    await learnedTagNames(dbDir),
  );
}

export interface LibrarySidecarReport extends SidecarReport {
  files: number;
  cancelled: boolean;
}

/**
 * Write the sidecar of every file with accepted tags (the person turned writeXmp on),
 * in batches: `beforeBatch` may wait (a paused job), an aborted `signal` stops between
 * batches with what was written so far. A sidecar that cannot be written is in `failed`.
 */
export async function writeLibrarySidecars(
  store: LibraryStore,
  vocabulary: Vocabulary,
  dbDir: string,
  options: {
    signal?: AbortSignal;
    beforeBatch?: () => Promise<void>;
    onProgress?: (done: number, total: number) => void;
  } = {},
): Promise<LibrarySidecarReport> {
  const media = await filesWithAcceptedTags(store);
  const names = await learnedTagNames(dbDir);
  const report: LibrarySidecarReport = {
    written: [],
    unchanged: 0,
    failed: [],
    files: media.length,
    cancelled: false,
  };
  options.onProgress?.(0, media.length);
  try {
    for (let i = 0; i < media.length; i += FILES_PER_BATCH) {
      await options.beforeBatch?.();
      if (options.signal?.aborted) {
        report.cancelled = true;
        break;
      }
      const batch = media.slice(i, i + FILES_PER_BATCH);
      const part = await writeAcceptedTags(await tagsOfFiles(store, vocabulary, batch), names);
      report.written.push(...part.written);
      report.unchanged += part.unchanged;
      report.failed.push(...part.failed);
      options.onProgress?.(Math.min(media.length, i + batch.length), media.length);
    }
  } catch (error) {
    // A pause gate woken by a cancel: what was written stays written.
    if (!isCancelled(error)) throw error;
    report.cancelled = true;
  } finally {
    await endExiftool();
  }
  return report;
}

/** Stop the ExifTool process the writes started, so the process can exit. */
export function closeSidecarWriter(): Promise<void> {
  return endExiftool();
}
