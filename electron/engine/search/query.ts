/**
 * @file The search query algebra (engine), parsed into weighted terms:
 *
 *   two dogs running +beach -night      three terms: a phrase, +beach, −night
 *   2:dog +0.5:beach                    weights
 *   "/photos/ref.jpg" +snow             an image file as a term (search by example)
 *
 * Unmarked words run together into one phrase, because a sentence is what CLIP reads
 * best; `+` and `-` at the start of a word open a new term (a hyphen inside a word, as in
 * "t-shirt", does not). A term that names an existing image file is embedded as an image.
 */
import { LanternError } from '../../shared/errors.js';

export interface QueryTerm {
  kind: 'text' | 'image';
  /** The phrase, or the image's path. */
  value: string;
  /** Positive pulls towards the term, negative pushes away. */
  weight: number;
}

const WEIGHT_PREFIX = /^(\d+(?:\.\d+)?):(.*)$/s;

/** Split into words, keeping quoted stretches whole (quotes removed). */
function words(query: string): { text: string; quoted: boolean }[] {
  const out: { text: string; quoted: boolean }[] = [];
  const pattern = /([+-]?(?:\d+(?:\.\d+)?:)?)"([^"]*)"|(\S+)/g;
  for (const match of query.matchAll(pattern)) {
    if (match[3] !== undefined) out.push({ text: match[3], quoted: false });
    else out.push({ text: `${match[1] ?? ''}${match[2] ?? ''}`, quoted: true });
  }
  return out;
}

export function parseQuery(
  query: string,
  isImageFile: (candidate: string) => boolean = () => false,
): QueryTerm[] {
  const terms: QueryTerm[] = [];
  let current: { sign: number; weight: number; parts: string[]; quoted: boolean } | null = null;
  const finish = () => {
    if (!current) return;
    const value = current.parts.join(' ').trim();
    if (value) {
      const image = (current.quoted || current.parts.length === 1) && isImageFile(value);
      terms.push({ kind: image ? 'image' : 'text', value, weight: current.sign * current.weight });
    }
    current = null;
  };
  for (const word of words(query)) {
    let text = word.text;
    let sign = 0;
    if (text.length > 1 && (text.startsWith('+') || text.startsWith('-'))) {
      sign = text.startsWith('-') ? -1 : 1;
      text = text.slice(1);
    }
    let weight: number | null = null;
    const weighted = WEIGHT_PREFIX.exec(text);
    if (weighted && weighted[2]) {
      weight = Number(weighted[1]);
      text = weighted[2];
    }
    // A sign, a weight, a quoted stretch or an image path starts a new term.
    const startsTerm =
      sign !== 0 || weight !== null || word.quoted || current === null || isImageFile(text);
    if (startsTerm) {
      finish();
      current = { sign: sign || 1, weight: weight ?? 1, parts: [text], quoted: word.quoted };
      if (word.quoted || isImageFile(text)) finish();
    } else {
      current?.parts.push(text);
    }
  }
  finish();
  if (terms.length === 0)
    throw new LanternError('INVALID_INPUT', 'The search is empty: type a few words to search for.');
  if (!terms.some((term) => term.weight > 0)) {
    throw new LanternError(
      'INVALID_INPUT',
      'The search only excludes things: add at least one term to look for, e.g. "beach -night".',
    );
  }
  return terms;
}

/**
 * [Note: negative terms] `dog -night` looks for dogs and drops the dogs that look more
 * like night than like a dog. CLIP's text embeddings are nearly collinear (two sentences
 * share most of their direction), so subtracting the negative embedding from the query
 * also subtracts the shared part and moves every score down: on the `toy-clip-gap`
 * geometry, `orange -red` at weight −1 kept none of the orange photos through the
 * relevance gate, at −½ 7 of 40, at −¼ 14 of 40 (and 101 unrelated ones). Instead the
 * query vector holds only the positive terms (it finds and gates the candidates) and a
 * negative term is a penalty on each score: `score − 2·w·max(0, s_neg − score)`. Photos
 * that match what was asked better than the negative term keep their score: over five
 * such pairs, 40 of 40 wanted photos kept, 6 of 40 excluded ones (docs/search.md,
 * "Negative terms").
 */
export const NEGATIVE_PENALTY = 2;
