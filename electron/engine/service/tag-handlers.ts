/**
 * @file The contract's tags:* channels (engine service): the vocabulary with counts, a
 * file's tags, accepting and rejecting, and the tagging job (progress, pause between
 * batches, cancel). Apart from service.ts so the service stays a table of small handlers;
 * the work itself is engine/tags (tagger.ts, library-tags.ts).
 */
import type { ChannelOutput, JobSnapshot, ParsedInput } from '../../shared/contract.js';
import { LanternError } from '../../shared/errors.js';
import type { Library } from '../library.js';
import {
  decideTag,
  mediaOfPaths,
  resolveStoredTag,
  reviewQueue,
  tagsOfFiles,
} from '../tags/library-tags.js';
import { learnLibraryTag, relearnLibraryTag } from '../tags/learned-tags.js';
import { writeContentSidecars, writeLibrarySidecars } from '../tags/sidecars.js';
import { libraryVocabulary } from '../tags/library-vocabulary.js';
import { libraryTagCounts } from '../tags/tag-counts.js';
import { tagFolders } from '../tags/tag-folders.js';
import { clearTagRun, saveTagRun } from '../tags/tag-run-marker.js';
import { previewTag, setTagThreshold } from '../tags/threshold.js';
import { editVocabulary } from '../tags/vocabulary-edits.js';
import { rateProgress } from '../util/rate-progress.js';
import type { JobQueue } from './jobs.js';

type TagChannel =
  | 'tags:list'
  | 'tags:ofFiles'
  | 'tags:decide'
  | 'tags:review'
  | 'tags:run'
  | 'tags:edit'
  | 'tags:preview'
  | 'tags:threshold'
  | 'tags:learn';
type TagHandlers = {
  [C in TagChannel]: (input: ParsedInput<C>) => Promise<ChannelOutput<C>>;
};

/**
 * The tags:* handlers. `writeXmp` reads the library's setting at each call: with it on, a
 * decision (and a learned tag's examples) goes to the files' XMP sidecars at once.
 */
export function tagHandlers(
  requireLibrary: () => Library,
  jobs: JobQueue,
  writeXmp: () => boolean = () => false,
): TagHandlers {
  const vocab = () => libraryVocabulary(requireLibrary().dbDir);

  /** The sidecars of these files' contents (every copy), failures kept as library warnings. */
  const writeSidecarsOf = async (library: Library, paths: readonly string[]) => {
    if (!writeXmp() || paths.length === 0) return;
    const hashes = (await mediaOfPaths(library.store, paths)).map((row) => row.hash);
    const report = await writeContentSidecars(library.store, await vocab(), library.dbDir, hashes);
    reportSidecarFailures(library, report.failed);
  };

  return {
    'tags:list': () => libraryTagCounts(requireLibrary()),
    'tags:ofFiles': async ({ paths }) => {
      const library = requireLibrary();
      return tagsOfFiles(library.store, await vocab(), await mediaOfPaths(library.store, paths));
    },
    'tags:decide': async ({ paths, tag, state }) => {
      const library = requireLibrary();
      const vocabulary = await vocab();
      const { id } = await resolveStoredTag(library.store, vocabulary, tag);
      const decided = await decideTag(library.store, vocabulary, paths, id, state);
      // [Note: a learned tag improves with the person's decisions] (learned-tags.ts).
      if (id.startsWith('learned/'))
        await relearnLibraryTag(library.store, library.dbDir, library.encoder.id, id);
      await writeSidecarsOf(library, paths);
      return decided;
    },
    'tags:review': async ({ tag, state, limit, offset }) =>
      reviewQueue(requireLibrary().store, await vocab(), tag, {
        state: state ?? 'suggested',
        limit: limit ?? 200,
        offset: offset ?? 0,
      }),
    'tags:edit': async ({ edit }) => {
      refuseWhileTagging(jobs);
      return editVocabulary(requireLibrary(), edit);
    },
    'tags:preview': (input) => previewTag(requireLibrary(), input),
    'tags:threshold': async (input) => {
      refuseWhileTagging(jobs);
      return setTagThreshold(requireLibrary(), input);
    },
    'tags:learn': async ({ name, examples, negatives }) => {
      const library = requireLibrary();
      const answer = await learnLibraryTag(library.store, library.dbDir, library.encoder.id, {
        name,
        examples,
        negatives: negatives ?? [],
      });
      // Examples are accepted and counter-examples rejected: decisions a sidecar holds.
      await writeSidecarsOf(library, [...examples, ...(negatives ?? [])]);
      return answer;
    },
    'tags:run': ({ root }) =>
      Promise.resolve(enqueueTagJob(requireLibrary(), jobs, { root: root ?? null, after: null })),
  };
}

/** A running tagging job decides with the vocabulary it started with (vocabulary-edits.ts). */
function refuseWhileTagging(jobs: JobQueue): void {
  if (
    jobs
      .list()
      .some((job) => job.kind === 'tag' && ['queued', 'running', 'paused'].includes(job.state))
  )
    throw new LanternError(
      'LIBRARY_BUSY',
      'A tagging job is running; change the tags when it has finished, or cancel it first.',
    );
}

/** Sidecars not written stay in the library's warnings (shown with its status), once each. */
function reportSidecarFailures(
  library: Library,
  failed: readonly { path: string; error: string }[],
) {
  for (const failure of failed) {
    const sentence = `The XMP sidecar of ${failure.path} was not written: ${failure.error}`;
    console.warn(sentence);
    if (!library.warnings.includes(sentence)) library.warnings.push(sentence);
  }
}

/**
 * The job that writes every file's accepted tags to its sidecar, started when the person
 * turns writeXmp on: a big library shows progress and can be paused or cancelled. Its
 * report counts sidecars written as `indexed`; the ones that could not be written are its
 * `failed` list, and the run goes on past them.
 */
export function enqueueSidecarJob(library: Library, jobs: JobQueue): JobSnapshot {
  return jobs.enqueue('xmp', 'the whole library', async ({ signal, pause, progress }) => {
    const report = await writeLibrarySidecars(
      library.store,
      await libraryVocabulary(library.dbDir),
      library.dbDir,
      { signal, beforeBatch: () => pause.wait(signal), onProgress: rateProgress(progress) },
    );
    return {
      indexed: report.written.length,
      unchanged: report.unchanged,
      removed: 0,
      moved: 0,
      failed: report.failed,
      offline: [],
      cancelled: report.cancelled,
    };
  });
}

/**
 * The tagging job over the library or one folder, from the start (`after` null) or
 * resuming an interrupted run after the last media id it finished ([Note: resumable
 * tagging] in tags/tag-run-marker.ts): the marker is kept up to date batch by batch and
 * removed when the run ends in any way but the process's own end.
 */
export function enqueueTagJob(
  library: Library,
  jobs: JobQueue,
  run: { root: string | null; after: string | null },
): JobSnapshot {
  const label = `${run.root ?? 'the whole library'}${run.after ? ' (resumed)' : ''}`;
  return jobs.enqueue('tag', label, async ({ signal, pause, progress }) => {
    await saveTagRun(library.dbDir, run);
    try {
      const tagged = await tagFolders(
        library,
        await libraryVocabulary(library.dbDir),
        run.root ? [run.root] : null,
        {
          signal,
          beforeBatch: () => pause.wait(signal),
          afterBatch: (after) => saveTagRun(library.dbDir, { root: run.root, after }),
          onProgress: rateProgress(progress),
          resumeAfter: run.after,
          // A resumed run may find everything done (the last batch was written).
          requireFiles: run.after === null,
        },
      );
      return { tagged };
    } finally {
      await clearTagRun(library.dbDir);
    }
  });
}
