/**
 * @file Counting in search (engine): "two dogs running in the park" asks for exactly two
 * dogs, which CLIP cannot tell from one or five. When the query holds an explicit count
 * and a detector is installed, the top photos are checked with the detector (boxes of
 * the counted noun above the model's threshold) and those with the asked-for count move
 * first. Runs in the engine (plain Node); the detector is reached through
 * `SearchContext.detectCount`, which the library provides (library.ts).
 *
 * [Note: what counts as a count]
 * - Counts: number words one to twelve and digits 1 to 20, as a word of their own. Beyond
 *   twelve people write digits; beyond twenty a number is a year, a size or an age far
 *   more often than a number of objects ("2019", "50 mm").
 * - Not counts: "a"/"an" ("a dog on a beach" does not ask for exactly one dog, and would
 *   reorder nearly every query), "one of …", and vague amounts ("several", "a few",
 *   "many", "a pair of", "a couple of"): re-ranking puts an exact count first, and
 *   these have none.
 * - The counted noun phrase is the words after the number up to the first preposition,
 *   conjunction, article, auxiliary verb or "-ing" verb, at most four words:
 *   "two orange squares" → 2 × "orange squares", "two dogs running in the park" → 2 ×
 *   "dogs", "3 red cars on a bridge" → 3 × "red cars". The first word is always taken,
 *   so "one building" counts buildings. The phrase goes to the detector as written
 *   (plural and all): open-vocabulary detectors read "dogs" as they read "dog".
 * - Only the first positive phrase with a count is used; weights, negative terms, image
 *   terms and `tag:` words are not read.
 *
 * [Note: how counting re-ranks]
 * The first VERIFY_TOP photos of the answer (after the relevance cut-off, in CLIP order)
 * are run through the detector with the noun as prompt. Those with exactly the asked-for
 * number of boxes come first, in CLIP order; then every other result, in CLIP order. A
 * checked photo carries `counted` (the reason it moved, or did not). When no photo has
 * the exact count the order is unchanged, so a misread count ("2 years old") costs time
 * but never scrambles an answer. Videos are left as they are. A photo the detector cannot
 * read keeps its place, unchecked; with no detector installed search is unchanged (the
 * answer has no place for a note saying so; docs/search.md, "Counting", does).
 */
import type { SearchResult } from '../../shared/types.js';
import type { QueryTerm } from './query.js';

/** What a query counts: `count` × `noun`. */
export interface CountQuery {
  count: number;
  noun: string;
}

/**
 * Photos checked with the detector. Measured on the toy detector (docs/search.md,
 * "Counting"), one uncached check is a decode to 768² plus one run; real OWL-ViT B/32 on
 * a CPU is several times slower, so 20 keeps a first counted search within seconds while
 * still reaching past the first screen of results. Repeats are answered from the
 * detector's cache.
 */
export const VERIFY_TOP = 20;

const NUMBER_WORDS: ReadonlyMap<string, number> = new Map(
  [
    'one',
    'two',
    'three',
    'four',
    'five',
    'six',
    'seven',
    'eight',
    'nine',
    'ten',
    'eleven',
    'twelve',
  ].map((word, i) => [word, i + 1] as const),
);
/** Number words that are not counts themselves but make the one next to them part of a larger number. */
const OTHER_NUMBER_WORDS = new Set(
  (
    'zero thirteen fourteen fifteen sixteen seventeen eighteen nineteen twenty thirty forty ' +
    'fifty sixty seventy eighty ninety hundred thousand million dozen'
  ).split(' '),
);
const MAX_DIGITS_COUNT = 20;
const MAX_NOUN_WORDS = 4;

/** Words that end a counted noun phrase (prepositions, conjunctions, articles, auxiliaries). */
const PHRASE_ENDS = new Set(
  (
    'in on at with without near by under over behind beside besides next into onto inside ' +
    'outside around across along against between among above below beneath from to for of ' +
    'through toward towards during after before like than up down off out and or but nor ' +
    'while that which who whom whose where when as a an the this these those their his her ' +
    'its my our your is are was were be being been has have had do does did can could will ' +
    'would should may might must'
  ).split(' '),
);

/** The number a word stands for, or null. */
function numberOf(word: string): number | null {
  const named = NUMBER_WORDS.get(word);
  if (named !== undefined) return named;
  if (!/^\d{1,2}$/.test(word)) return null;
  const value = Number(word);
  return value >= 1 && value <= MAX_DIGITS_COUNT ? value : null;
}

/** Any number, counted or not: "twenty one", "two hundred" are no counts of ours. */
const isNumber = (word: string | undefined) =>
  word !== undefined &&
  (numberOf(word) !== null || OTHER_NUMBER_WORDS.has(word) || /^\d+$/.test(word));

/** The count one phrase asks for, or null ([Note: what counts as a count]). */
export function parseCount(phrase: string): CountQuery | null {
  const words = phrase
    .toLowerCase()
    .split(/[^\p{L}\p{N}'-]+/u)
    .filter((word) => word !== '');
  for (let i = 0; i < words.length; i++) {
    const count = numberOf(words[i]!);
    if (count === null || isNumber(words[i - 1])) continue;
    const noun: string[] = [];
    for (const word of words.slice(i + 1, i + 1 + MAX_NOUN_WORDS)) {
      if (PHRASE_ENDS.has(word) || isNumber(word)) break;
      // "two dogs running": a verb after the noun ends it; the first word is the noun itself.
      if (noun.length > 0 && word.endsWith('ing')) break;
      noun.push(word);
    }
    if (noun.length > 0) return { count, noun: noun.join(' ') };
  }
  return null;
}

/** The count a query's terms ask for: the first positive text phrase that holds one. */
export function countOfTerms(terms: readonly QueryTerm[]): CountQuery | null {
  for (const term of terms) {
    if (term.kind !== 'text' || term.weight <= 0) continue;
    const count = parseCount(term.value);
    if (count) return count;
  }
  return null;
}

/** How many `noun`s the detector boxes in a photo (SearchContext.detectCount). */
export type DetectCount = (file: string, noun: string) => Promise<number>;

/**
 * Check the first `verifyTop` photos with the detector and put those with the exact count
 * first ([Note: how counting re-ranks]). Items are returned anew; the input is untouched.
 */
export async function rankByCount<H extends { result: SearchResult }>(
  hits: readonly H[],
  query: CountQuery,
  detectCount: DetectCount,
  verifyTop = VERIFY_TOP,
): Promise<H[]> {
  const checked: H[] = [];
  let photos = 0;
  for (const hit of hits) {
    if (hit.result.kind !== 'image' || photos >= verifyTop) {
      checked.push(hit);
      continue;
    }
    photos++;
    // One photo the detector cannot read (gone, corrupt) must not fail the search.
    const found = await detectCount(hit.result.path, query.noun).catch(() => null);
    if (found === null) {
      checked.push(hit);
      continue;
    }
    const counted = { noun: query.noun, found, wanted: query.count };
    checked.push({ ...hit, result: { ...hit.result, counted } });
  }
  const isExact = ({ result: { counted } }: H) =>
    counted !== undefined && counted.found === counted.wanted;
  return [...checked.filter(isExact), ...checked.filter((hit) => !isExact(hit))];
}
