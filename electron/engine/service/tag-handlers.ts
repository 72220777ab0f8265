/**
 * @file The contract's tags:* channels (engine service): the vocabulary with counts, a
 * file's tags, accepting and rejecting, and the tagging job (progress, pause between
 * batches, cancel). Apart from service.ts so the service stays a table of small handlers;
 * the work itself is engine/tags (tagger.ts, library-tags.ts).
 */
import type { ChannelOutput, ParsedInput } from '../../shared/contract.js';
import { LanternError } from '../../shared/errors.js';
import type { Library } from '../library.js';
import {
  countTags,
  decideTag,
  mediaOfPaths,
  reviewQueue,
  tagsOfFiles,
} from '../tags/library-tags.js';
import { learnLibraryTag } from '../tags/learned-tags.js';
import { libraryVocabulary, tagOffsets } from '../tags/library-vocabulary.js';
import { tagFolders } from '../tags/tag-folders.js';
import { previewTag, setTagThreshold } from '../tags/threshold.js';
import { editVocabulary } from '../tags/vocabulary-edits.js';
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

export function tagHandlers(requireLibrary: () => Library, jobs: JobQueue): TagHandlers {
  const vocab = () => libraryVocabulary(requireLibrary().dbDir);

  return {
    'tags:list': async () => {
      const library = requireLibrary();
      return countTags(library.store, await vocab(), await tagOffsets(library.dbDir));
    },
    'tags:ofFiles': async ({ paths }) => {
      const library = requireLibrary();
      return tagsOfFiles(library.store, await vocab(), await mediaOfPaths(library.store, paths));
    },
    'tags:decide': async ({ paths, tag, state }) =>
      decideTag(requireLibrary().store, await vocab(), paths, tag, state),
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
    'tags:learn': ({ name, examples, negatives }) => {
      const library = requireLibrary();
      return learnLibraryTag(library.store, library.dbDir, library.encoder.id, {
        name,
        examples,
        negatives: negatives ?? [],
      });
    },
    'tags:run': ({ root }) => {
      const library = requireLibrary();
      const label = root ?? 'the whole library';
      return Promise.resolve(
        jobs.enqueue('tag', label, async ({ signal, pause, progress }) => {
          const started = Date.now();
          const tagged = await tagFolders(library, await vocab(), root ? [root] : null, {
            signal,
            beforeBatch: () => pause.wait(signal),
            onProgress: (done, total) => {
              const elapsed = (Date.now() - started) / 1000;
              const rate = elapsed > 0 ? done / elapsed : 0;
              progress({
                phase: 'indexing',
                done,
                total,
                rate,
                etaSeconds: rate > 0 ? (total - done) / rate : null,
                currentFile: null,
              });
            },
          });
          return { tagged };
        }),
      );
    },
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
