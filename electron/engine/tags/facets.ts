/**
 * @file Tag facets (engine): for a search's results, the tags their files carry and how
 * many results carry each, so the search screen can offer "Beach (12)" next to the results.
 * One read of the tags table over the results' content hashes, whatever the result count.
 */
import type { LibraryStore, TagState } from '../../../native/store/index.js';
import type { TagFacet } from '../../shared/types.js';
import type { Vocabulary } from './vocabulary.js';

/** Facets shown next to results: more is a list nobody reads. */
export const FACET_LIMIT = 12;

/** The states a facet counts: those a `tag:` filter matches (search/tag-filter.ts). */
const COUNTED: readonly TagState[] = ['accepted', 'suggested'];

/** What facets name tags by, read only when the results carry tags ([Note: facets read names only for tags]). */
export interface FacetNames {
  vocabulary: () => Promise<Vocabulary>;
  /** Names of tags outside the vocabulary (learned tags, as the person named them). */
  learned?: (() => Promise<ReadonlyMap<string, string>>) | undefined;
}

/**
 * The most common tags over these files (one content hash per result; a copy counts as
 * often as it is listed), most files first, then by name. Hidden tags are left out, as
 * they are everywhere a person sees tags. A tag outside the vocabulary shows the name it
 * was given, else its id's words ('keywords/harbour-walk' → 'harbour walk').
 *
 * [Note: facets read names only for tags] The vocabulary (the bundled file validated, the
 * library's edits applied) took ~30 ms of a cold `lantern search` with results, whose files
 * most often carry no tag at all (a library never tagged): it is loaded once the tags table
 * says some result has a tag, and not otherwise.
 */
export async function tagFacets(
  store: LibraryStore,
  namesFrom: FacetNames,
  hashes: readonly string[],
  limit = FACET_LIMIT,
): Promise<TagFacet[]> {
  if (hashes.length === 0) return [];
  const rows = await store.tags.forFiles([...new Set(hashes)]);
  const tagsOf = new Map<string, string[]>();
  for (const row of rows) {
    if (!COUNTED.includes(row.state)) continue;
    const tags = tagsOf.get(row.hash) ?? [];
    tags.push(row.tag);
    tagsOf.set(row.hash, tags);
  }
  if (tagsOf.size === 0) return [];
  const vocabulary = await namesFrom.vocabulary();
  const names = (await namesFrom.learned?.()) ?? new Map<string, string>();
  const defs = new Map(vocabulary.tags.map((tag) => [tag.id, tag]));
  const counts = new Map<string, number>();
  for (const hash of hashes)
    for (const tag of tagsOf.get(hash) ?? [])
      if (!defs.get(tag)?.hidden) counts.set(tag, (counts.get(tag) ?? 0) + 1);
  return [...counts]
    .map(([tag, count]) => ({
      tag,
      name: defs.get(tag)?.name ?? names.get(tag) ?? readableId(tag),
      count,
    }))
    .sort((a, b) => b.count - a.count || a.name.localeCompare(b.name))
    .slice(0, limit);
}

/** The words of an id's last part: what a keyword tag was made from, near enough. */
function readableId(id: string): string {
  return (id.split('/').at(-1) ?? id).replaceAll('-', ' ');
}
