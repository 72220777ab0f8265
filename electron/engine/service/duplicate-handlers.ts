/**
 * @file The duplicates:* handlers of the engine service (issue 13, near-duplicates):
 * finding groups of near-identical photos with progress events and cancel, and moving
 * the copies not kept to the system trash. The work itself is engine/duplicates.
 */
import type { ChannelOutput, Events, ParsedInput } from '../../shared/contract.js';
import { LanternError } from '../../shared/errors.js';
import { findDuplicates } from '../duplicates/find-duplicates.js';
import { trashLibraryFiles } from '../duplicates/trash-files.js';
import type { Library } from '../library.js';

type DuplicateChannel = 'duplicates:find' | 'duplicates:cancel' | 'duplicates:trash';
export type DuplicateHandlers = {
  [C in DuplicateChannel]: (input: ParsedInput<C>) => Promise<ChannelOutput<C>>;
};

export interface DuplicateServices {
  requireLibrary: () => Library;
  progress: (progress: Events['duplicates:progress']) => void;
  /** The pixel limit of the indexer's settings, for the sharpness decode. */
  maxPixels: () => number;
  /** Called after a trash removed rows, so the service announces library:changed. */
  changed: () => Promise<void>;
}

export function duplicateHandlers(services: DuplicateServices): DuplicateHandlers {
  /** Finds under way; duplicates:cancel stops them all (there is one view to ask). */
  const running = new Set<AbortController>();
  return {
    'duplicates:find': async ({ threshold, folder }) => {
      const library = services.requireLibrary();
      const controller = new AbortController();
      running.add(controller);
      try {
        return await findDuplicates(library.store, {
          ...(threshold === undefined ? {} : { threshold }),
          ...(folder === undefined ? {} : { folder }),
          signal: controller.signal,
          onProgress: services.progress,
          maxPixels: services.maxPixels(),
        });
      } finally {
        running.delete(controller);
      }
    },
    'duplicates:cancel': () => {
      for (const controller of running) controller.abort();
      return Promise.resolve(null);
    },
    'duplicates:trash': async ({ paths }) => {
      const library = services.requireLibrary();
      if (library.readOnly)
        throw new LanternError(
          'LIBRARY_BUSY',
          'Another Lantern process writes this library, so nothing was moved to the trash: close it and try again.',
        );
      const answer = await trashLibraryFiles(library.store, library.thumbnailsDir, paths);
      if (answer.trashed.length > 0) await services.changed();
      return answer;
    },
  };
}
