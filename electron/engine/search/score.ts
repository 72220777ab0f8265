/**
 * @file A query as search scores it (engine): the positive terms' vector, which finds and
 * gates candidates, and the negative terms, which lower the score of what looks more
 * like them than like what was asked ([Note: negative terms] in query.ts). Shared by
 * photo search (search.ts) and scene search (video/find-scenes.ts).
 */
import { dot } from '../util/vectors.js';
import { NEGATIVE_PENALTY } from './query.js';

/** A parsed query, embedded: what to look for, and what to steer away from. */
export interface Query {
  /** Σ weight·embedding over the positive terms, normalised: finds and gates candidates. */
  vector: Float32Array;
  /** The negative terms' embeddings and weights (> 0). */
  negatives: { vector: Float32Array; weight: number }[];
}

/** The query of a plain vector (similar): nothing to avoid. */
export const vectorQuery = (vector: Float32Array): Query => ({ vector, negatives: [] });

/** One media vector's score for the query, negative terms applied ([Note: negative terms] in query.ts). */
export function scoreOf(query: Query, vector: Float32Array): number {
  const score = dot(query.vector, vector);
  let penalty = 0;
  for (const negative of query.negatives)
    penalty +=
      NEGATIVE_PENALTY * negative.weight * Math.max(0, dot(negative.vector, vector) - score);
  return score - penalty;
}
