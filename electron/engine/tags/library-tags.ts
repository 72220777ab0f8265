/**
 * @file A library's tags as people name them (engine): finding a tag by its name, a
 * synonym or its id; the vocabulary with counts; accepting and rejecting a tag on a file;
 * the tags of files with their names and states. The rows live in the store's `tags`
 * table, keyed by file content ([Note: tags follow the file's content, not its path or
 * model] in native/store/tags.ts); this module turns paths and names into those keys.
 */
import path from 'node:path';
import { whereIn, type LibraryStore, type StoredMedia } from '../../../native/store/index.js';
import { resultOf } from '../library-browse.js';
import type { TagRow } from '../../../native/store/tags.js';
import { LanternError } from '../../shared/errors.js';
import type { FileTag, FileTags, TagCount, TagReviewPage, TagState } from '../../shared/types.js';
import { slugify, type TagDef, type Vocabulary } from './vocabulary.js';

export type { FileTag, FileTags, TagCount };

const fold = (text: string) => text.trim().toLowerCase();

/**
 * The tag a person means: its id ('colours/red'), its name ('Red'), a synonym, or
 * 'Category|Name' as the --vocab format and XMP's hierarchical keywords write it.
 * Case does not matter. A name two categories share needs its category or id.
 */
export function resolveTag(vocabulary: Vocabulary, words: string): TagDef {
  const wanted = fold(words);
  const [category, name] = wanted.includes('|') ? wanted.split('|', 2).map(fold) : [null, wanted];
  const byId = vocabulary.tags.find((tag) => tag.id === wanted);
  if (byId) return byId;
  const matches = vocabulary.tags.filter(
    (tag) =>
      (category === null || fold(tag.category) === category) &&
      [tag.name, ...tag.synonyms].some((word) => fold(word) === name),
  );
  const [only, ...others] = matches;
  if (only && others.length === 0) return only;
  if (only)
    throw new LanternError(
      'INVALID_INPUT',
      `"${words}" names ${matches.length} tags (${matches.map((tag) => tag.id).join(', ')}); give the one you mean as its id.`,
    );
  throw new LanternError(
    'NOT_FOUND',
    `No tag is called "${words}". \`npx lantern tags list\` shows the vocabulary.`,
  );
}

/** Paths or hashes per `IN (…)` list when looking up media rows. */
const HASHES_PER_QUERY = 500;

/** Where tags that are not in the vocabulary come from, by id prefix. */
const OUTSIDE_VOCABULARY: Readonly<Record<string, string>> = {
  keywords: 'Keywords',
  learned: 'Learned',
};

/**
 * resolveTag, and beyond the vocabulary the tags a library holds of its own: a photo's
 * existing keywords (`keywords/<slug>`) and learned tags (`learned/<slug>`), by id or by
 * the words they were made from. NOT_FOUND when neither knows them.
 */
export async function resolveStoredTag(
  store: LibraryStore,
  vocabulary: Vocabulary,
  words: string,
): Promise<Pick<TagDef, 'id' | 'name' | 'category'>> {
  try {
    return resolveTag(vocabulary, words);
  } catch (error) {
    if (!(error instanceof LanternError) || error.code !== 'NOT_FOUND') throw error;
    const wanted = fold(words);
    const candidates = wanted.includes('/')
      ? [wanted]
      : Object.keys(OUTSIDE_VOCABULARY).map((prefix) => `${prefix}/${slugify(words)}`);
    const states: TagState[] = ['accepted', 'suggested', 'rejected'];
    for (const id of candidates) {
      if ((await store.tags.filesWithTag(id, states)).length === 0) continue;
      const [prefix = '', rest = id] = id.split('/', 2);
      return { id, name: rest, category: OUTSIDE_VOCABULARY[prefix] ?? prefix };
    }
    throw error;
  }
}

/** The media rows of files given by path; a path not in the library is named. */
export async function mediaOfPaths(
  store: LibraryStore,
  paths: readonly string[],
): Promise<StoredMedia[]> {
  const wanted = paths.map((file) => path.resolve(file));
  // One query per batch of paths, not per path: tags:decide takes up to 10 000 at once.
  const byPath = new Map<string, StoredMedia>();
  for (let i = 0; i < wanted.length; i += HASHES_PER_QUERY) {
    const rows = await store.listMedia({
      where: whereIn('path', wanted.slice(i, i + HASHES_PER_QUERY)),
    });
    for (const row of rows) byPath.set(row.path, row);
  }
  return wanted.map((absolute) => {
    const row = byPath.get(absolute);
    if (!row)
      throw new LanternError(
        'NOT_FOUND',
        `${absolute} is not in the library; index its folder first (\`npx lantern index <folder>\`).`,
      );
    return row;
  });
}

/** Accept or reject a tag on files given by path. */
export async function decideTag(
  store: LibraryStore,
  vocabulary: Vocabulary,
  paths: readonly string[],
  words: string,
  state: 'accepted' | 'rejected',
): Promise<FileTags[]> {
  const tag = await resolveStoredTag(store, vocabulary, words);
  const media = await mediaOfPaths(store, paths);
  await store.tags.setState(
    media.map((row) => row.hash),
    tag.id,
    state,
  );
  return tagsOfFiles(store, vocabulary, media);
}

/** Each file's tags, accepted first, then by score; tags no longer in the vocabulary keep their id. */
export async function tagsOfFiles(
  store: LibraryStore,
  vocabulary: Vocabulary,
  media: readonly StoredMedia[],
  options: { states?: readonly TagState[] } = {},
): Promise<FileTags[]> {
  const rows = await store.tags.forFiles([...new Set(media.map((row) => row.hash))]);
  const byHash = new Map<string, TagRow[]>();
  for (const row of rows) byHash.set(row.hash, [...(byHash.get(row.hash) ?? []), row]);
  const defs = tagDefs(vocabulary);
  return media.map((file) => ({
    path: file.path,
    tags: (byHash.get(file.hash) ?? [])
      .filter((row) => shownTag(row, defs, options.states))
      .map((row) => fileTag(row, defs))
      .sort(inShownOrder),
  }));
}

/** The vocabulary's tags by id. */
export function tagDefs(vocabulary: Vocabulary): ReadonlyMap<string, TagDef> {
  return new Map(vocabulary.tags.map((tag) => [tag.id, tag]));
}

/** Whether a file's row is shown: in one of `states` (when given), of a tag not hidden. */
export function shownTag(
  row: Pick<TagRow, 'tag' | 'state'>,
  defs: ReadonlyMap<string, TagDef>,
  states?: readonly TagState[],
): boolean {
  return (!states || states.includes(row.state)) && !defs.get(row.tag)?.hidden;
}

/** A stored row as a file's tag: named from the vocabulary, or by its id outside it. */
export function fileTag(
  row: Pick<TagRow, 'tag' | 'score' | 'state' | 'source' | 'ranges'>,
  defs: ReadonlyMap<string, TagDef>,
): FileTag {
  const def = defs.get(row.tag);
  return {
    tag: row.tag,
    name: def?.name ?? row.tag,
    category: def?.category ?? '',
    score: row.score,
    state: row.state,
    source: row.source,
    ...(row.ranges ? { ranges: row.ranges } : {}),
  };
}

/**
 * Files' tags with each learned tag (`learned/…`) named as the person named it when it was
 * learned (`names`: learnedTagNames) and in the category 'Learned', as `tags list` and the
 * sidecars show them, where fileTag knows only the vocabulary's names.
 */
export function withLearnedNames(
  files: readonly FileTags[],
  names: ReadonlyMap<string, string>,
): FileTags[] {
  if (names.size === 0) return [...files];
  return files.map((file) => ({
    ...file,
    tags: file.tags.map((tag) => {
      const name = names.get(tag.tag);
      return name === undefined ? tag : { ...tag, name, category: OUTSIDE_VOCABULARY.learned! };
    }),
  }));
}

const STATE_ORDER: Record<TagState, number> = { accepted: 0, suggested: 1, rejected: 2 };

/**
 * A file's tags as shown: accepted, suggested, rejected; by score within each; then by id
 * in code-unit order (TagTable.forFiles's order, which a stable sort kept).
 */
export function inShownOrder(a: FileTag, b: FileTag): number {
  return (
    STATE_ORDER[a.state] - STATE_ORDER[b.state] ||
    (b.score ?? 0) - (a.score ?? 0) ||
    (a.tag < b.tag ? -1 : a.tag > b.tag ? 1 : 0)
  );
}

/**
 * The vocabulary with how many files carry each tag in each state, then the library's tags
 * outside it: keywords read from photos (`keywords/<slug>`, origin 'keyword') and learned
 * tags (`learned/<slug>`, origin 'learned', named as the person named them in
 * learned-tags.json; listed even before any file carries them), by category then name.
 */
export async function countTags(
  store: LibraryStore,
  vocabulary: Vocabulary,
  offsets: ReadonlyMap<string, number> = new Map(),
  learned: readonly { id: string; name: string }[] = [],
): Promise<TagCount[]> {
  const [accepted, suggested, rejected] = await Promise.all(
    (['accepted', 'suggested', 'rejected'] as const).map((state) => store.tags.countByTag(state)),
  );
  const counts = (id: string) => ({
    offset: offsets.get(id) ?? 0,
    accepted: accepted?.get(id) ?? 0,
    suggested: suggested?.get(id) ?? 0,
    rejected: rejected?.get(id) ?? 0,
  });
  const listed: TagCount[] = vocabulary.tags.map((tag) => ({
    id: tag.id,
    name: tag.name,
    category: tag.category,
    hidden: tag.hidden,
    origin: tag.custom ? ('custom' as const) : ('vocabulary' as const),
    ...counts(tag.id),
  }));
  const known = new Set(listed.map((tag) => tag.id));
  const learnedNames = new Map(learned.map((tag) => [tag.id, tag.name]));
  const outside = new Set(
    [
      ...learnedNames.keys(),
      ...[accepted, suggested, rejected].flatMap((m) => [...(m?.keys() ?? [])]),
    ]
      .filter((id) => !known.has(id))
      .filter((id) => Object.hasOwn(OUTSIDE_VOCABULARY, id.slice(0, id.indexOf('/')))),
  );
  const extra = [...outside].map((id): TagCount => {
    const prefix = id.slice(0, id.indexOf('/'));
    return {
      id,
      name: learnedNames.get(id) ?? id.slice(prefix.length + 1),
      category: OUTSIDE_VOCABULARY[prefix] ?? prefix,
      hidden: false,
      origin: prefix === 'learned' ? 'learned' : 'keyword',
      ...counts(id),
    };
  });
  extra.sort((a, b) => a.category.localeCompare(b.category) || a.name.localeCompare(b.name));
  return [...listed, ...extra];
}

export type ReviewPage = TagReviewPage;

/**
 * The files that carry a tag in one state (the review queue: suggestions to accept or
 * reject), strongest first; one path per content (identical copies share their tags).
 */
export async function reviewQueue(
  store: LibraryStore,
  vocabulary: Vocabulary,
  words: string,
  options: { state: TagState; limit: number; offset: number },
): Promise<ReviewPage> {
  const tag = await resolveStoredTag(store, vocabulary, words);
  const hashes = await store.tags.filesWithTag(tag.id, [options.state]);
  const scores = new Map(
    (await store.tags.forFiles(hashes))
      .filter((row) => row.tag === tag.id)
      .map((row) => [row.hash, row.score ?? 0]),
  );
  const byHash = new Map<string, StoredMedia>();
  for (let i = 0; i < hashes.length; i += HASHES_PER_QUERY) {
    const rows = await store.listMedia({
      where: whereIn('hash', hashes.slice(i, i + HASHES_PER_QUERY)),
    });
    for (const row of rows) if (!byHash.has(row.hash)) byHash.set(row.hash, row);
  }
  const items = [...byHash.values()]
    .map((row) => resultOf(row, scores.get(row.hash) ?? 0))
    .sort((a, b) => b.score - a.score || a.path.localeCompare(b.path));
  return {
    tag: { id: tag.id, name: tag.name, category: tag.category },
    items: items.slice(options.offset, options.offset + options.limit),
    total: items.length,
  };
}
