/**
 * @file Search (engine): query algebra → one query vector → one relevance gate → the
 * nearest photos and videos in the store, filtered, cut off where relevance ends, sorted.
 * Photos and videos go through the same gate: a photo by its own vector, a video by its
 * best frame (video/find-scenes.ts), both measured against the same library background.
 * `similar` is the same search with a file's own vector as the query. Tags (`tag:beach`,
 * the `tags` filter) narrow the files before the vector search (tag-filter.ts); a query of
 * tags alone lists the tagged files, newest first. Every answer carries its tag facets.
 * A query with a count ("two dogs") has its top photos checked by a detector (counting.ts).
 */
import type { LibraryStore, StoredMedia } from '../../../native/store/index.js';
import { buildFilter, mediaDate, whereAll } from '../../../native/store/index.js';
import { LanternError } from '../../shared/errors.js';
import type { SearchAnswer, SearchOptions, SearchResult, TagFacet } from '../../shared/types.js';
import { tagFacets } from '../tags/facets.js';
import type { Vocabulary } from '../tags/vocabulary.js';
import { dot, normalize } from '../util/vectors.js';
import { findScenes, type SceneSearch } from '../video/find-scenes.js';
import { countOfTerms, rankByCount, type CountQuery, type DetectCount } from './counting.js';
import { relevanceCutoff } from './cutoff.js';
import { parseSearch, type QueryTerm, type TagTerm } from './query.js';
import { scoreOf, type Query } from './score.js';
import { bundledVocabulary, resolveTagFilter, whereTagged } from './tag-filter.js';

export const DEFAULT_LIMIT = 50;
/** Candidates fetched beyond `limit`, so the cut-off and date sort see enough results. */
const MIN_CANDIDATES = 200;

export interface SearchContext extends SceneSearch {
  store: LibraryStore;
  embedTexts(texts: string[]): Promise<Float32Array[]>;
  embedImageFile(path: string): Promise<Float32Array>;
  /** The serving model's match floor (manifest `relevance.matchFloor`), if it states one. */
  matchFloor?: number | undefined;
  /** Read the gate's background while the query is encoded (readGateEarly); off when absent. */
  readGateEarly?: boolean | undefined;
  /** The vocabulary `tag:` names and facets resolve in; the bundled one when absent. */
  vocabulary?: (() => Promise<Vocabulary>) | undefined;
  /** Names of the library's tags outside the vocabulary (learned tags), for facets. */
  tagNames?: (() => Promise<ReadonlyMap<string, string>>) | undefined;
  /**
   * The installed detector's box count for a noun in a photo, or undefined when none is
   * installed (counting.ts). Asked only for a query with a count: finding out what is
   * installed reads the models folder, which a plain search need not do.
   */
  detectCount?: (() => DetectCount | undefined) | undefined;
}

/**
 * A typed query, end to end: parse, resolve its tags (an unknown tag is refused before
 * anything is embedded), embed, search. `isImageFile` says which words are image paths.
 */
export async function searchText(
  context: SearchContext,
  text: string,
  options: SearchOptions,
  isImageFile: (candidate: string) => boolean,
): Promise<SearchAnswer> {
  const { terms, tags } = parseSearch(text, isImageFile);
  const tagged = await tagWhere(context, options, tags);
  if (terms.length === 0) return taggedListing(context, options, tagged ?? null);
  readGateEarly(context, options);
  const embedded = await embedQuery(context, terms);
  return searchFiltered(context, embedded, options, tagged, countOfTerms(terms));
}

export async function embedQuery(
  context: Pick<SearchContext, 'embedTexts' | 'embedImageFile'>,
  terms: readonly QueryTerm[],
): Promise<Query> {
  const textTerms = terms.filter((t) => t.kind === 'text');
  const textVectors = await context.embedTexts(textTerms.map((t) => t.value));
  const vectors = new Map<QueryTerm, Float32Array>();
  textTerms.forEach((term, i) => {
    const vector = textVectors[i];
    if (vector) vectors.set(term, vector);
  });
  for (const term of terms)
    if (term.kind === 'image') vectors.set(term, await context.embedImageFile(term.value));
  let sum: Float32Array | null = null;
  const negatives: Query['negatives'] = [];
  for (const [term, vector] of vectors) {
    if (term.weight < 0) {
      negatives.push({ vector, weight: -term.weight });
      continue;
    }
    sum ??= new Float32Array(vector.length);
    for (let i = 0; i < vector.length; i++) sum[i] = (sum[i] ?? 0) + term.weight * (vector[i] ?? 0);
  }
  if (!sum) throw new LanternError('INVALID_INPUT', 'The search has no terms to look for.');
  return { vector: normalize(sum), negatives };
}

/**
 * Start reading the gate's background (relevanceGate) before the query is encoded: the
 * store reads it on its own threads while the encoder runs, and the gate then awaits the
 * same read (Library's background), rather than the two one after the other.
 *
 * [Note: a one-shot search reads its gate after the text encoder] Not for `lantern search`
 * (a library whose text encoder is freed once the query is encoded): LanceDB's first read
 * then ran beside the text encoder's run, the process's peak, and raised it by ~14 MB
 * (cold search on the bench library: 283-288 MB, 301-303 MB with it; issue 12 asks
 * ≤ 300 MB). Read after the encoder is freed, it reuses the memory the encoder gave back.
 */
export function readGateEarly(
  context: Pick<SearchContext, 'background' | 'readGateEarly'>,
  options: Pick<SearchOptions, 'noCutoff'>,
): void {
  if (context.readGateEarly && !options.noCutoff) context.background().catch(() => undefined); // thrown again where awaited
}

/** The query's relevance threshold on this library (cutoff.ts): one gate for photos and videos. */
export async function relevanceGate(context: SearchContext, query: Query): Promise<number> {
  // Gated on what is looked for; the negative terms then only lower scores.
  const background = (await context.background()).map((vector) => dot(query.vector, vector));
  return relevanceCutoff({ background, matchFloor: context.matchFloor }).threshold;
}

interface Hit {
  result: SearchResult;
  /** The unrounded score the gate compares. */
  score: number;
  date: number;
  /** The file's content hash, which its tags are keyed by. */
  hash: string;
}

/** The search's options with its tags' `where` clause (tagWhere). */
type Filtered = SearchOptions & { tagged: string | undefined };

/** Search by an embedded query (a typed query's, or a file's own vector for `similar`). */
export async function searchByVector(
  context: SearchContext,
  query: Query,
  options: SearchOptions & { excludePath?: string },
): Promise<SearchAnswer> {
  return searchFiltered(context, query, options, await tagWhere(context, options, []));
}

/**
 * The `where` clause of the search's tags (the `tags` field and the query's `tag:` words):
 * undefined when there are none, null when no file carries them.
 */
async function tagWhere(
  context: SearchContext,
  options: SearchOptions,
  queryTags: readonly TagTerm[],
): Promise<string | undefined | null> {
  const terms = [...(options.tags ?? []).map((words) => ({ words, exclude: false })), ...queryTags];
  if (terms.length === 0) return undefined;
  const vocabulary = await (context.vocabulary ?? bundledVocabulary)();
  return whereTagged(context.store, await resolveTagFilter(context.store, vocabulary, terms));
}

async function searchFiltered(
  context: SearchContext,
  query: Query,
  options: SearchOptions & { excludePath?: string },
  tagged: string | undefined | null,
  count: CountQuery | null = null,
): Promise<SearchAnswer> {
  if (tagged === null) return { results: [], hidden: 0 };
  const limit = options.limit ?? DEFAULT_LIMIT;
  const threshold = options.noCutoff ? -Infinity : await relevanceGate(context, query);
  const filtered = { ...options, tagged };
  // The photos' and the videos' reads run at once (the store answers both on its threads).
  const [photos, videos] = await Promise.all([
    options.kind === 'video' ? [] : photoHits(context, query, filtered, limit),
    options.kind === 'image' ? [] : videoHits(context, query, filtered, threshold),
  ]);
  const hits = [...photos, ...videos].filter((hit) => hit.result.path !== options.excludePath);
  hits.sort((a, b) => b.score - a.score);
  const relevant = hits.filter((hit) => hit.score >= threshold);
  let kept = relevant.slice(0, limit);
  // "two dogs": the detector checks the top photos' counts (counting.ts).
  const detectCount = count ? context.detectCount?.() : undefined;
  if (count && detectCount) kept = await rankByCount(kept, count, detectCount);
  if (options.sort === 'date') kept.sort((a, b) => b.date - a.date);
  return {
    results: kept.map((hit) => hit.result),
    hidden: hits.length - relevant.length,
    ...(await facetsOf(context, kept)),
  };
}

/**
 * A query of tags alone: every file the tags (and the other filters) allow, newest first,
 * up to `limit`. No relevance cut-off: nothing was asked to rank by, so a score is 0.
 */
async function taggedListing(
  context: SearchContext,
  options: SearchOptions,
  tagged: string | null,
): Promise<SearchAnswer> {
  if (tagged === null) return { results: [], hidden: 0 };
  const where = whereAll(buildFilter(options), tagged);
  const rows = await context.store.listMedia(where === undefined ? {} : { where });
  // Newest first; the path breaks ties so that the same query lists the same files.
  rows.sort(
    (a, b) => mediaDate(b) - mediaDate(a) || (a.path < b.path ? -1 : a.path > b.path ? 1 : 0),
  );
  const kept = rows
    .slice(0, options.limit ?? DEFAULT_LIMIT)
    .map((row) => ({ score: 0, date: mediaDate(row), hash: row.hash, result: listed(row) }));
  return {
    results: kept.map((hit) => hit.result),
    hidden: 0,
    ...(await facetsOf(context, kept)),
  };
}

function listed(row: StoredMedia): SearchResult {
  return {
    path: row.path,
    kind: row.kind,
    score: 0,
    ...(row.kind === 'video' ? { duration: row.duration } : {}),
    takenAt: row.takenAt,
    width: row.width,
    height: row.height,
    thumbnail: row.thumbnail,
  };
}

/**
 * `facets`: the tags the kept results carry (tags/facets.ts), one read of the tags table;
 * nothing when there are no results, so an empty answer stays `{ results: [], hidden }`.
 */
async function facetsOf(
  context: SearchContext,
  kept: readonly Hit[],
): Promise<{ facets?: TagFacet[] }> {
  if (kept.length === 0) return {};
  const hashes = kept.map((hit) => hit.hash);
  const names = { vocabulary: context.vocabulary ?? bundledVocabulary, learned: context.tagNames };
  return { facets: await tagFacets(context.store, names, hashes) };
}

async function photoHits(
  context: SearchContext,
  query: Query,
  options: Filtered,
  limit: number,
): Promise<Hit[]> {
  const where = whereAll(buildFilter({ ...options, kind: 'image' }), options.tagged);
  const fetch =
    options.noCutoff && options.sort !== 'date' ? limit + 1 : Math.max(limit + 1, MIN_CANDIDATES);
  const rows = await context.store.vectorSearch(query.vector, {
    limit: fetch,
    ...(where ? { where } : {}),
  });
  // Negative terms need each candidate's own vector to score it against them.
  const vectors = new Map<string, Float32Array>();
  if (query.negatives.length > 0) {
    const ids = rows.map((row) => row.id);
    const found = await context.store.getVectors(ids);
    // getVectors skips ids it cannot find: pair by id only when every one came back.
    if (found.length === ids.length) ids.forEach((id, i) => found[i] && vectors.set(id, found[i]));
  }
  return rows.map((row) => {
    const vector = vectors.get(row.id);
    const score = vector ? scoreOf(query, vector) : 1 - row.distance;
    return {
      score,
      date: mediaDate(row),
      hash: row.hash,
      result: {
        path: row.path,
        kind: row.kind,
        score: roundScore(score),
        takenAt: row.takenAt,
        width: row.width,
        height: row.height,
        thumbnail: row.thumbnail,
      },
    };
  });
}

/**
 * Each candidate video as one result: its best frame's score and its best scene. Videos
 * below the gate come back without scenes, to be counted among the hidden.
 */
async function videoHits(
  context: SearchContext,
  query: Query,
  options: Filtered,
  threshold: number,
): Promise<Hit[]> {
  const where = whereAll(buildFilter({ ...options, kind: 'video' }), options.tagged);
  const found = await findScenes(context, query, { threshold, ...(where ? { where } : {}) });
  return found.map(({ video, scenes, best }) => {
    const scene = scenes[0];
    return {
      score: best,
      date: mediaDate(video),
      hash: video.hash,
      result: {
        path: video.path,
        kind: 'video' as const,
        score: roundScore(best),
        ...(scene ? { start: scene.start, end: scene.end } : {}),
        duration: video.duration,
        takenAt: video.takenAt,
        width: video.width,
        height: video.height,
        thumbnail: scene?.thumbnail ?? video.thumbnail,
      },
    };
  });
}

function roundScore(score: number): number {
  return Math.round(score * 10_000) / 10_000;
}
