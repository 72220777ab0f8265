/**
 * @file Editing a library's vocabulary from the app (engine, contract channel tags:edit):
 * the edit checked and saved (library-vocabulary.ts), then what it means for the
 * library's tags applied at once, so the Tags view's counts are right when it answers:
 *
 * - add: the new tag is decided across the library (with its rivals when its category is
 *   exclusive: a photo the new tag now leads loses its old colour's suggestion);
 * - rename: tags are kept by id, and the tag is decided again (its prompts now say the
 *   new name, as the next run's would);
 * - hide: the tag's suggestions go; accepted and rejected rows stay (the person's
 *   decisions), and later runs do not suggest it; in an exclusive category its rivals are
 *   decided again, as a photo it led may now go to one of them;
 * - show again: decided again, as for an add;
 * - merge: the store rows of `from` move to `into` (native/store/tags.ts mergeTag: the
 *   person's decisions win over suggestions), and `into`, whose prompts gained the
 *   merged tag's words, is decided again.
 *
 * Edits, threshold changes and their re-decisions run one at a time per library
 * (threshold.ts oneAtATime). The service refuses them while a tagging job runs
 * (tag-handlers.ts): the job decides with the vocabulary it read when it started and
 * would write a hidden tag's suggestions back.
 */
import type { ParsedInput } from '../../shared/contract.js';
import { LanternError } from '../../shared/errors.js';
import type { TagCount } from '../../shared/types.js';
import type { Library } from '../library.js';
import { libraryVocabulary, saveVocabularyEdit } from './library-vocabulary.js';
import { libraryTagCounts } from './tag-counts.js';
import { decideTagsAgain, oneAtATime } from './threshold.js';
import type { Vocabulary } from './vocabulary.js';

export function editVocabulary(
  library: Library,
  edit: ParsedInput<'tags:edit'>['edit'],
): Promise<TagCount[]> {
  if (library.readOnly)
    return Promise.reject(
      new LanternError(
        'LIBRARY_BUSY',
        `The library at ${library.dbDir} is open for reading only; close the other Lantern that holds it, then edit its tags.`,
      ),
    );
  return oneAtATime(library.dbDir, async () => {
    const before = await libraryVocabulary(library.dbDir);
    // Refused with a sentence, and nothing written, when the edit does not apply.
    const vocabulary = await saveVocabularyEdit(library.dbDir, edit);
    const { store } = library;
    switch (edit.op) {
      case 'add': {
        const known = new Set(before.tags.map((tag) => tag.id));
        const added = vocabulary.tags.find((tag) => !known.has(tag.id));
        if (added) await decideTagsAgain(library, vocabulary, withRivals(vocabulary, added.id));
        break;
      }
      case 'rename':
        // The new name is in its prompts (the old one is not kept): decided again as the
        // next run would.
        await decideTagsAgain(library, vocabulary, withRivals(vocabulary, edit.id));
        break;
      case 'hide':
        if (edit.hidden) {
          await store.tags.removeSuggestionsOfTag(edit.id);
          const rivals = withRivals(vocabulary, edit.id).filter((id) => id !== edit.id);
          await decideTagsAgain(library, vocabulary, rivals);
        } else await decideTagsAgain(library, vocabulary, withRivals(vocabulary, edit.id));
        break;
      case 'merge':
        await store.tags.mergeTag(edit.from, edit.into);
        // `into` gained the merged tag's words, so its vector changed: decided again.
        await decideTagsAgain(library, vocabulary, withRivals(vocabulary, edit.into));
        break;
    }
    return libraryTagCounts(library, vocabulary);
  });
}

/** The tag, and in an exclusive category the category's other tags, whose winner it may change. */
function withRivals(vocabulary: Vocabulary, id: string): string[] {
  const tag = vocabulary.tags.find((t) => t.id === id);
  if (!tag?.exclusive) return [id];
  return vocabulary.tags
    .filter((t) => t.id === id || (t.exclusive && t.category === tag.category))
    .map((t) => t.id);
}
