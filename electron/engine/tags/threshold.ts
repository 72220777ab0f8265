/**
 * @file A tag's threshold slider (engine, contract channels tags:preview and
 * tags:threshold). (Being built for issue 10; the channels answer that they are not
 * available until then.)
 */
import type { ParsedInput } from '../../shared/contract.js';
import { LanternError } from '../../shared/errors.js';
import type { TagCount, TagPreview } from '../../shared/types.js';
import type { Library } from '../library.js';

const notYet = () =>
  new LanternError('INVALID_INPUT', 'The threshold slider is not available in this build.');

export function previewTag(
  _library: Library,
  _input: ParsedInput<'tags:preview'>,
): Promise<TagPreview> {
  return Promise.reject(notYet());
}

export function setTagThreshold(
  _library: Library,
  _input: ParsedInput<'tags:threshold'>,
): Promise<TagCount[]> {
  return Promise.reject(notYet());
}
