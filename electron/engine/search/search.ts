/**
 * @file Search (engine): query algebra → one query vector → nearest media in the store,
 * filtered, cut off where relevance ends, sorted. `similar` is the same search with a
 * file's own vector as the query.
 */
import type { LibraryStore, MediaRow } from '../../../native/store/index.js';
import { buildFilter } from '../../../native/store/index.js';
import { LanternError } from '../../shared/errors.js';
import type { SearchOptions, SearchResult } from '../../shared/types.js';
import { dot, normalize } from '../util/vectors.js';
import { relevanceCutoff } from './cutoff.js';
import type { QueryTerm } from './query.js';

export const DEFAULT_LIMIT = 50;
/** Candidates fetched beyond `limit`, so the cut-off and date sort see enough results. */
const MIN_CANDIDATES = 200;

export interface SearchContext {
  store: LibraryStore;
  embedTexts(texts: string[]): Promise<Float32Array[]>;
  embedImageFile(path: string): Promise<Float32Array>;
  /** Library vectors the cut-off measures each query against. */
  background(): Promise<Float32Array[]>;
}

/** Σ weight·embedding over the terms, normalised. */
export async function queryVector(
  context: SearchContext,
  terms: readonly QueryTerm[],
): Promise<Float32Array> {
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
  for (const [term, vector] of vectors) {
    sum ??= new Float32Array(vector.length);
    for (let i = 0; i < vector.length; i++) sum[i] = (sum[i] ?? 0) + term.weight * (vector[i] ?? 0);
  }
  if (!sum) throw new LanternError('INVALID_INPUT', 'The search has no terms to look for.');
  return normalize(sum);
}

export async function searchByVector(
  context: SearchContext,
  query: Float32Array,
  options: SearchOptions & { excludePath?: string },
): Promise<SearchResult[]> {
  const limit = options.limit ?? DEFAULT_LIMIT;
  const where = buildFilter(options);
  const fetch =
    options.noCutoff && options.sort !== 'date' ? limit + 1 : Math.max(limit + 1, MIN_CANDIDATES);
  const rows = await context.store.vectorSearch(query, {
    limit: fetch,
    ...(where ? { where } : {}),
  });
  let hits = rows
    .filter((row) => row.path !== options.excludePath)
    .map((row) => ({ row, score: 1 - row.distance }));
  if (!options.noCutoff && hits.length > 0) {
    const background = (await context.background()).map((vector) => dot(query, vector));
    const { threshold } = relevanceCutoff(background, hits[0]?.score ?? 0);
    hits = hits.filter((hit) => hit.score >= threshold);
  }
  hits = hits.slice(0, limit);
  if (options.sort === 'date') hits.sort((a, b) => dateOf(b.row) - dateOf(a.row));
  return hits.map(({ row, score }) => ({
    path: row.path,
    kind: row.kind,
    score: Math.round(score * 10_000) / 10_000,
    takenAt: row.takenAt,
    width: row.width,
    height: row.height,
    thumbnail: row.thumbnail,
  }));
}

function dateOf(row: Pick<MediaRow, 'takenAt' | 'mtime'>): number {
  return row.takenAt ?? row.mtime;
}
