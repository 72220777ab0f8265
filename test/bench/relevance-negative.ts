/**
 * @file Negative terms on the `toy-clip-gap` geometry (bench time only; called by
 * relevance.ts). "orange -red" should keep the orange photos and drop the red ones,
 * which score within a few hundredths of orange ones (as "night" photos score for
 * "dog"). Options: subtracting the negative embedding at weights 1, ½ and ¼, and
 * removing only the negative term's own direction (what it says beyond the texts it
 * shares the cone with). Each result goes through the chosen relevance gate.
 */
import { relevanceCutoff } from '../../electron/engine/search/cutoff.js';
import type { ColourWord } from '../toy-models/colours.js';
import { gapTextEmbedding } from './relevance-gap.js';
import type { Embedded } from './relevance.js';

const dot = (a: Float32Array, b: Float32Array) => a.reduce((s, x, i) => s + x * (b[i] ?? 0), 0);
const unit = (v: Float32Array) => {
  const n = Math.sqrt(dot(v, v));
  return v.map((x) => x / n);
};

type Combine = (positive: Float32Array, negative: Float32Array) => Float32Array;
/** A penalty on the score, the query vector left as it is: `s_p − max(0, s_n − s_p)`. */
const PENALTY = 'penalty: s_p − 2·max(0, s_n − s_p) (chosen, query.ts)';
const PENALTY_1 = 'penalty: s_p − max(0, s_n − s_p)';
const subtract =
  (w: number): Combine =>
  (p, n) =>
    unit(p.map((x, i) => x - w * (n[i] ?? 0)));
/** Remove the part of n̂ not shared with p̂ (its own direction), at strength `w`. */
const ownDirection =
  (w: number): Combine =>
  (p, n) => {
    const shared = dot(unit(n), unit(p));
    const own = unit(unit(n).map((x, i) => x - shared * (unit(p)[i] ?? 0)));
    const along = dot(unit(n), own);
    return unit(p.map((x, i) => x - w * along * (own[i] ?? 0)));
  };

export const NEGATIVE_OPTIONS: [string, Combine][] = [
  ['p − n (weight 1, before)', subtract(1)],
  ['p − ½n', subtract(0.5)],
  ['p − ¼n', subtract(0.25)],
  ["p − n's own direction", ownDirection(1)],
  ["p − ½ n's own direction", ownDirection(0.5)],
  [PENALTY_1, (p) => p],
  [PENALTY, (p) => p],
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
        const scores =
          name.startsWith('penalty') && !isPlain
            ? raw.map(
                (s, i) =>
                  s -
                  (name === PENALTY ? 2 : 1) * Math.max(0, dot(negative, library[i]!.vector) - s),
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
