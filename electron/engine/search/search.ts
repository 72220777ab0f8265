/**
 * @file Search (engine): query algebra → one query vector → one relevance gate → the
 * nearest photos and videos in the store, filtered, cut off where relevance ends, sorted.
 * Photos and videos go through the same gate: a photo by its own vector, a video by its
 * best frame (video/find-scenes.ts), both measured against the same library background.
 * `similar` is the same search with a file's own vector as the query.
 */
import type { LibraryStore } from '../../../native/store/index.js';
import { buildFilter, mediaDate } from '../../../native/store/index.js';
import { LanternError } from '../../shared/errors.js';
import type { SearchAnswer, SearchOptions, SearchResult } from '../../shared/types.js';
import { dot, normalize } from '../util/vectors.js';
import { findScenes, type SceneSearch } from '../video/find-scenes.js';
import { relevanceCutoff } from './cutoff.js';
import type { QueryTerm } from './query.js';
import { scoreOf, type Query } from './score.js';

export const DEFAULT_LIMIT = 50;
/** Candidates fetched beyond `limit`, so the cut-off and date sort see enough results. */
const MIN_CANDIDATES = 200;

export interface SearchContext extends SceneSearch {
  store: LibraryStore;
  embedTexts(texts: string[]): Promise<Float32Array[]>;
  embedImageFile(path: string): Promise<Float32Array>;
  /** The serving model's match floor (manifest `relevance.matchFloor`), if it states one. */
  matchFloor?: number | undefined;
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
}

export async function searchByVector(
  context: SearchContext,
  query: Query,
  options: SearchOptions & { excludePath?: string },
): Promise<SearchAnswer> {
  const limit = options.limit ?? DEFAULT_LIMIT;
  const threshold = options.noCutoff ? -Infinity : await relevanceGate(context, query);
  const hits = [
    ...(options.kind === 'video' ? [] : await photoHits(context, query, options, limit)),
    ...(options.kind === 'image' ? [] : await videoHits(context, query, options, threshold)),
  ].filter((hit) => hit.result.path !== options.excludePath);
  hits.sort((a, b) => b.score - a.score);
  const relevant = hits.filter((hit) => hit.score >= threshold);
  const kept = relevant.slice(0, limit);
  if (options.sort === 'date') kept.sort((a, b) => b.date - a.date);
  return { results: kept.map((hit) => hit.result), hidden: hits.length - relevant.length };
}

async function photoHits(
  context: SearchContext,
  query: Query,
  options: SearchOptions,
  limit: number,
): Promise<Hit[]> {
  const where = buildFilter({ ...options, kind: 'image' });
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
  options: SearchOptions,
  threshold: number,
): Promise<Hit[]> {
  const where = buildFilter({ ...options, kind: 'video' });
  const found = await findScenes(context, query, { threshold, ...(where ? { where } : {}) });
  return found.map(({ video, scenes, best }) => {
    const scene = scenes[0];
    return {
      score: best,
      date: mediaDate(video),
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
