/**
 * @file A tag learned from examples (engine, pure functions over vectors): the person
 * marks ≥ 3 photos as "this", optionally some as "not this", and gets a scorer and a
 * threshold to run over the library. See docs/tagging.md ("Learned tags") for the
 * measurements that chose the method.
 *
 * Two methods are kept side by side so the choice stays measurable:
 * - `prototype`: the examples' mean direction; a photo's score is its cosine to it.
 * - `logistic`: L2-regularised logistic regression on the embeddings, positives against
 *   a random sample of the library (which may hold a few unmarked positives; the strong L2
 *   keeps them from mattering much) and the given negatives, hard cases the person
 *   pointed at, which weigh more than a sampled photo each (REJECTED_WEIGHT) but never
 *   replace the sample: a model trained against one rejected photo alone learns "not that
 *   photo" and suggests most of the library (measured: 30 of 40 files after one
 *   rejection, test/integration/cli-learn.test.ts).
 * Measured on toy-clip-gap (3 warm examples, docs/tagging.md): logistic regression found
 * 26 of 33 warm photos at 100 % precision, the prototype 21 of 33 at 94 %, so logistic
 * is the default.
 * Either way the threshold is calibrated like a text tag's (search/cutoff.ts): the score
 * a photo needs to stand 4 robust spreads above the library's typical photo, but
 * never above the weakest example, so the examples themselves are always found again.
 */
import { LanternError } from '../../shared/errors.js';
import { relevanceCutoff } from '../search/cutoff.js';
import { dot, normalize } from '../util/vectors.js';

/** Fewer examples than this say too little about what the tag is. */
export const MIN_EXAMPLES = 3;
/** Library photos drawn as negatives when the person gave none. */
const SAMPLED_NEGATIVES = 200;
/**
 * A photo the person rejected weighs as much as this many sampled library photos (the
 * group of them at most as much as the whole sample). Measured in
 * test/integration/cli-learn.test.ts: weighed as a quarter of the sample, one rejection
 * let a flower photo through; as 20 sampled photos, every suggestion stays warm.
 */
const REJECTED_WEIGHT = 20;
/** L2 strength: few examples in 512 dimensions, so the weights must stay small. */
const L2 = 1;
const STEPS = 200;
const STEP_SIZE = 0.5;

export type LearnMethod = 'prototype' | 'logistic';

export interface LearnedTag {
  method: LearnMethod;
  score(vector: Float32Array): number;
  threshold: number;
}

export interface LearnOptions {
  /** Default: 'logistic' (docs/tagging.md says why). */
  method?: LearnMethod;
  /** Seed of the negative sample, so a tag learns the same way twice. */
  seed?: number;
}

/** Learn a tag from `examples` (≥ 3), `negatives` (may be empty) and the library's vectors. */
export function learnTag(
  examples: readonly Float32Array[],
  negatives: readonly Float32Array[],
  library: readonly Float32Array[],
  options: LearnOptions = {},
): LearnedTag {
  const examplesSet = new Set(examples);
  const background = library.filter((v) => !examplesSet.has(v));
  const { method, score } = learnScorer(
    examples,
    negatives,
    backgroundSample(background, options.seed),
    options.method,
  );
  return { method, score, threshold: learnedThreshold(score, examples, background.map(score)) };
}

/**
 * The part of the library's background (its vectors other than the examples, in library
 * order) that logistic regression learns against: SAMPLED_NEGATIVES of it drawn with the
 * seed. What it draws depends only on the background's length and the seed, so positions
 * drawn here choose the same vectors as the vectors themselves would (learned-tags.ts
 * reads only those: [Note: a learned tag at scale]).
 */
export function backgroundSample<T>(background: readonly T[], seed = 1): T[] {
  return sample(background, SAMPLED_NEGATIVES, seed);
}

/**
 * The scorer learnTag makes: from the examples (≥ 3), the given negatives and the
 * background sample (backgroundSample), by `method` (default 'logistic').
 */
export function learnScorer(
  examples: readonly Float32Array[],
  negatives: readonly Float32Array[],
  sampled: readonly Float32Array[],
  method: LearnMethod = 'logistic',
): Omit<LearnedTag, 'threshold'> {
  if (examples.length < MIN_EXAMPLES) {
    throw new LanternError(
      'INVALID_INPUT',
      `A learned tag needs at least ${MIN_EXAMPLES} example photos (got ${examples.length}); mark ${MIN_EXAMPLES - examples.length} more photo(s) as this tag.`,
    );
  }
  const score =
    method === 'prototype'
      ? prototypeScorer(examples)
      : logisticScorer(examples, [
          // The sample's weight is 1; the rejected photos', REJECTED_WEIGHT sampled ones each.
          { vectors: sampled, weight: 1 },
          {
            vectors: negatives,
            weight: Math.min(1, (negatives.length * REJECTED_WEIGHT) / SAMPLED_NEGATIVES),
          },
        ]);
  return { method, score };
}

/**
 * The threshold of a learned scorer: the score that stands out of the background's scores
 * (`backgroundScores`, every background vector's), never above the weakest example's.
 */
export function learnedThreshold(
  score: (vector: Float32Array) => number,
  examples: readonly Float32Array[],
  backgroundScores: readonly number[],
): number {
  // No match floor for image–image scores: unrelated photos resemble each other at
  // 0.5–0.7, so only standing out of this library's background means anything.
  const cutoff = relevanceCutoff({ background: backgroundScores, matchFloor: Infinity });
  const weakest = Math.min(...examples.map(score));
  return Math.min(cutoff.threshold, weakest);
}

function prototypeScorer(examples: readonly Float32Array[]): (v: Float32Array) => number {
  const dim = examples[0]?.length ?? 0;
  const mean = new Float32Array(dim);
  for (const e of examples) for (let i = 0; i < dim; i++) mean[i] = (mean[i] ?? 0) + (e[i] ?? 0);
  const prototype = normalize(mean);
  return (v) => dot(prototype, v);
}

/**
 * Gradient descent on the class-balanced, L2-regularised log loss; the score is the logit.
 * The positives weigh half; the other half is shared by the non-empty negative groups in
 * proportion to their `weight`, spread evenly within each group.
 */
function logisticScorer(
  positives: readonly Float32Array[],
  negativeGroups: readonly { vectors: readonly Float32Array[]; weight: number }[],
): (v: Float32Array) => number {
  const dim = positives[0]?.length ?? 0;
  const weights = new Float64Array(dim);
  let bias = 0;
  const groups = negativeGroups.filter((group) => group.vectors.length > 0);
  const groupWeight = groups.reduce((sum, group) => sum + group.weight, 0);
  const rows = [
    ...positives.map((x) => ({ x, y: 1, w: 0.5 / positives.length })),
    ...groups.flatMap((group) =>
      group.vectors.map((x) => ({
        x,
        y: 0,
        w: (0.5 * group.weight) / groupWeight / group.vectors.length,
      })),
    ),
  ];
  const logit = (x: Float32Array) => {
    let s = bias;
    for (let i = 0; i < dim; i++) s += (weights[i] ?? 0) * (x[i] ?? 0);
    return s;
  };
  for (let step = 0; step < STEPS; step++) {
    const grad = new Float64Array(dim);
    let gradBias = 0;
    for (const { x, y, w } of rows) {
      const error = w * (1 / (1 + Math.exp(-logit(x))) - y);
      gradBias += error;
      for (let i = 0; i < dim; i++) grad[i] = (grad[i] ?? 0) + error * (x[i] ?? 0);
    }
    for (let i = 0; i < dim; i++)
      weights[i] = (weights[i] ?? 0) - STEP_SIZE * ((grad[i] ?? 0) + L2 * (weights[i] ?? 0));
    bias -= STEP_SIZE * gradBias;
  }
  return logit;
}

/** `count` items drawn without replacement by a seeded generator (mulberry32). */
function sample<T>(items: readonly T[], count: number, seed: number): T[] {
  let state = seed >>> 0;
  const next = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const pool = [...items];
  for (let i = pool.length - 1; i > 0; i--) {
    const j = Math.floor(next() * (i + 1));
    [pool[i], pool[j]] = [pool[j] as T, pool[i] as T];
  }
  return pool.slice(0, count);
}
