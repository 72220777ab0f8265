/**
 * @file One tagging run over a library's files (or those under some folders), shared by
 * the tags:run job, `lantern tag` and indexing once tagging is on: the tagger prepared
 * with the vocabulary, every file decided, and the library marked as tagging from then on,
 * so files indexed later are tagged as they arrive (docs/tagging.md).
 */
import { isAtOrInsideFolder } from '../library-folders.js';
import type { Library } from '../library.js';
import { LanternError } from '../../shared/errors.js';
import { applyLearnedTags } from './learned-tags.js';
import { tagOffsets } from './library-vocabulary.js';
import { Tagger, type TagRunOptions } from './tagger.js';
import type { Vocabulary } from './vocabulary.js';

export interface TagRunResult {
  /** Files the run decided. */
  files: number;
  /** Files that got at least one suggestion. */
  suggested: number;
}

/** Tag the indexed files under `folders` (every file when none are given). */
export async function tagFolders(
  library: Library,
  vocabulary: Vocabulary,
  folders: readonly string[] | null,
  options: TagRunOptions & {
    requireFiles?: boolean;
    /** Turn tagging at index time on (default); a run with a one-off vocabulary does not. */
    turnOn?: boolean;
    /** Only files with a media id after this one: an interrupted run resuming. */
    resumeAfter?: string | null;
    /**
     * Contents already decided: files with one of these hashes are left as they are (their
     * tags hang on the content). An index run passes the hashes the library held before it
     * ([Note: an index run tags the contents it brought in] in tag-after-index.ts).
     */
    decidedHashes?: ReadonlySet<string>;
  } = {},
): Promise<TagRunResult> {
  // In id order, so a run can resume after the last id it finished ([Note: resumable tagging]).
  const resumeAfter = options.resumeAfter ?? null;
  const media = (
    await library.store.listTagTargets(
      (file) =>
        (!folders || folders.some((folder) => isAtOrInsideFolder(file.path, folder))) &&
        (resumeAfter === null || file.id > resumeAfter) &&
        !options.decidedHashes?.has(file.hash),
    )
  ).sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  if (media.length === 0) {
    if (options.requireFiles === false) return { files: 0, suggested: 0 };
    throw new LanternError(
      'NOT_FOUND',
      folders
        ? `No indexed files under ${folders.join(', ')}; index the folder first (\`npx lantern index <folder>\`).`
        : 'The library has no indexed files to tag yet; index a folder first.',
    );
  }
  // The person's slider settings, unless the caller brings its own (a --vocab run).
  const offsets = options.offsets ?? (await tagOffsets(library.dbDir));
  const tagger = await Tagger.prepare(library.taggingContext(), vocabulary, {
    ...options,
    offsets,
  });
  const suggested = await tagger.tagMedia(media, options);
  // After the vocabulary's run, which removes suggestions it did not make itself.
  await applyLearnedTags(library.store, library.dbDir, library.encoder.id, media);
  if (options.turnOn !== false) await library.turnTaggingOn();
  return { files: media.length, suggested };
}
