/**
 * @file Negative terms on the `toy-clip-gap` geometry (bench time only; called by
 * relevance.ts). "orange -red" should keep the orange photos and drop the red ones,
 * which score within a few hundredths of orange ones (as "night" photos score for
 * "dog"). Options: subtracting the negative embedding at weights 1, ½ and ¼,
 * projecting its direction out of the query, and penalties on the score that leave the
 * query vector alone. Each result goes through the chosen relevance gate.
 */
import { relevanceCutoff } from '../../electron/engine/search/cutoff.js';
import type { ColourWord } from '../toy-models/colours.js';
import { gapTextEmbedding } from './relevance-gap.js';
import type { Embedded } from './relevance.js';

const median = (values: readonly number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[sorted.length >> 1] ?? 0;
};
const dot = (a: Float32Array, b: Float32Array) => a.reduce((s, x, i) => s + x * (b[i] ?? 0), 0);
const unit = (v: Float32Array) => {
  const n = Math.sqrt(dot(v, v));
  return v.map((x) => x / n);
};

type Combine = (positive: Float32Array, negative: Float32Array) => Float32Array;
/** A penalty on the score, the query vector left as it is: `s_p − max(0, s_n − s_p)`. */
const PENALTY = 'penalty: s_p − 2·max(0, s_n − s_p) (chosen, query.ts)';
const PENALTY_1 = 'penalty: s_p − max(0, s_n − s_p)';
const MARGIN_1 = 'penalty: s_p − 2·max(0, s_n − s_p − 0.01)';
const MARGIN_2 = 'penalty: s_p − 4·max(0, s_n − s_p − 0.01)';
const RELATIVE =
  "penalty on excess over each term's median: s_p − 2·max(0, (s_n − m_n) − (s_p − m_p))";
const subtract =
  (w: number): Combine =>
  (p, n) =>
    unit(p.map((x, i) => x - w * (n[i] ?? 0)));
/** Project the negative direction out: `p − (p·n̂)n̂`. */
const projectOut: Combine = (p, n) => {
  const u = unit(n);
  const along = dot(p, u);
  return unit(p.map((x, i) => x - along * (u[i] ?? 0)));
};

export const NEGATIVE_OPTIONS: [string, Combine][] = [
  ['p − n (weight 1, before)', subtract(1)],
  ['p − ½n', subtract(0.5)],
  ['p − ¼n', subtract(0.25)],
  ['p − (p·n̂)n̂ (projected out)', projectOut],
  [PENALTY_1, (p) => p],
  [PENALTY, (p) => p],
  [RELATIVE, (p) => p],
  [MARGIN_1, (p) => p],
  [MARGIN_2, (p) => p],
];

const PAIRS: [ColourWord, ColourWord][] = [
  ['orange', 'red'],
  ['red', 'orange'],
  ['blue', 'purple'],
  ['purple', 'blue'],
  ['yellow', 'orange'],
];

export function measureNegativeTerms(library: readonly Embedded[], matchFloor: number): void {
  console.log(
    '\n| negative term | wanted kept | unwanted kept | others kept | wanted kept without the negative |',
  );
  console.log('| --- | --- | --- | --- | --- |');
  for (const [name, combine] of NEGATIVE_OPTIONS) {
    let wanted = 0;
    let wantedTotal = 0;
    let unwanted = 0;
    let unwantedTotal = 0;
    let others = 0;
    let plainWanted = 0;
    for (const [want, avoid] of PAIRS) {
      const plain = gapTextEmbedding(want);
      const query = combine(plain, gapTextEmbedding(avoid));
      const negative = gapTextEmbedding(avoid);
      for (const [q, isPlain] of [
        [query, false],
        [plain, true],
      ] as const) {
        const raw = library.map((e) => dot(q, e.vector));
        const { threshold } = relevanceCutoff({ background: raw, matchFloor });
        const negScores = library.map((e) => dot(negative, e.vector));
        const mp = median(raw);
        const mn = median(negScores);
        const scores =
          (name === MARGIN_1 || name === MARGIN_2) && !isPlain
            ? raw.map(
                (s, i) =>
                  s - (name === MARGIN_1 ? 2 : 4) * Math.max(0, (negScores[i] ?? 0) - s - 0.01),
              )
            : name === RELATIVE && !isPlain
              ? raw.map((s, i) => s - 2 * Math.max(0, (negScores[i] ?? 0) - mn - (s - mp)))
              : name.startsWith('penalty') && !isPlain
                ? raw.map(
                    (s, i) =>
                      s -
                      (name === PENALTY ? 2 : 1) *
                        Math.max(0, dot(negative, library[i]!.vector) - s),
                  )
                : raw;
        library.forEach((e, i) => {
          const kept = (scores[i] ?? -1) >= threshold;
          if (isPlain) {
            if (kept && e.photo.colour === want) plainWanted++;
            return;
          }
          if (e.photo.colour === want) {
            wantedTotal++;
            if (kept) wanted++;
          } else if (e.photo.colour === avoid) {
            unwantedTotal++;
            if (kept) unwanted++;
          } else if (kept) others++;
        });
      }
    }
    console.log(
      `| ${name} | ${wanted}/${wantedTotal} | ${unwanted}/${unwantedTotal} | ${others} | ${plainWanted}/${wantedTotal} |`,
    );
  }
}
