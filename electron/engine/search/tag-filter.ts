/**
 * @file Tags as a search filter (engine): `tag:beach` and `-tag:snow` in a query, and the
 * `tags` field of a search's filters, resolved to tag ids and turned into a `where` clause
 * on the files' content hashes, so that LanceDB filters inside the vector search as it does
 * for folders and dates (docs/search.md, "Tags").
 *
 * [Note: which tag states a tag filter matches]
 * "Tagged beach" is what the person sees as tagged beach: accepted tags, and suggestions
 * (the tagger saves a suggestion only when it clears the tag's calibrated threshold,
 * docs/tagging.md "Deciding", so every stored suggestion is already "above threshold").
 * A rejected tag never matches: the person said the file is not that. `-tag:snow` drops the
 * same files `tag:snow` would find.
 */
import { whereIn, type LibraryStore, type TagState } from '../../../native/store/index.js';
import { LanternError } from '../../shared/errors.js';
import { resolveStoredTag } from '../tags/library-tags.js';
import { loadVocabulary, type Vocabulary } from '../tags/vocabulary.js';
import type { TagTerm } from './query.js';

/** See [Note: which tag states a tag filter matches]. */
export const MATCHING_STATES: readonly TagState[] = ['accepted', 'suggested'];

/** Tag ids a search keeps (every one) and drops (any one). */
export interface TagFilter {
  include: string[];
  exclude: string[];
}

let bundled: Promise<Vocabulary> | null = null;

/** The bundled vocabulary, read once per process (a search must not re-read 400 tags). */
export function bundledVocabulary(): Promise<Vocabulary> {
  bundled ??= loadVocabulary().catch((error: unknown) => {
    bundled = null;
    throw error;
  });
  return bundled;
}

/**
 * The tag ids named by a query's `tag:` words and by the `tags` filter field. A name that
 * is no tag is refused with a sentence naming it; an id the vocabulary no longer has but
 * the library's tags still hold (a tag from a `--vocab` file) is taken as it is.
 */
export async function resolveTagFilter(
  store: LibraryStore,
  vocabulary: Vocabulary,
  terms: readonly TagTerm[],
): Promise<TagFilter> {
  const filter: TagFilter = { include: [], exclude: [] };
  for (const term of terms) {
    const id = await tagIdOf(store, vocabulary, term.words);
    const list = term.exclude ? filter.exclude : filter.include;
    if (!list.includes(id)) list.push(id);
  }
  return filter;
}

async function tagIdOf(
  store: LibraryStore,
  vocabulary: Vocabulary,
  words: string,
): Promise<string> {
  try {
    return (await resolveStoredTag(store, vocabulary, words)).id;
  } catch (error) {
    if (!(error instanceof LanternError) || error.code !== 'NOT_FOUND') throw error;
    throw new LanternError(
      'INVALID_INPUT',
      `The search asks for tag:${words}, but no tag is called "${words}". \`npx lantern tags list\` lists the tags; a tag's name, a synonym, its id (colours/red) or Category|Name all work, in quotes when it has spaces (tag:"city street").`,
    );
  }
}

/**
 * The `where` clause that keeps the files the filter allows (undefined: no tag filter),
 * or null when no file can pass (a tag nobody carries), so the caller need not search.
 * One IN list of content hashes per side: LanceDB applies it before the nearest-neighbour
 * search, so a tag never empties a page other files would have filled.
 */
export async function whereTagged(
  store: LibraryStore,
  filter: TagFilter,
): Promise<string | undefined | null> {
  let kept: Set<string> | null = null;
  for (const tag of filter.include) {
    const hashes: string[] = await store.tags.filesWithTag(tag, MATCHING_STATES);
    kept = new Set(kept ? hashes.filter((hash) => kept?.has(hash)) : hashes);
    if (kept.size === 0) return null;
  }
  const dropped = new Set<string>();
  for (const tag of filter.exclude)
    for (const hash of await store.tags.filesWithTag(tag, MATCHING_STATES)) dropped.add(hash);
  if (kept) {
    const left = [...kept].filter((hash) => !dropped.has(hash));
    return left.length === 0 ? null : whereIn('hash', left);
  }
  return dropped.size === 0 ? undefined : `NOT (${whereIn('hash', [...dropped])})`;
}
