/**
 * @file Editing a library's vocabulary from the app (engine, contract channel tags:edit):
 * the edit saved (library-vocabulary.ts) and what it means for the library's tags applied.
 * (Being built for issue 10; the channel answers that it is not available until then.)
 */
import type { ParsedInput } from '../../shared/contract.js';
import { LanternError } from '../../shared/errors.js';
import type { TagCount } from '../../shared/types.js';
import type { Library } from '../library.js';

export function editVocabulary(
  _library: Library,
  _edit: ParsedInput<'tags:edit'>['edit'],
): Promise<TagCount[]> {
  return Promise.reject(
    new LanternError('INVALID_INPUT', 'Editing the vocabulary is not available in this build.'),
  );
}
