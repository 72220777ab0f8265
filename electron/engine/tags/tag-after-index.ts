/**
 * @file An index run followed by tagging, once a library tags at index time (engine): the
 * one way `lantern index`, the app's index job and the watcher's batches tag what they
 * indexed (docs/tagging.md).
 *
 * [Note: an index run tags the contents it brought in]
 * Each of them used to follow its run with a tagging run over every file under the run's
 * folders: `lantern index` of an unchanged folder of 10 000 photos re-decided all 10 000
 * (each file's vector read, scored against the vocabulary, its suggestions replaced, a
 * LanceDB version per batch of files), and so did each watched change, one photo saved
 * into a folder or one deleted. Tags hang on a file's content (its hash: [Note: tags follow
 * the file's content, not its path or model] in native/store/tags.ts), and a vocabulary
 * edit or a threshold decides its tags across the library itself, so a run now decides
 * only the contents the library did not hold before it, and prepares no tagger at all when
 * there are none.
 * Two cases still decide every file. A run that completed a change of model: the old
 * model's decisions are not the new one's. And a run after one that stopped between its
 * indexing and its tagging (cancelled, or the process ended): `<library>/index-tagging`
 * is written before each run and removed once its tagging is done, so the next run finds
 * it and decides the whole library, whatever folders either run covered. (The watcher used
 * to decide every file under its roots at each start for the same reason; the marker makes
 * that unnecessary.)
 */
import { rm, stat } from 'node:fs/promises';
import path from 'node:path';
import type { IndexReport } from '../../shared/types.js';
import type { Library } from '../library.js';
import { writeFileAtomic } from '../settings-file.js';
import { libraryVocabulary } from './library-vocabulary.js';
import type { TagRunResult } from './tag-folders.js';

export const INDEX_TAGGING_FILE = 'index-tagging';

export interface IndexedAndTagged {
  report: IndexReport;
  /** The tagging that followed; null when the library does not tag at index time or the run stopped. */
  tagged: TagRunResult | null;
}

/** Run `index` (an index run over `folders`), then tag what it brought in. */
export async function indexThenTag(
  library: Library,
  folders: readonly string[],
  index: () => Promise<IndexReport>,
  signal?: AbortSignal,
): Promise<IndexedAndTagged> {
  if (!library.taggingOn) return { report: await index(), tagged: null };
  const marker = path.join(library.dbDir, INDEX_TAGGING_FILE);
  const everything = await stat(marker).then(
    () => true,
    () => false,
  );
  const decidedHashes = everything ? null : await library.store.listHashes();
  const servingBefore = library.encoder.id;
  await writeFileAtomic(marker, `${new Date().toISOString()}\n`);
  const report = await index();
  // The marker stays: the next run decides the whole library.
  if (report.cancelled || signal?.aborted) return { report, tagged: null };
  const sameModel = library.encoder.id === servingBefore;
  // Loaded here: a library that does not tag at index time never evaluates the tagger.
  const { tagFolders } = await import('./tag-folders.js');
  const tagged = await tagFolders(
    library,
    await libraryVocabulary(library.dbDir),
    everything ? null : folders,
    {
      ...(signal ? { signal } : {}),
      requireFiles: false,
      ...(decidedHashes && sameModel ? { decidedHashes } : {}),
    },
  );
  await rm(marker, { force: true });
  return { report, tagged };
}
