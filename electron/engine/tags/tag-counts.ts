/**
 * @file The Tags view's list for a library (engine): its vocabulary (bundled plus edits),
 * each tag's threshold offset, its keyword and learned tags, all with counts. One function,
 * so tags:list and the answers of tags:edit and tags:threshold list the same tags.
 */
import type { TagCount } from '../../shared/types.js';
import type { Library } from '../library.js';
import { readLearnedTags } from './learned-tags.js';
import { countTags } from './library-tags.js';
import { libraryVocabulary, tagOffsets } from './library-vocabulary.js';
import type { Vocabulary } from './vocabulary.js';

/** `vocabulary`: the one to list (a --vocab file's); default the library's own. */
export async function libraryTagCounts(
  library: Pick<Library, 'store' | 'dbDir'>,
  vocabulary?: Vocabulary,
): Promise<TagCount[]> {
  return countTags(
    library.store,
    vocabulary ?? (await libraryVocabulary(library.dbDir)),
    await tagOffsets(library.dbDir),
    await readLearnedTags(library.dbDir),
  );
}
